import { invalidInput } from './errors.js';

/**
 * Deepest nesting of arrays/objects a stored JSON document may have. SQLite's JSON functions refuse
 * documents over 1000 levels (every later query of the row would fail), and recursive code paths want a
 * bound too; no metric or config the SDK writes gets near it.
 */
export const MAX_JSON_DEPTH = 512;

/** Throws a 400 when `text` nests deeper than MAX_JSON_DEPTH. One pass over the text, no parsing. */
export function assertJsonDepth(text: string, what: string): void {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > MAX_JSON_DEPTH) throw invalidInput(`${what} is nested more than ${MAX_JSON_DEPTH} levels deep`);
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
}
