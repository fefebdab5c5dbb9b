import { invalidInput } from './errors.js';
import type { ReferencedObject } from './ports.js';

/** A manifest entry as the client wrote it: the fields reference checks read or fill (the rest is kept as is). */
export interface ReferenceEntry { digest?: unknown; size?: unknown; ref?: unknown; extra?: unknown }

/** BlobStore.statReference: the object a reference URI names when it is in Cairn's own store, else null. */
export type StatReference = (uri: string, versionId?: string) => Promise<ReferencedObject | 'missing' | null>;

/** HEADs in flight at once for one manifest (a reference to a prefix can have thousands of entries). */
const CONCURRENCY = 16;

/**
 * Reference entries that point into Cairn's own object store, as the wandb SDK adds them (s3_handler.py):
 * - checksummed (digest = the object's ETag, `extra.versionID` for a versioned object): the object must still be
 *   what the client saw, ETag and size, else the commit is refused naming the entry (a version never records
 *   a digest its object no longer has);
 * - added with checksum=False (digest = the URI itself): Cairn records the object's ETag, size and version,
 *   as the SDK does when it checksums, so downloads can check and cache it.
 * Entries the store does not own (other schemes and buckets), and checksum=False ones whose object is not there,
 * stay as the client sent them. Returns the contents (a new object when an entry changed) and whether any did.
 */
export async function checksumOwnReferences<E extends ReferenceEntry>(
  contents: Record<string, E>, stat: StatReference,
): Promise<{ contents: Record<string, E>; changed: boolean }> {
  const names = Object.keys(contents).filter((n) => typeof contents[n]!.ref === 'string' && (contents[n]!.ref as string).startsWith('s3://'));
  const updates = new Map<string, E>();
  for (let i = 0; i < names.length; i += CONCURRENCY) {
    await Promise.all(names.slice(i, i + CONCURRENCY).map(async (name) => {
      const updated = await checkEntry(name, contents[name]!, stat);
      if (updated) updates.set(name, updated);
    }));
  }
  if (updates.size === 0) return { contents, changed: false };
  const out: Record<string, E> = {};
  for (const [name, entry] of Object.entries(contents)) out[name] = updates.get(name) ?? entry;
  return { contents: out, changed: true };
}

/** The entry with the store's ETag/size filled in (checksum=False), or null when it stays as it is. */
async function checkEntry<E extends ReferenceEntry>(name: string, entry: E, stat: StatReference): Promise<E | null> {
  const ref = entry.ref as string;
  const extra = entry.extra !== null && typeof entry.extra === 'object' && !Array.isArray(entry.extra) ? entry.extra as Record<string, unknown> : {};
  if (entry.digest === ref) {
    const found = await stat(ref);
    if (found === null || found === 'missing') return null;
    return {
      ...entry, digest: found.etag, size: found.size,
      extra: { ...extra, etag: found.etag, ...(found.versionId ? { versionID: found.versionId } : {}) },
    };
  }
  const versionId = typeof extra.versionID === 'string' && extra.versionID !== '' ? extra.versionID : undefined;
  const found = await stat(ref, versionId);
  if (found === null) return null;
  if (found === 'missing') {
    throw invalidInput(`cannot commit: reference ${name} points at ${ref}${versionId ? ` (version ${versionId})` : ''}, which does not exist in the object store`);
  }
  const declaredSize = typeof entry.size === 'number' ? entry.size : null;
  if (found.etag !== entry.digest || (declaredSize !== null && declaredSize !== found.size)) {
    throw invalidInput(
      `cannot commit: reference ${name} (${ref}) changed since it was added: the object store has ETag ${found.etag} (${found.size} bytes), ` +
      `the manifest says ${String(entry.digest)}${declaredSize !== null ? ` (${declaredSize} bytes)` : ''}; add the reference again`,
    );
  }
  return null;
}
