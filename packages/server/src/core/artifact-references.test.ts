import { describe, expect, it } from 'vitest';
import { checksumOwnReferences, type StatReference } from './artifact-references.js';
import { DomainError } from './errors.js';

/** A store that owns bucket "cairn" and holds `objects` (key -> ETag, size, version). */
function storeWith(objects: Record<string, { etag: string; size: number; versionId?: string }>) {
  const calls: { uri: string; versionId?: string }[] = [];
  const stat: StatReference = async (uri, versionId) => {
    calls.push({ uri, ...(versionId ? { versionId } : {}) });
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!m || m[1] !== 'cairn') return null;
    const o = objects[m[2]!];
    return o ? { etag: o.etag, size: o.size, versionId: o.versionId ?? null } : 'missing';
  };
  return { stat, calls };
}

describe('checksumOwnReferences', () => {
  it('leaves a checksummed reference that still matches the object, and files or other buckets, untouched', async () => {
    const { stat, calls } = storeWith({ 'data/a.bin': { etag: 'e1', size: 5 } });
    const contents = {
      'a.bin': { digest: 'e1', size: 5, ref: 's3://cairn/data/a.bin', extra: { etag: 'e1' } },
      'other.bin': { digest: 'x', size: 1, ref: 's3://elsewhere/k' },
      'gcs.bin': { digest: 'y', size: 1, ref: 'gs://cairn/k' },
      'file.txt': { digest: 'bWQ1', size: 3 },
    };
    const out = await checksumOwnReferences(contents, stat);
    expect(out).toEqual({ contents, changed: false });
    expect(calls.map((c) => c.uri).sort()).toEqual(['s3://cairn/data/a.bin', 's3://elsewhere/k']);
  });

  it('refuses a reference whose object changed (ETag or size) or is gone, naming the entry', async () => {
    const { stat } = storeWith({ 'a.bin': { etag: 'new', size: 5 }, 'b.bin': { etag: 'same', size: 9 } });
    const refuse = (contents: Record<string, { digest: string; size: number; ref: string }>) => checksumOwnReferences(contents, stat);
    await expect(refuse({ 'dir/a.bin': { digest: 'old', size: 5, ref: 's3://cairn/a.bin' } }))
      .rejects.toThrow(/reference dir\/a\.bin \(s3:\/\/cairn\/a\.bin\) changed since it was added: the object store has ETag new \(5 bytes\), the manifest says old/);
    await expect(refuse({ 'b.bin': { digest: 'same', size: 4, ref: 's3://cairn/b.bin' } })).rejects.toThrow(/reference b\.bin .*9 bytes.*4 bytes/);
    const gone = refuse({ 'c.bin': { digest: 'e', size: 1, ref: 's3://cairn/c.bin' } });
    await expect(gone).rejects.toThrow(/reference c\.bin points at s3:\/\/cairn\/c\.bin, which does not exist/);
    await expect(gone).rejects.toBeInstanceOf(DomainError);
  });

  it('checks a versioned reference against its own version', async () => {
    const { stat, calls } = storeWith({ 'a.bin': { etag: 'e1', size: 5, versionId: 'v1' } });
    await checksumOwnReferences({ a: { digest: 'e1', size: 5, ref: 's3://cairn/a.bin', extra: { etag: 'e1', versionID: 'v1' } } }, stat);
    expect(calls).toEqual([{ uri: 's3://cairn/a.bin', versionId: 'v1' }]);
  });

  it('records ETag, size and version for checksum=False references it owns, and leaves the rest as sent', async () => {
    const { stat } = storeWith({ 'data/a.bin': { etag: 'e1', size: 5, versionId: 'v7' } });
    const contents = {
      'a.bin': { digest: 's3://cairn/data/a.bin', ref: 's3://cairn/data/a.bin', birthArtifactID: 'QXJ0aWZhY3Q6MQ==' },
      'missing.bin': { digest: 's3://cairn/nope', ref: 's3://cairn/nope' },
      'theirs.bin': { digest: 's3://elsewhere/k', ref: 's3://elsewhere/k' },
    };
    const out = await checksumOwnReferences(contents, stat);
    expect(out.changed).toBe(true);
    expect(out.contents).toEqual({
      'a.bin': { digest: 'e1', size: 5, ref: 's3://cairn/data/a.bin', birthArtifactID: 'QXJ0aWZhY3Q6MQ==', extra: { etag: 'e1', versionID: 'v7' } },
      'missing.bin': contents['missing.bin'],
      'theirs.bin': contents['theirs.bin'],
    });
    // The client's manifest object itself is not changed.
    expect(contents['a.bin'].digest).toBe('s3://cairn/data/a.bin');
  });
});
