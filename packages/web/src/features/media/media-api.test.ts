import { describe, expect, it } from 'vitest';
import { isImageCell, mediaBase, nextSort, pageLabel, tableQueryString } from './media-api';

describe('media api helpers', () => {
  it('encodes the run path and leaves empty table query parts out', () => {
    expect(mediaBase({ entity: 'a b', project: 'p/q', run: 'r' })).toBe('/api/v1/media/a%20b/p%2Fq/r');
    expect(tableQueryString({ key: 'tbl', offset: 0, limit: 50, search: '  ', filters: [{ column: 'x', op: '>', value: '' }] }))
      .toBe('key=tbl&offset=0&limit=50');
    const q = new URLSearchParams(tableQueryString({
      key: 'eval/t', step: 7, offset: 100, limit: 50, sort: { column: 'score', desc: true }, search: ' cat ',
      filters: [{ column: 'score', op: '>=', value: '0.5' }],
    }));
    expect(Object.fromEntries(q)).toEqual({
      key: 'eval/t', offset: '100', limit: '50', step: '7', sort: 'score', desc: '1', search: 'cat',
      filters: '[{"column":"score","op":">=","value":"0.5"}]',
    });
  });

  it('cycles header sorting ascending, descending, off, and restarts on another column', () => {
    expect(nextSort(undefined, 'a')).toEqual({ column: 'a', desc: false });
    expect(nextSort({ column: 'a', desc: false }, 'a')).toEqual({ column: 'a', desc: true });
    expect(nextSort({ column: 'a', desc: true }, 'a')).toBeUndefined();
    expect(nextSort({ column: 'a', desc: true }, 'b')).toEqual({ column: 'b', desc: false });
  });

  it('labels pages and recognises image cells', () => {
    expect(pageLabel(50, 50, 200000)).toBe('Rows 51–100 of 200,000');
    expect(pageLabel(0, 0, 0)).toBe('No rows');
    expect(isImageCell({ _type: 'image-file', path: 'p.png', src: '/x' })).toBe(true);
    expect(isImageCell({ _type: 'image-file', path: 'p.png' })).toBe(false);
    expect(isImageCell('Image')).toBe(false);
  });
});
