/**
 * ANSI escape sequences in console output → styled text segments. SGR (colours, bold, italic, underline) is
 * kept; every other escape (cursor moves, erase line, OSC titles/links) is dropped so it never shows as
 * garbage. Pure: tested in ansi.test.ts.
 */

export interface AnsiStyle { color?: string; background?: string; bold?: boolean; dim?: boolean; italic?: boolean; underline?: boolean }
export interface AnsiSegment { text: string; style: AnsiStyle }

// The 16 basic colours (VS Code's dark-on-light terminal palette: readable on white).
const BASIC = [
  '#000000', '#cd3131', '#107c10', '#949800', '#0451a5', '#bc05bc', '#0598bc', '#555555',
  '#666666', '#cd3131', '#14ce14', '#b5ba00', '#0451a5', '#bc05bc', '#0598bc', '#a5a5a5',
];

/** xterm's 256-colour table. */
export function color256(n: number): string | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
  if (n < 16) return BASIC[n];
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return rgb(v, v, v);
  }
  const i = n - 16;
  const level = (c: number) => (c === 0 ? 0 : 55 + c * 40);
  return rgb(level(Math.floor(i / 36)), level(Math.floor(i / 6) % 6), level(i % 6));
}

const rgb = (r: number, g: number, b: number) => `#${[r, g, b].map((c) => Math.max(0, Math.min(255, c)).toString(16).padStart(2, '0')).join('')}`;

// CSI (ESC [ params final), OSC (ESC ] … BEL or ESC \), and two-character escapes.
const ESCAPE = /\x1b\[([0-9;:?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;

export function parseAnsi(input: string): AnsiSegment[] {
  const out: AnsiSegment[] = [];
  let style: AnsiStyle = {};
  let last = 0;
  const push = (text: string) => {
    if (!text) return;
    const prev = out.at(-1);
    if (prev && sameStyle(prev.style, style)) prev.text += text;
    else out.push({ text, style });
  };
  for (const m of input.matchAll(ESCAPE)) {
    push(input.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === 'm') style = applySgr(style, m[1] ?? '');
  }
  push(input.slice(last));
  return out;
}

function applySgr(current: AnsiStyle, params: string): AnsiStyle {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  let s: AnsiStyle = { ...current };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0) s = {};
    else if (c === 1) s.bold = true;
    else if (c === 2) s.dim = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 22) { delete s.bold; delete s.dim; }
    else if (c === 23) delete s.italic;
    else if (c === 24) delete s.underline;
    else if (c >= 30 && c <= 37) s.color = BASIC[c - 30]!;
    else if (c >= 90 && c <= 97) s.color = BASIC[c - 90 + 8]!;
    else if (c === 39) delete s.color;
    else if (c >= 40 && c <= 47) s.background = BASIC[c - 40]!;
    else if (c >= 100 && c <= 107) s.background = BASIC[c - 100 + 8]!;
    else if (c === 49) delete s.background;
    else if (c === 38 || c === 48) {
      const target = c === 38 ? 'color' : 'background';
      let value: string | undefined;
      if (codes[i + 1] === 5) {
        value = color256(codes[i + 2]!);
        i += 2;
      } else if (codes[i + 1] === 2) {
        const [r, g, b] = [codes[i + 2], codes[i + 3], codes[i + 4]];
        if ([r, g, b].every((v) => Number.isFinite(v))) value = rgb(r!, g!, b!);
        i += 4;
      }
      if (value) s[target] = value;
    }
  }
  return s;
}

const sameStyle = (a: AnsiStyle, b: AnsiStyle) =>
  a.color === b.color && a.background === b.background && !!a.bold === !!b.bold && !!a.dim === !!b.dim
  && !!a.italic === !!b.italic && !!a.underline === !!b.underline;

/** Plain text without any escapes (for search). */
export const stripAnsi = (input: string) => input.replace(ESCAPE, '');
