import { parseExtendedJson, type RunId } from '@cairn/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppendResult, HistoryStore } from '../core/ports.js';
import { SqlHistoryStore } from './history-store.js';
import { sqlBackends } from './sql-backends.test-support.js';

const RUN = 1 as RunId;
const OTHER = 2 as RunId;
const row = (step: number, extra: Record<string, unknown> = {}) => JSON.stringify({ _step: step, ...extra });
/** The offset bookkeeping of an append (the history summary fields are checked on their own). */
const counts = (r: AppendResult) => ({ stored: r.stored, lineCount: r.lineCount });
const steps = (n: number, from = 0) => Array.from({ length: n }, (_, i) => row(from + i, { loss: (from + i) / 10 }));
const info = (text: string) => ({ level: 'info' as const, label: null, ts: null, text });

for (const backend of sqlBackends()) {
  describe(`HistoryStore conformance: ${backend.name}`, () => {
    let history: HistoryStore;
    let dispose: () => Promise<void>;

    beforeEach(async () => {
      const opened = await backend.open();
      history = new SqlHistoryStore(opened.sqlDb);
      dispose = opened.dispose;
    });
    afterEach(async () => {
      await history.close();
      await dispose();
    });

    const scanAll = (run: RunId = RUN, stream: 'history' | 'events' = 'history') => history.scan(run, stream, { limit: 10_000 });

    describe('append', () => {
      it('stores lines and reports the next offset', async () => {
        expect(counts(await history.append(RUN, 'history', '', 0, steps(3)))).toEqual({ stored: 3, lineCount: 3 });
        expect(counts(await history.append(RUN, 'history', '', 3, steps(2, 3)))).toEqual({ stored: 2, lineCount: 5 });
        const rows = await scanAll();
        expect(rows.map((r) => r.step)).toEqual([0, 1, 2, 3, 4]);
        expect(rows.map((r) => r.line)).toEqual(steps(5));
        expect(await history.lineCount(RUN, 'history')).toBe(5);
      });

      it('tells the ingest path the new rows\' step range, last keys and user values; nothing for a re-sent chunk', async () => {
        const summary = await history.append(RUN, 'history', '', 0, [row(5, { loss: 1, acc: 2 }), row(6, { loss: 0.5 })]);
        expect(summary).toEqual({ stored: 2, lineCount: 2, steps: { from: 5, to: 6 }, lastKeys: ['loss'], values: 3 });
        expect(await history.append(RUN, 'history', '', 0, [row(5, { loss: 1, acc: 2 })])).toEqual({ stored: 0, lineCount: 2 });
      });

      it('is idempotent: the same chunk at the same offset twice stores no duplicates', async () => {
        await history.append(RUN, 'history', '', 0, steps(3));
        expect(counts(await history.append(RUN, 'history', '', 0, steps(3)))).toEqual({ stored: 0, lineCount: 3 });
        expect(await scanAll()).toHaveLength(3);
        expect(await history.lineCount(RUN, 'history')).toBe(3);
      });

      it('keeps the first copy of a re-sent index and stores only the new part of an overlapping chunk', async () => {
        await history.append(RUN, 'history', '', 0, steps(3));
        const overlapping = [row(2, { loss: 999 }), ...steps(2, 3)];
        expect(counts(await history.append(RUN, 'history', '', 2, overlapping))).toEqual({ stored: 2, lineCount: 5 });
        const rows = await scanAll();
        expect(rows.map((r) => r.step)).toEqual([0, 1, 2, 3, 4]);
        expect(rows[2]!.line).toBe(row(2, { loss: 0.2 }));
      });

      it('an empty chunk stores nothing and still reports the count', async () => {
        await history.append(RUN, 'history', '', 0, steps(2));
        expect(counts(await history.append(RUN, 'history', '', 2, []))).toEqual({ stored: 0, lineCount: 2 });
      });

      it('keeps runs apart', async () => {
        await history.append(RUN, 'history', '', 0, steps(3));
        await history.append(OTHER, 'history', '', 0, steps(1, 10));
        expect((await scanAll(OTHER)).map((r) => r.step)).toEqual([10]);
        expect(await history.lineCount(OTHER, 'history')).toBe(1);
        expect(await history.lineCount(3 as RunId, 'history')).toBe(0);
      });

      it('stores NaN and ±Infinity lines and reads them back as IEEE values', async () => {
        const line = '{"_step": 0, "loss": NaN, "hi": Infinity, "lo": -Infinity, "label": "NaN"}';
        await history.append(RUN, 'history', '', 0, [line]);
        const [stored] = await scanAll();
        expect(stored!.line).toBe(line);
        const back = parseExtendedJson(stored!.line) as Record<string, unknown>;
        expect(back.loss).toBeNaN();
        expect(back.hi).toBe(Infinity);
        expect(back.lo).toBe(-Infinity);
        expect(back.label).toBe('NaN');
        expect((await history.keys(RUN)).keys.sort()).toEqual(['_step', 'hi', 'label', 'lo', 'loss']);
      });

      it('shared mode: rows without _step get server-assigned steps across writers', async () => {
        await history.append(RUN, 'history', 'writer-a', 0, ['{"a": 1}', '{"a": 2}']);
        // Another writer's offsets are its own: offset 0 again is new data, not a retry.
        expect(counts(await history.append(RUN, 'history', 'writer-b', 0, ['{"b": NaN}']))).toEqual({ stored: 1, lineCount: 3 });
        await history.append(RUN, 'history', 'writer-a', 2, ['{"a": 3}']);
        // A retried chunk keeps its first step instead of taking a new one.
        await history.append(RUN, 'history', 'writer-a', 0, ['{"a": 1}', '{"a": 2}']);
        const rows = await scanAll();
        expect(rows.map((r) => r.step)).toEqual([0, 1, 2, 3]);
        const parsed = rows.map((r) => parseExtendedJson(r.line) as Record<string, number>);
        expect(parsed.map((p) => p._step)).toEqual([0, 1, 2, 3]);
        expect(parsed[0]!.a).toBe(1);
        expect(parsed[2]!.b).toBeNaN();
        expect(rows[2]!.line).toContain('NaN');
        expect(parsed[3]!.a).toBe(3);
        expect(await history.keys(RUN)).toEqual({ lastStep: 3, keys: expect.arrayContaining(['a', 'b', '_step']) as string[] });
      });

      it('shared mode: concurrent writers never get the same step', async () => {
        await Promise.all(Array.from({ length: 8 }, (_, w) =>
          history.append(RUN, 'history', `w${w}`, 0, Array.from({ length: 5 }, (_, i) => JSON.stringify({ w, i })))));
        const rows = await scanAll();
        expect(rows).toHaveLength(40);
        expect(rows.map((r) => r.step)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      });

      it('shared mode: a writer\'s own _step is replaced by a server step', async () => {
        await history.append(RUN, 'history', 'writer-a', 0, ['{"_step": 0, "a": 1}', '{"_step": 1, "a": 2}']);
        await history.append(RUN, 'history', 'writer-b', 0, ['{"_step": 0, "b": 1}']);
        const rows = await scanAll();
        expect(rows.map((r) => r.step)).toEqual([0, 1, 2]);
        expect(rows.map((r) => (parseExtendedJson(r.line) as Record<string, number>)._step)).toEqual([0, 1, 2]);
      });

      it('rows with a _step continue the server step counter', async () => {
        await history.append(RUN, 'history', '', 0, [row(10)]);
        await history.append(RUN, 'history', 'shared', 0, ['{"x":1}']);
        expect((await scanAll()).map((r) => r.step)).toEqual([10, 11]);
      });

      it('a replay of stored steps at later offsets (wandb sync of a run the server has) stores only new steps', async () => {
        await history.append(RUN, 'history', '', 0, steps(5));
        // upsertBucket answered 5 lines, so the sync sends the whole run again from offset 5 (2 steps are new).
        expect(counts(await history.append(RUN, 'history', '', 5, steps(7)))).toEqual({ stored: 2, lineCount: 7 });
        expect(counts(await history.append(RUN, 'history', '', 12, steps(7)))).toEqual({ stored: 0, lineCount: 7 });
        const rows = await scanAll();
        expect(rows.map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 5, 6]);
        expect(rows.map((r) => r.line)).toEqual(steps(7));
        expect((await history.keys(RUN)).lastStep).toBe(6);
      });

      it('a step below the last one that the run does not have yet is stored', async () => {
        await history.append(RUN, 'history', '', 0, [row(5)]);
        expect(counts(await history.append(RUN, 'history', '', 1, [row(1), row(5, { again: 1 })]))).toEqual({ stored: 1, lineCount: 2 });
        expect((await scanAll()).map((r) => r.line)).toEqual([row(1), row(5)]);
      });

      it('events lines have no step and keep storage order; they do not touch history keys', async () => {
        await history.append(RUN, 'events', '', 0, ['{"system.cpu": 5}', '{"system.cpu": NaN}']);
        const rows = await scanAll(RUN, 'events');
        expect(rows.map((r) => r.step)).toEqual([null, null]);
        expect(rows.map((r) => r.line)).toEqual(['{"system.cpu": 5}', '{"system.cpu": NaN}']);
        expect(await history.lineCount(RUN, 'events')).toBe(2);
        expect(await history.lineCount(RUN, 'history')).toBe(0);
        expect(await history.keys(RUN)).toEqual({ lastStep: null, keys: [] });
      });
    });

    describe('reads', () => {
      it('scan filters by step range, sequence and limit', async () => {
        await history.append(RUN, 'history', '', 0, steps(10));
        expect((await history.scan(RUN, 'history', { minStep: 3, maxStep: 6, limit: 100 })).map((r) => r.step)).toEqual([3, 4, 5]);
        expect((await history.scan(RUN, 'history', { limit: 4 })).map((r) => r.step)).toEqual([0, 1, 2, 3]);
        const page = await history.scan(RUN, 'history', { limit: 3 });
        const next = await history.scan(RUN, 'history', { afterSeq: page.at(-1)!.seq, limit: 3 });
        expect(next.map((r) => r.step)).toEqual([3, 4, 5]);
      });

      it('scan orders history by step even when steps arrive out of order', async () => {
        await history.append(RUN, 'history', '', 0, [row(5), row(1), row(3)]);
        expect((await scanAll()).map((r) => r.step)).toEqual([1, 3, 5]);
      });

      it('tail returns the last n lines in storage order', async () => {
        await history.append(RUN, 'history', '', 0, steps(5));
        expect(await history.tail(RUN, 'history', 2)).toEqual(steps(2, 3));
        expect(await history.tail(RUN, 'history', 50)).toEqual(steps(5));
        expect(await history.tail(OTHER, 'history', 5)).toEqual([]);
      });

      it('keys reports the last step and every key logged', async () => {
        expect(await history.keys(RUN)).toEqual({ lastStep: null, keys: [] });
        await history.append(RUN, 'history', '', 0, [row(0, { loss: 1 }), row(7, { acc: 0.5 }), row(3, { 'a/b': 2 })]);
        const k = await history.keys(RUN);
        expect(k.lastStep).toBe(7);
        expect([...k.keys].sort()).toEqual(['_step', 'a/b', 'acc', 'loss']);
      });
    });

    describe('truncateAfterStep (rewind)', () => {
      it('drops later rows and continues numbering from the kept ones', async () => {
        await history.append(RUN, 'history', '', 0, steps(5));
        expect(await history.truncateAfterStep(RUN, 2)).toBe(3);
        expect((await scanAll()).map((r) => r.step)).toEqual([0, 1, 2]);
        expect((await history.keys(RUN)).lastStep).toBe(2);
        expect(await history.lineCount(RUN, 'history')).toBe(3);
        await history.append(RUN, 'history', 'shared', 0, ['{"x": 1}']);
        expect((await scanAll()).map((r) => r.step)).toEqual([0, 1, 2, 3]);
      });

      it('truncating before the first step empties the history', async () => {
        await history.append(RUN, 'history', '', 0, steps(3));
        expect(await history.truncateAfterStep(RUN, -1)).toBe(0);
        expect(await scanAll()).toEqual([]);
        expect((await history.keys(RUN)).lastStep).toBeNull();
      });

      it('leaves other runs and the events stream alone', async () => {
        await history.append(RUN, 'history', '', 0, steps(3));
        await history.append(RUN, 'events', '', 0, ['{"e":1}']);
        await history.append(OTHER, 'history', '', 0, steps(3));
        await history.truncateAfterStep(RUN, 0);
        expect(await scanAll(OTHER)).toHaveLength(3);
        expect(await scanAll(RUN, 'events')).toHaveLength(1);
      });
    });

    describe('console', () => {
      it('upserts lines by index: a re-sent index replaces its text in place', async () => {
        await history.upsertConsole(RUN, '', 0, [info('a'), info('b'), info('progress 10%')]);
        await history.upsertConsole(RUN, '', 2, [info('progress 100%'), { level: 'error', label: null, ts: '2025-01-01T00:00:00Z', text: 'err' }]);
        const lines = await history.readConsole(RUN, { limit: 100 });
        expect(lines.map((l) => l.text)).toEqual(['a', 'b', 'progress 100%', 'err']);
        expect(lines.map((l) => l.lineNo)).toEqual([0, 1, 2, 3]);
        expect(lines[3]).toMatchObject({ level: 'error', ts: '2025-01-01T00:00:00Z' });
        expect(new Set(lines.map((l) => l.index)).size).toBe(4);
        expect(await history.consoleLineCount(RUN)).toBe(4);
      });

      it('re-sending the same lines changes nothing', async () => {
        await history.upsertConsole(RUN, '', 0, [info('a'), info('b')]);
        const before = await history.readConsole(RUN, { limit: 100 });
        await history.upsertConsole(RUN, '', 0, [info('a'), info('b')]);
        expect(await history.readConsole(RUN, { limit: 100 })).toEqual(before);
        expect(await history.consoleLineCount(RUN)).toBe(2);
      });

      it('keeps writers apart and pages from the start or the end', async () => {
        await history.upsertConsole(RUN, 'w1', 0, [{ ...info('one'), label: 'w1' }]);
        await history.upsertConsole(RUN, 'w2', 0, [{ ...info('two'), label: 'w2' }]);
        await history.upsertConsole(RUN, 'w1', 1, [{ ...info('three'), label: 'w1' }]);
        const all = await history.readConsole(RUN, { limit: 100 });
        expect(all.map((l) => [l.writer, l.lineNo, l.text])).toEqual([['w1', 0, 'one'], ['w2', 0, 'two'], ['w1', 1, 'three']]);
        expect((await history.readConsole(RUN, { limit: 2, fromEnd: true })).map((l) => l.text)).toEqual(['two', 'three']);
        expect((await history.readConsole(RUN, { afterIndex: all[0]!.index, limit: 1 })).map((l) => l.text)).toEqual(['two']);
        expect(await history.readConsole(OTHER, { limit: 10 })).toEqual([]);
      });
    });

    it('deleteRun removes history, events and console of that run only', async () => {
      await history.append(RUN, 'history', '', 0, steps(2));
      await history.append(RUN, 'events', '', 0, ['{"e":1}']);
      await history.upsertConsole(RUN, '', 0, [info('x')]);
      await history.append(OTHER, 'history', '', 0, steps(1));
      await history.deleteRun(RUN);
      expect(await scanAll()).toEqual([]);
      expect(await history.lineCount(RUN, 'history')).toBe(0);
      expect(await history.readConsole(RUN, { limit: 10 })).toEqual([]);
      expect(await history.consoleLineCount(RUN)).toBe(0);
      expect(await history.keys(RUN)).toEqual({ lastStep: null, keys: [] });
      expect(await scanAll(OTHER)).toHaveLength(1);
      // The run can be written again from scratch.
      expect(counts(await history.append(RUN, 'history', '', 0, steps(1)))).toEqual({ stored: 1, lineCount: 1 });
    });
  });
}
