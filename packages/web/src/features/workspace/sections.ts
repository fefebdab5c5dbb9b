/** Auto-arranging metric panels: sections by key prefix, like W&B's workspace. Pure: tested in sections.test.ts. */

export interface Section { name: string; keys: string[] }

export const DEFAULT_SECTION = 'Charts';
export const SYSTEM_SECTION = 'System';

/** Keys a line plot is made for: internal `_step`/`_runtime`/`_timestamp`/`_wandb…` keys are axes, not panels. */
export const isPanelKey = (key: string) => !key.startsWith('_');

/** The section of a key: the part before its first `/` (`train/loss` → `train`); system metrics together. */
export function sectionOf(key: string): string {
  if (key.startsWith('system/') || key.startsWith('system.')) return SYSTEM_SECTION;
  const slash = key.indexOf('/');
  return slash > 0 ? key.slice(0, slash) : DEFAULT_SECTION;
}

/**
 * Groups keys into sections: the default section first, named sections alphabetically, System last; keys
 * sorted inside each (numerically where they differ by numbers: layer2 before layer10).
 */
export function toSections(keys: Iterable<string>): Section[] {
  const by = new Map<string, string[]>();
  for (const key of keys) {
    if (!isPanelKey(key)) continue;
    const s = sectionOf(key);
    let list = by.get(s);
    if (!list) by.set(s, (list = []));
    list.push(key);
  }
  const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  const rank = (name: string) => (name === DEFAULT_SECTION ? 0 : name === SYSTEM_SECTION ? 2 : 1);
  return [...by.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || collator.compare(a, b))
    .map(([name, list]) => ({ name, keys: [...new Set(list)].sort(collator.compare) }));
}

/** Case-insensitive substring search over keys; every whitespace-separated word must appear. */
export function matchesSearch(key: string, search: string): boolean {
  const k = key.toLowerCase();
  return search.toLowerCase().split(/\s+/).filter(Boolean).every((w) => k.includes(w));
}
