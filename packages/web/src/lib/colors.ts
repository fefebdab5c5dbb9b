/**
 * Run colours: Okabe–Ito's colour-blind-safe set (yellow left out: unreadable on white) and Paul Tol's
 * muted set after it. A run keeps its colour when the table is re-sorted: it comes from a hash of its name.
 */
export const RUN_PALETTE = [
  '#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#332288', '#882255',
  '#117733', '#44AA99', '#999933', '#AA4499', '#6b6b6b',
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

/** `#rrggbb` with an alpha, as rgba(): the min/max band under a run's line. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
