export * from './ids.js';
export * from './extjson.js';
export * from './filestream.js';
export * from './bucketing.js';
