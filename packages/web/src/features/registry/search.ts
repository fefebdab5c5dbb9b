/** The registry search bar's queries: one text → filters on registries, collections and versions. Pure: search.test.ts. */

export const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Registries and collections whose name contains the text (any case); collections and versions tagged with it;
 * versions holding it as an alias. A `vN` text also finds version N of every collection.
 */
export function searchFilters(text: string): { registries: string; collections: string; versions: string } | null {
  const term = text.trim();
  if (term === '') return null;
  const contains = { $regex: escapeRegex(term), $options: 'i' };
  const version = /^v(\d+)$/.exec(term);
  return {
    registries: JSON.stringify({ name: contains }),
    collections: JSON.stringify({ $or: [{ name: contains }, { tag: term }] }),
    versions: JSON.stringify({ $or: [{ alias: term }, { tag: term }, ...(version ? [{ version: Number(version[1]) }] : [])] }),
  };
}
