import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('uses defaults when nothing is given', () => {
    const c = loadConfig({}, {});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toBe(path.resolve('.cairn-data'));
    expect(c.logLevel).toBe('info');
  });

  it('reads CAIRN_* env over defaults, coercing numbers', () => {
    const c = loadConfig({}, { CAIRN_PORT: '9001', CAIRN_DATABASE_URL: 'postgres://x/y', CAIRN_HEARTBEAT_TIMEOUT_SECONDS: '2.5' });
    expect(c.port).toBe(9001);
    expect(c.databaseUrl).toBe('postgres://x/y');
    expect(c.heartbeatTimeoutSeconds).toBe(2.5);
  });

  it('flags win over env', () => {
    const c = loadConfig({ port: 7000, dataDir: '/tmp/flag-dir' }, { CAIRN_PORT: '9001', CAIRN_DATA_DIR: '/tmp/env-dir' });
    expect(c.port).toBe(7000);
    expect(c.dataDir).toBe('/tmp/flag-dir');
  });

  it('ignores flags left undefined and empty env values', () => {
    const c = loadConfig({ port: undefined }, { CAIRN_PORT: '9001', CAIRN_LOG_LEVEL: '' });
    expect(c.port).toBe(9001);
    expect(c.logLevel).toBe('info');
  });

  it('ignores env vars it does not know', () => {
    expect(loadConfig({}, { PORT: '1234', CAIRN_NOPE: 'x' }).port).toBe(8080);
  });

  it('makes dataDir absolute', () => {
    expect(path.isAbsolute(loadConfig({ dataDir: 'rel/dir' }, {}).dataDir)).toBe(true);
  });

  it('is frozen', () => {
    const c = loadConfig({}, {});
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    [{ CAIRN_PORT: 'abc' }],
    [{ CAIRN_PORT: '70000' }],
    [{ CAIRN_LOG_LEVEL: 'loud' }],
    [{ CAIRN_PUBLIC_URL: 'not a url' }],
    [{ CAIRN_HEARTBEAT_TIMEOUT_SECONDS: '0' }],
  ])('rejects invalid settings %j', (env) => {
    expect(() => loadConfig({}, env)).toThrow();
  });
});
