import { describe, expect, it } from 'vitest';
import { parseArtifactsV2Path, parseByteRange } from './artifact-download-route.js';

describe('fallback artifact download URLs', () => {
  const md5 = 'ab'.repeat(16);
  it('reads every form the SDKs build', () => {
    expect(parseArtifactsV2Path(['default', 'ent', 'birth', md5])).toEqual({ entity: 'ent', md5Hex: md5 });
    expect(parseArtifactsV2Path(['default', 'ent', '', md5])).toEqual({ entity: 'ent', md5Hex: md5 });
    expect(parseArtifactsV2Path(['default', 'ent', 'proj', 'coll', 'birth', md5, 'f.bin']))
      .toEqual({ entity: 'ent', project: 'proj', collection: 'coll', md5Hex: md5 });
    expect(parseArtifactsV2Path(['default', 'ent', 'proj', 'coll', 'QXJ0aWZhY3Q6Nw==', 'birth', md5, 'f.bin']))
      .toEqual({ entity: 'ent', project: 'proj', collection: 'coll', artifactId: 'QXJ0aWZhY3Q6Nw==', md5Hex: md5 });
  });
  it('refuses other shapes', () => {
    for (const bad of [[], ['default'], ['default', 'ent', md5], ['default', '', 'b', md5], ['a', 'b', 'c', 'd', 'e'], Array(9).fill('x')]) {
      expect(parseArtifactsV2Path(bad)).toBeNull();
    }
  });
});

describe('byte ranges', () => {
  it('serves one span, an open end or a suffix, clamped to the file', () => {
    expect(parseByteRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseByteRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=90-1000', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=-1000', 100)).toEqual({ start: 0, end: 99 });
  });
  it('answers unsatisfiable ranges, and ignores what it does not support (whole file)', () => {
    expect(parseByteRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=5-4', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseByteRange(undefined, 100)).toBeNull();
    expect(parseByteRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseByteRange('items=0-1', 100)).toBeNull();
    expect(parseByteRange('bytes=-', 100)).toBeNull();
  });
});
