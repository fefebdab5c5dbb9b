import { describe, expect, it } from 'vitest';
import { looksBinary, parseWandbTable, previewKind } from './preview';

describe('file preview', () => {
  it('picks a preview from the name and size', () => {
    expect(previewKind('img/cat.PNG', 10)).toBe('image');
    expect(previewKind('huge.png', 50 * 1024 * 1024)).toBe('none');
    expect(previewKind('data.csv', 10)).toBe('text');
    expect(previewKind('README', 10)).toBe('text');
    expect(previewKind('results.table.json', 10)).toBe('table');
    expect(previewKind('model.bin', 10)).toBe('none');
  });

  it('reads W&B tables and refuses other JSON', () => {
    expect(parseWandbTable('{"columns":["a","b"],"data":[[1,2],[3,4]]}', 1)).toEqual({ columns: ['a', 'b'], rows: [[1, 2]], total: 2 });
    expect(parseWandbTable('{"columns":["a"],"data":[1]}')).toBeNull();
    expect(parseWandbTable('not json')).toBeNull();
  });

  it('spots binary bytes', () => {
    expect(looksBinary('hello\u0000world')).toBe(true);
    expect(looksBinary('plain text')).toBe(false);
  });
});
