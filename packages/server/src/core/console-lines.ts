import type { ConsoleLine } from './ports.js';

// `[ERROR ]<UTC timestamp>[ [label]] <text>` (protocol §4.1, wandb-core LegacyFormat).
const PLAIN = /^(ERROR )?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?)(?: \[([^\]\n]*)\])?(?: (.*))?$/s;

/**
 * Parses one console line from file_stream. `withLabel` is true for shared-mode writers, whose lines carry
 * a `[label]`; for others a leading `[...]` is part of the text the program printed.
 */
export function parseConsoleLine(raw: string, withLabel: boolean): Omit<ConsoleLine, 'writer' | 'lineNo'> {
  if (raw.startsWith('{')) {
    try {
      const o = JSON.parse(raw) as { level?: unknown; ts?: unknown; label?: unknown; content?: unknown };
      if (typeof o.content === 'string') {
        return {
          level: o.level === 'error' ? 'error' : 'info',
          ts: typeof o.ts === 'string' ? o.ts : null,
          label: typeof o.label === 'string' ? o.label : null,
          text: o.content,
        };
      }
    } catch {
      // not structured: fall through to the plain format
    }
  }
  // The Python sender (wandb sync up to SDK 0.29, SDKs before wandb-core) ends each line with its newline.
  const line = raw.endsWith('\n') ? raw.slice(0, raw.endsWith('\r\n') ? -2 : -1) : raw;
  const m = PLAIN.exec(line);
  if (!m) return { level: 'info', ts: null, label: null, text: line };
  const [, error, ts, label, rest] = m;
  if (label !== undefined && !withLabel) {
    return { level: error ? 'error' : 'info', ts: ts!, label: null, text: `[${label}]${rest !== undefined ? ` ${rest}` : ''}` };
  }
  return { level: error ? 'error' : 'info', ts: ts!, label: label ?? null, text: rest ?? '' };
}

/** The inverse, for output.log downloads: the same plain format the SDK wrote. */
export function formatConsoleLine(line: Omit<ConsoleLine, 'writer' | 'lineNo'>): string {
  const prefix = line.level === 'error' ? 'ERROR ' : '';
  const ts = line.ts ? `${line.ts} ` : '';
  const label = line.label !== null ? `[${line.label}] ` : '';
  return `${prefix}${ts}${label}${line.text}`;
}
