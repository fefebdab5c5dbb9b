import { describe, expect, it } from 'vitest';
import { manifestContentsDigest } from './artifacts.js';

describe('manifestContentsDigest', () => {
  it("equals the SDK's digest, paths sorted by code point as Python sorts them", () => {
    // Expected value from wandb's ArtifactManifestV1.digest() algorithm run in Python on these entries. A plain
    // JS sort (UTF-16 units) would put the emoji before U+FF21 and give another digest.
    const entries = new Map(Object.entries({ 'b.txt': 'Yg==', 'a/é.txt': 'ZQ==', '😀.txt': 'Zg==', 'Ａ.txt': 'Zw==', 'A.txt': 'aA==' })
      .map(([path, digest]) => [path, { digest }]));
    expect(manifestContentsDigest(entries)).toBe('608dd2e3555bef6fceb70efeb5d12348');
  });

  it('is the digest of an empty manifest when there are no entries', () => {
    expect(manifestContentsDigest(new Map())).toBe('64e7c61456b10382e2f3b571ac24b659');
  });
});
