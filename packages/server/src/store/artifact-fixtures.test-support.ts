import type { ProjectId } from '@cairn/shared';
import type { ArtifactStore, NewArtifact } from '../core/ports.js';

/** Content numbers as md5 hex / base64 digests, for store tests that need many distinct contents. */
export const hexOf = (n: number) => n.toString(16).padStart(32, '0');
export const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

/**
 * A committed version of `collection` (type dataset) holding `files` (name → [content number, size]), each
 * claimed and stored first, plus reference entries (name → size) pointing at s3://bucket/<name>.
 */
export async function commitVersion(store: ArtifactStore, projectId: ProjectId, collection: string, files: Record<string, [number, number]>,
  ttl: Pick<NewArtifact, 'ttlSeconds' | 'ttlInherited'> = { ttlSeconds: null, ttlInherited: true }, refs: Record<string, number> = {}) {
  const type = await store.ensureType(projectId, 'dataset');
  const seq = await store.ensureSequence(projectId, type.id, collection, null);
  const a = await store.insertArtifact({
    projectId, sequenceId: seq.id, typeId: type.id, digest: hexOf(Math.floor(Math.random() * 1e9)), description: null,
    metadata: null, historyStep: null, createdByRunId: null, clientId: null, distributedId: null, requestedAliases: [], tags: [], ...ttl,
  });
  for (const [n, size] of Object.values(files)) {
    await store.claimContent(hexOf(n), a.id);
    await store.markContentStored(hexOf(n), size);
  }
  const entries = [
    ...Object.entries(files).map(([name, [n, size]]) => ({ name, digest: b64(hexOf(n)), size, ref: null, birthArtifactId: a.id })),
    ...Object.entries(refs).map(([name, size]) => ({ name, digest: 'etag', size, ref: `s3://bucket/${name}`, birthArtifactId: null })),
  ];
  return { artifact: await store.commit(a.id, entries, 'c'), sequenceId: seq.id };
}
