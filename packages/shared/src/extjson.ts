/**
 * The SDK writes history/summary lines with bare NaN, Infinity and -Infinity tokens (protocol §1.6).
 * parseExtendedJson accepts them and yields IEEE values; everything else must be strict JSON.
 */
export function parseExtendedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (strictError) {
    if (!/NaN|Infinity/.test(text)) throw strictError;
    return JSON.parse(replaceBareTokens(text), revive);
  }
}

// Stand-in for a bare token while JSON.parse/stringify run. The random part keeps a user string that
// happens to look like it (e.g. "\u0000cairn:NaN") from being turned into a number.
const NONCE = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
const MARK = `\u0000cairn:${NONCE}:`;

/** Quotes bare NaN/±Infinity tokens that stand outside strings, so JSON.parse can read them. */
function replaceBareTokens(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      const end = endOfString(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    const token = text.startsWith('NaN', i) ? 'NaN'
      : text.startsWith('-Infinity', i) ? '-Infinity'
      : text.startsWith('Infinity', i) ? 'Infinity' : null;
    if (token !== null) {
      out += JSON.stringify(MARK + token);
      i += token.length;
      continue;
    }
    out += ch;
    i += 1;
  }
  return out;
}

function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') i += 2;
    else if (ch === '"') return i + 1;
    else i += 1;
  }
  return text.length;
}

function revive(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith(MARK)) {
    const token = value.slice(MARK.length);
    return token === 'NaN' ? NaN : token === 'Infinity' ? Infinity : -Infinity;
  }
  return value;
}

/** Serialises like the SDK does: non-finite numbers as bare tokens, so Python's json.loads reads them back. */
export function stringifyExtendedJson(value: unknown): string {
  let hasSpecial = false;
  const json = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      hasSpecial = true;
      return MARK + (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');
    }
    return v;
  });
  if (!hasSpecial) return json;
  const quoted = new RegExp(`"${MARK.replace('\u0000', '\\\\u0000')}(NaN|-?Infinity)"`, 'g');
  return json.replace(quoted, '$1');
}

/** Strict JSON for an extended-JSON document: NaN/±Infinity become null (for SQL JSON functions). */
export function toStrictJson(text: string): string {
  try {
    JSON.parse(text);
    return text;
  } catch {
    try {
      return JSON.stringify(parseExtendedJson(text));
    } catch {
      return '{}'; // callers validate documents before storing; never fail a write over its query copy
    }
  }
}
