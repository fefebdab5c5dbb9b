import {
  parseExtendedJson, stringifyExtendedJson, type RunId, type StepBucketPlan, type Summary,
} from '@cairn/shared';
import type { Transaction } from 'kysely';
import type { AppendResult, ConsoleLine, HistoryRow, HistoryStore, LineStream } from '../core/ports.js';
import { invalidInput } from '../core/errors.js';
import type { Database } from './schema.js';
import { SeriesIndex } from './series-index.js';
import type { SqlDatabase } from './sql-database.js';

type IndexedRow = { seq: number; step: number; row: Record<string, unknown> };
interface PendingAppend {
  run: RunId; stream: LineStream; writer: string; offset: number; lines: string[]; parsed: Record<string, unknown>[];
  resolve(r: AppendResult): void; reject(e: unknown): void;
}

/** A history/events line must be a JSON object (extended JSON: NaN and ±Infinity allowed). */
function parseObjectLine(line: string, index: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseExtendedJson(line);
  } catch {
    throw invalidInput(`line ${index} is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidInput(`line ${index} must be a JSON object`);
  return value as Record<string, unknown>;
}

interface StreamState { next_seq: number; next_step: number; last_step: number | null }

/**
 * Row-per-line history on SQLite or PostgreSQL. Idempotent by (run, stream, writer, line index): the SDK
 * re-sends a chunk with the same offset until it is acknowledged, so a stored index is never written twice.
 */
export class SqlHistoryStore implements HistoryStore {
  private readonly db;
  private readonly series: SeriesIndex;
  private readonly pending: PendingAppend[] = [];
  private draining = false;
  private flushTimer: NodeJS.Timeout | null = null;

  /** `flushIntervalMs`: how often new points are written to the columnar index (0 = only when asked). */
  constructor(private readonly sqlDb: SqlDatabase, opts: { flushIntervalMs?: number } = {}) {
    this.db = sqlDb.db;
    this.series = new SeriesIndex(sqlDb);
    const interval = opts.flushIntervalMs ?? 0;
    if (interval > 0) {
      this.flushTimer = setInterval(() => {
        this.series.flush().catch(() => undefined); // retried next tick; raw rows are durable regardless
      }, interval);
      this.flushTimer.unref();
    }
  }

  /** Locks the per-run stream state row (PostgreSQL) so concurrent writers get distinct seq/step numbers. */
  private async lockState(tx: Transaction<Database>, run: RunId, stream: string): Promise<StreamState> {
    await tx.insertInto('history_state')
      .values({ run_id: run, stream, next_seq: 0, next_step: 0, last_step: null, keys: '[]' })
      .onConflict((oc) => oc.columns(['run_id', 'stream']).doNothing()).execute();
    let q = tx.selectFrom('history_state').select(['next_seq', 'next_step', 'last_step'])
      .where('run_id', '=', run).where('stream', '=', stream);
    if (this.sqlDb.dialect === 'postgres') q = q.forUpdate();
    return q.executeTakeFirstOrThrow();
  }

  /**
   * Appends are group-committed: requests that arrive while a transaction is running are written together
   * in the next one, so many concurrent runs share each durable commit (fsync) instead of paying one each.
   * Every line is parsed once, here, and the whole request is rejected before anything is written if one
   * line is not a JSON object.
   */
  append(run: RunId, stream: LineStream, writer: string, offset: number, lines: string[]): Promise<AppendResult> {
    let parsed: Record<string, unknown>[];
    try {
      parsed = lines.map((line, i) => parseObjectLine(line, offset + i));
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ run, stream, writer, offset, lines, parsed, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      // Lock order by run: concurrent processes batching the same runs cannot deadlock (PostgreSQL).
      const batch = this.pending.splice(0).sort((x, y) => x.run - y.run || (x.stream < y.stream ? -1 : 1));
      const results: { result: AppendResult; indexed: IndexedRow[] }[] = [];
      try {
        await this.db.transaction().execute(async (tx) => {
          results.length = 0; // a retried transaction starts over
          for (const item of batch) results.push(await this.appendInTx(tx, item));
        });
      } catch (e) {
        for (const item of batch) item.reject(e);
        continue;
      }
      // Only committed rows reach the index; a crash before its flush is repaired by replaying raw rows.
      batch.forEach((item, i) => {
        const { result, indexed } = results[i]!;
        if (indexed.length > 0) this.series.ingest(item.run, indexed);
        item.resolve(result);
      });
      // Flush in the background, one run per transaction, so appends keep interleaving with it.
      if (this.series.shouldFlush()) void this.series.flush().catch(() => undefined);
    }
    this.draining = false;
  }

  private async appendInTx(tx: Transaction<Database>, item: PendingAppend): Promise<{ result: AppendResult; indexed: IndexedRow[] }> {
    const { run, stream, writer, offset, lines, parsed } = item;
    const indexed: IndexedRow[] = [];
    if (lines.length === 0) {
      const r = await tx.selectFrom('history_state').select('next_seq').where('run_id', '=', run).where('stream', '=', stream)
        .executeTakeFirst();
      return { result: { stored: 0, lineCount: r?.next_seq ?? 0 }, indexed };
    }
    const state = await this.lockState(tx, run, stream);
    const existing = await tx.selectFrom('history_lines').select('line_no').where('run_id', '=', run)
      .where('stream', '=', stream).where('writer', '=', writer)
      .where('line_no', '>=', offset).where('line_no', '<', offset + lines.length).execute();
    const have = new Set(existing.map((r) => r.line_no));
    let { next_seq: seq, next_step: nextStep, last_step: lastStep } = state;
    const replayed = await this.storedSteps(tx, item, have, lastStep);
    const rows: Database['history_lines'][] = [];
    lines.forEach((raw, i) => {
      const lineNo = offset + i;
      if (have.has(lineNo)) return;
      if (replayed.has(parsed[i]!._step as number)) return;
      let data = raw;
      let step: number | null = null;
      if (stream === 'history') {
        let row = parsed[i]!;
        if (writer === '' && typeof row._step === 'number' && Number.isInteger(row._step)) {
          step = row._step;
        } else {
          // Shared-mode writers (writer != '') send no _step (SDK <= 0.28) or their own per-process
          // counter (0.31): either way the server assigns the next step, so writers never collide (§4.4).
          step = nextStep;
          row = { ...row, _step: step };
          data = stringifyExtendedJson(row);
        }
        nextStep = Math.max(nextStep, step + 1);
        lastStep = lastStep === null ? step : Math.max(lastStep, step);
        indexed.push({ seq, step, row });
      }
      rows.push({ run_id: run, stream, writer, line_no: lineNo, seq: seq++, step, data });
    });
    if (rows.length > 0) {
      for (let i = 0; i < rows.length; i += 200) {
        await tx.insertInto('history_lines').values(rows.slice(i, i + 200)).execute();
      }
      await tx.updateTable('history_state').set({ next_seq: seq, next_step: nextStep, last_step: lastStep })
        .where('run_id', '=', run).where('stream', '=', stream).execute();
    }
    return { result: { stored: rows.length, lineCount: seq, ...historySummary(indexed) }, indexed };
  }

  /**
   * The steps among a request's new history lines that the run already has. A single writer (no shared mode)
   * sends one line per step, so a step that is already stored is a replay: `wandb sync` of a run the server
   * already has (wholly, or the part uploaded before its network dropped) re-sends every row from step 0 at
   * offsets after the stored lines (upsertBucket answers the history line count). Those lines are not stored
   * again. Only looked up when a line's step is not past the last one, so ordinary appends cost nothing.
   */
  private async storedSteps(tx: Transaction<Database>, item: PendingAppend, have: Set<number>, lastStep: number | null): Promise<Set<number>> {
    if (item.stream !== 'history' || item.writer !== '' || lastStep === null) return new Set();
    const candidates = item.parsed.flatMap((row, i) => (!have.has(item.offset + i) && Number.isInteger(row._step)
      && (row._step as number) <= lastStep ? [row._step as number] : []));
    if (candidates.length === 0) return new Set();
    const stored = await tx.selectFrom('history_lines').select('step').where('run_id', '=', item.run)
      .where('stream', '=', 'history').where('writer', '=', '')
      .where('step', '>=', candidates.reduce((a, b) => Math.min(a, b)))
      .where('step', '<=', candidates.reduce((a, b) => Math.max(a, b))).execute();
    return new Set(stored.map((r) => r.step as number));
  }

  async lineCount(run: RunId, stream: LineStream) {
    const r = await this.db.selectFrom('history_state').select('next_seq').where('run_id', '=', run)
      .where('stream', '=', stream).executeTakeFirst();
    return r?.next_seq ?? 0;
  }

  async tail(run: RunId, stream: LineStream, n: number) {
    const rows = await this.db.selectFrom('history_lines').select('data').where('run_id', '=', run)
      .where('stream', '=', stream).orderBy('seq', 'desc').limit(n).execute();
    return rows.map((r) => r.data).reverse();
  }

  async scan(run: RunId, stream: LineStream, range: { minStep?: number; maxStep?: number; afterSeq?: number; limit: number }): Promise<HistoryRow[]> {
    let q = this.db.selectFrom('history_lines').select(['seq', 'step', 'data']).where('run_id', '=', run)
      .where('stream', '=', stream);
    if (range.minStep !== undefined) q = q.where('step', '>=', range.minStep);
    if (range.maxStep !== undefined) q = q.where('step', '<', range.maxStep);
    if (range.afterSeq !== undefined) q = q.where('seq', '>', range.afterSeq);
    q = stream === 'history' ? q.orderBy('step').orderBy('seq') : q.orderBy('seq');
    const rows = await q.limit(range.limit).execute();
    return rows.map((r) => ({ seq: r.seq, step: r.step, line: r.data }));
  }

  async keys(run: RunId, opts: { search?: string; after?: string; limit?: number } = {}) {
    const state = await this.db.selectFrom('history_state').select('last_step').where('run_id', '=', run)
      .where('stream', '=', 'history').executeTakeFirst();
    const keys = await this.series.listKeys(run, { ...opts, limit: opts.limit ?? 10_000 });
    return { lastStep: state?.last_step ?? null, keys: keys.map((k) => k.key) };
  }

  /** Bucketed summaries of one metric for one run (see SeriesIndex.buckets). */
  buckets(run: RunId, key: string, plan: StepBucketPlan): Promise<Summary[]> {
    return this.series.buckets(run, key, plan);
  }

  bucketsMany(runs: RunId[], key: string, plan: StepBucketPlan) {
    return this.series.bucketsMany(runs, key, plan);
  }

  stepRange(runs: RunId[], key: string) {
    return this.series.stepRange(runs, key);
  }

  async truncateAfterStep(run: RunId, step: number) {
    const remaining = await this.db.transaction().execute(async (tx) => {
      await this.lockState(tx, run, 'history');
      await tx.deleteFrom('history_lines').where('run_id', '=', run).where('stream', '=', 'history')
        .where('step', '>', step).execute();
      const agg = await tx.selectFrom('history_lines')
        .select((eb) => [eb.fn.max('seq').as('maxSeq'), eb.fn.max('step').as('maxStep')])
        .where('run_id', '=', run).where('stream', '=', 'history').executeTakeFirst();
      const maxSeq = agg?.maxSeq === null || agg?.maxSeq === undefined ? -1 : Number(agg.maxSeq);
      const maxStep = agg?.maxStep === null || agg?.maxStep === undefined ? null : Number(agg.maxStep);
      await tx.updateTable('history_state')
        .set({ next_seq: maxSeq + 1, last_step: maxStep, next_step: maxStep === null ? 0 : maxStep + 1 })
        .where('run_id', '=', run).where('stream', '=', 'history').execute();
      return maxSeq + 1;
    });
    await this.series.reset(run);
    return remaining;
  }

  async upsertConsole(run: RunId, writer: string, offset: number, lines: Omit<ConsoleLine, 'writer' | 'lineNo'>[]) {
    if (lines.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      const state = await this.lockState(tx, run, 'console');
      let seq = state.next_seq;
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i]!;
        const values = { run_id: run, writer, line_no: offset + i, seq, level: l.level, label: l.label, ts: l.ts, text: l.text };
        const r = await tx.insertInto('console_lines').values(values)
          .onConflict((oc) => oc.columns(['run_id', 'writer', 'line_no'])
            .doUpdateSet({ level: l.level, label: l.label, ts: l.ts, text: l.text }))
          .returning('seq').executeTakeFirstOrThrow();
        if (r.seq === seq) seq++;
      }
      const maxLine = offset + lines.length;
      await tx.updateTable('history_state')
        .set((eb) => ({ next_seq: seq, next_step: eb.case().when('next_step', '<', maxLine).then(maxLine).else(eb.ref('next_step')).end() }))
        .where('run_id', '=', run).where('stream', '=', 'console').execute();
    });
  }

  /** The next console line index (logLineCount): where a resumed run continues writing. */
  async consoleLineCount(run: RunId) {
    const r = await this.db.selectFrom('history_state').select('next_step').where('run_id', '=', run)
      .where('stream', '=', 'console').executeTakeFirst();
    return r?.next_step ?? 0;
  }

  async readConsole(run: RunId, range: { afterIndex?: number; limit: number; fromEnd?: boolean }) {
    let q = this.db.selectFrom('console_lines').selectAll().where('run_id', '=', run);
    if (range.afterIndex !== undefined) q = q.where('seq', '>', range.afterIndex);
    const rows = await q.orderBy('seq', range.fromEnd ? 'desc' : 'asc').limit(range.limit).execute();
    if (range.fromEnd) rows.reverse();
    return rows.map((r) => ({
      index: r.seq, writer: r.writer, lineNo: r.line_no, level: r.level as 'info' | 'error', label: r.label, ts: r.ts, text: r.text,
    }));
  }

  async deleteRun(run: RunId) {
    await this.series.reset(run);
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('history_lines').where('run_id', '=', run).execute();
      await tx.deleteFrom('console_lines').where('run_id', '=', run).execute();
      await tx.deleteFrom('history_state').where('run_id', '=', run).execute();
    });
  }

  /** Writes pending points to the columnar index (also on a timer, and at close). */
  flush(): Promise<void> {
    return this.series.flush();
  }

  async close() {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    await this.series.flush();
  }
}

/** What the ingest path tells others about newly stored history rows, from the rows already parsed here. */
function historySummary(indexed: IndexedRow[]): Pick<AppendResult, 'steps' | 'lastKeys' | 'values'> {
  if (indexed.length === 0) return {};
  let from = Infinity, to = -Infinity, values = 0;
  for (const { step, row } of indexed) {
    from = Math.min(from, step);
    to = Math.max(to, step);
    for (const k in row) if (!k.startsWith('_')) values++;
  }
  return { steps: { from, to }, lastKeys: Object.keys(indexed[indexed.length - 1]!.row).filter((k) => !k.startsWith('_')), values };
}
