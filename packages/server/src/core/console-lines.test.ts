import { describe, expect, it } from 'vitest';
import { formatConsoleLine, parseConsoleLine } from './console-lines.js';

const TS = '2025-01-02T03:04:05.678901Z';

describe('parseConsoleLine', () => {
  it('reads timestamp and text of a plain stdout line', () => {
    expect(parseConsoleLine(`${TS} hello world`, false)).toEqual({ level: 'info', ts: TS, label: null, text: 'hello world' });
  });

  it('reads ERROR lines as stderr', () => {
    expect(parseConsoleLine(`ERROR ${TS} boom`, false)).toEqual({ level: 'error', ts: TS, label: null, text: 'boom' });
  });

  it('reads the label of shared-mode writers', () => {
    expect(parseConsoleLine(`${TS} [worker-1] step 3`, true)).toEqual({ level: 'info', ts: TS, label: 'worker-1', text: 'step 3' });
  });

  it('keeps a leading [..] as printed text for ordinary writers', () => {
    expect(parseConsoleLine(`${TS} [INFO] step 3`, false)).toEqual({ level: 'info', ts: TS, label: null, text: '[INFO] step 3' });
    expect(parseConsoleLine(`${TS} [only]`, false)).toEqual({ level: 'info', ts: TS, label: null, text: '[only]' });
  });

  it('an empty printed line keeps its timestamp and empty text', () => {
    expect(parseConsoleLine(TS, false)).toEqual({ level: 'info', ts: TS, label: null, text: '' });
  });

  it('keeps text that has no timestamp as is', () => {
    expect(parseConsoleLine('no timestamp here', false)).toEqual({ level: 'info', ts: null, label: null, text: 'no timestamp here' });
    expect(parseConsoleLine('', false)).toEqual({ level: 'info', ts: null, label: null, text: '' });
  });

  it('drops the newline that the Python sender ends each line with', () => {
    const ts = '2020-08-25T20:38:36.895321';
    expect(parseConsoleLine(`${ts} line 3\n`, false)).toEqual({ level: 'info', ts, label: null, text: 'line 3' });
    expect(parseConsoleLine(`ERROR ${ts} boom\r\n`, false)).toEqual({ level: 'error', ts, label: null, text: 'boom' });
    expect(parseConsoleLine('untimed\n', false).text).toBe('untimed');
  });

  it('reads structured JSON lines', () => {
    const raw = JSON.stringify({ level: 'error', ts: TS, label: 'rank0', content: 'oops' });
    expect(parseConsoleLine(raw, true)).toEqual({ level: 'error', ts: TS, label: 'rank0', text: 'oops' });
  });

  it('treats printed JSON without a content field, or broken JSON, as plain text', () => {
    expect(parseConsoleLine('{"a":1}', false).text).toBe('{"a":1}');
    expect(parseConsoleLine('{not json', false).text).toBe('{not json');
  });
});

describe('formatConsoleLine', () => {
  it.each([
    [`${TS} hello`, false],
    [`ERROR ${TS} bad thing`, false],
    [`${TS} [worker-1] step 3`, true],
    [`${TS} [INFO] printed`, false],
  ])('is the inverse of parseConsoleLine for %s', (raw, withLabel) => {
    expect(formatConsoleLine(parseConsoleLine(raw, withLabel))).toBe(raw);
  });
});
