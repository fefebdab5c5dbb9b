/**
 * Run colours: Okabe–Ito's colour-blind-safe set (yellow left out: unreadable on white), then a few of Paul
 * Tol's that stay apart from them. A run's colour comes from a hash of its name, so it survives re-sorting.
 */
export const RUN_PALETTE = [
  '#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#882255', '#332288', '#999933', '#6b6b6b',
] as const;

/** FNV-1a over UTF-16 units: cheap, stable across sessions and browsers. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export const runColor = (runName: string) => RUN_PALETTE[hashString(runName) % RUN_PALETTE.length]!;

/**
 * Colours for runs drawn together: each run starts at its hashed colour and moves on to the next free one, so
 * up to RUN_PALETTE.length runs never share a colour, and a run keeps its colour while the set is unchanged.
 */
export function assignColors(runNames: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<number>();
  for (const name of runNames) {
    if (out.has(name)) continue;
    let slot = hashString(name) % RUN_PALETTE.length;
    if (used.size < RUN_PALETTE.length) while (used.has(slot)) slot = (slot + 1) % RUN_PALETTE.length;
    used.add(slot);
    out.set(name, RUN_PALETTE[slot]!);
  }
  return out;
}

/** `#rrggbb` with an alpha, as rgba(): the min/max band under a run's line. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
