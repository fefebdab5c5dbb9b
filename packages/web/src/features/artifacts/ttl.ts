/** TTL editing on a version: what the form means in updateArtifact's `ttlDurationSeconds` (the SDK's wire values). */

export type TtlMode = 'set' | 'inherit' | 'never';
export const WIRE_INHERIT = -1;
export const WIRE_NEVER = -2;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 7 * 86_400 };

/** `30d`, `12h`, `90m`, `2w`, `3600s` or plain seconds → seconds; null when it is not a positive duration. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)\s*([smhdw]?)$/.exec(text.trim().toLowerCase());
  if (!m) return null;
  const seconds = Number(m[1]) * UNITS[m[2] || 's']!;
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : null;
}

/** The wire value for the form, or an error in words. */
export function ttlWireOf(mode: TtlMode, duration: string): { wire: number } | { error: string } {
  if (mode === 'inherit') return { wire: WIRE_INHERIT };
  if (mode === 'never') return { wire: WIRE_NEVER };
  const seconds = parseDuration(duration);
  return seconds === null ? { error: `not a duration: "${duration}" (use e.g. 30d, 12h, 90m)` } : { wire: seconds };
}

export interface TtlOutcome { seconds: number | null; inherited: boolean; expiresAt: string | null }

/** "2026-12-01 10:00:00 UTC" or "never". */
export const formatExpiry = (iso: string | null) => (iso ? `${iso.replace('T', ' ').slice(0, 19)} UTC` : 'never');

/** One line on what applying would do, e.g. "expires 2026-12-01 … UTC (now: never)"; `now` tells past dates apart. */
export function describeChange(current: TtlOutcome, proposed: TtlOutcome, now: Date): string {
  if (current.expiresAt === proposed.expiresAt) return `No change: ${proposed.expiresAt ? `expires ${formatExpiry(proposed.expiresAt)}` : 'never expires'}.`;
  const next = proposed.expiresAt === null ? 'Would never expire'
    : Date.parse(proposed.expiresAt) <= now.getTime() ? `Would expire at once (its expiry ${formatExpiry(proposed.expiresAt)} is past; deleted at the next retention pass)`
      : `Would expire ${formatExpiry(proposed.expiresAt)}`;
  return `${next}${proposed.inherited ? ' (inherited default)' : ''}; now: ${current.expiresAt ? formatExpiry(current.expiresAt) : 'never'}.`;
}
