import { describe, expect, it } from 'vitest';
import { color256, parseAnsi, stripAnsi } from './ansi';

describe('parseAnsi', () => {
  it('returns plain text as one unstyled segment', () => {
    expect(parseAnsi('hello [1] world')).toEqual([{ text: 'hello [1] world', style: {} }]);
  });

  it('applies and resets basic colours, bold and underline', () => {
    expect(parseAnsi('a\x1b[31mred\x1b[1;4m bold\x1b[0m plain')).toEqual([
      { text: 'a', style: {} },
      { text: 'red', style: { color: '#cd3131' } },
      { text: ' bold', style: { color: '#cd3131', bold: true, underline: true } },
      { text: ' plain', style: {} },
    ]);
    expect(parseAnsi('\x1b[92mok\x1b[39m\x1b[44mbg\x1b[m')).toEqual([
      { text: 'ok', style: { color: '#14ce14' } },
      { text: 'bg', style: { background: '#0451a5' } },
    ]);
  });

  it('reads 256-colour and truecolour forms', () => {
    expect(parseAnsi('\x1b[38;5;196mx')[0]!.style.color).toBe(color256(196));
    expect(color256(196)).toBe('#ff0000');
    expect(color256(244)).toBe('#808080');
    expect(parseAnsi('\x1b[48;2;1;2;255my')[0]!.style.background).toBe('#0102ff');
  });

  it('drops cursor moves, erase-line and OSC sequences instead of printing them', () => {
    const line = '\x1b[2K\x1b[1Gepoch 1\x1b]0;title\x07 done\x1b]8;;http://x\x1b\\link';
    expect(parseAnsi(line)).toEqual([{ text: 'epoch 1 donelink', style: {} }]);
    expect(stripAnsi('\x1b[31mred\x1b[0m')).toBe('red');
  });

  it('ignores malformed colour parameters', () => {
    expect(parseAnsi('\x1b[38;5;999mx')).toEqual([{ text: 'x', style: {} }]);
    expect(parseAnsi('\x1b[38;2;1mx')).toEqual([{ text: 'x', style: {} }]);
  });
});
