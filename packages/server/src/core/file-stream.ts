import {
  EVENTS_FILE, HISTORY_FILE, OUTPUT_FILE, SUMMARY_FILE, parseExtendedJson, type FileStreamRequest, type RunId,
} from '@cairn/shared';
import type { Viewer } from './auth.js';
import { parseConsoleLine } from './console-lines.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import { assertJsonDepth } from './json-depth.js';
import type { LivePublisher } from './live-updates.js';
import type { HistoryStore, MetaStore, Run, RunPatch, RunState } from './ports.js';

/**
 * Told when a run ended (finished, failed, crashed) with the alert key stored with that change (state-alert-key.ts);
 * must not throw (a failure leaves the alert owed, paid by the crash monitor's next sweep).
 */
export type RunEndListener = (run: Run, alertKey: string) => Promise<void>;
import { mergeJsonObjects, type RunService } from './runs.js';
import { stateAlertKey } from './state-alert-key.js';

/** Longest single line accepted: the SDK drops lines over 10 MiB - 100 KiB itself (protocol §4.2). */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;

/**
 * Largest line index a file may reach (offset + lines). Line counts are GraphQL `Int!` (historyLineCount,
 * logLineCount, which the SDK reads to resume), so a count past 2^31 - 1 would make every later read of the
 * run fail. No real run gets near it.
 */
export const MAX_LINE_INDEX = 2 ** 31 - 1;

/** End states that a writer declared with `complete` (as opposed to ones the server inferred from silence). */
const ENDED_BY_WRITER: ReadonlySet<RunState> = new Set<RunState>(['finished', 'failed', 'killed']);

export interface FileStreamTarget { entity: string; project: string; run: string }

/**
 * Ingests one file_stream request. Everything is checked before anything is stored, and every write is
 * idempotent by offset, so the SDK's retries of an unacknowledged request never duplicate or lose a row.
 */
export class FileStreamService {
  private endListener: RunEndListener | null = null;

  onRunEnded(listener: RunEndListener): void {
    this.endListener = listener;
  }

  private live: LivePublisher | null = null;
  /** Newly stored history rows and their user values since the process started (Prometheus counters read it). */
  readonly ingested = { historyRows: 0, historyValues: 0 };
  /** Live pages hear of new points, console lines and run changes (see live-updates.ts). */
  useLive(live: LivePublisher): void {
    this.live = live;
  }

  constructor(
    private readonly meta: MetaStore,
    private readonly history: HistoryStore,
    private readonly runs: RunService,
    /** Records files the client reports as uploaded (their bytes may have gone straight to the object store). */
    private readonly recordUploaded: (runId: RunId, names: string[]) => Promise<void> = (runId, names) => this.meta.markRunFilesUploaded(runId, names),
  ) {}

  async ingest(viewer: Viewer, target: FileStreamTarget, body: FileStreamRequest, writer: string): Promise<{ stopped: boolean }> {
    const found = await this.runs.find(viewer, target.entity, target.project, target.run, 'write');
    if (!found) throw new DomainError(ErrorCodes.RUN_NOT_FOUND, `run ${target.entity}/${target.project}/${target.run} not found`);
    const { run } = found;
    const files = body.files ?? {};
    const history = files[HISTORY_FILE];
    const events = files[EVENTS_FILE];
    const summary = files[SUMMARY_FILE];
    const output = files[OUTPUT_FILE];

    // Validate first: a bad line rejects the whole request and nothing is written.
    for (const [name, chunk] of Object.entries(files)) {
      if (chunk.offset + chunk.content.length > MAX_LINE_INDEX) {
        throw invalidInput(`offset ${chunk.offset} of ${name} is past the largest line index (${MAX_LINE_INDEX})`);
      }
      const isJson = name === HISTORY_FILE || name === EVENTS_FILE || name === SUMMARY_FILE;
      for (const [i, line] of chunk.content.entries()) {
        if (line.length * 3 > MAX_LINE_BYTES && Buffer.byteLength(line, 'utf8') > MAX_LINE_BYTES) {
          throw new DomainError(ErrorCodes.PAYLOAD_TOO_LARGE, `a line of ${name} is over the ${MAX_LINE_BYTES}-byte limit`);
        }
        if (isJson) assertJsonDepth(line, `line ${chunk.offset + i} of ${name}`);
      }
    }
    // History lines are checked by the store as it parses them (once), before it writes anything; it is
    // the first write, so a bad line anywhere leaves nothing behind.
    for (const chunk of [events, summary]) {
      chunk?.content.forEach((line, i) => assertJsonObjectLine(line, chunk.offset + i));
    }

    // Published only for lines newly stored: a retried chunk tells no one anything new.
    if (history) {
      const appended = await this.history.append(run.id, 'history', writer, history.offset, history.content);
      this.ingested.historyRows += appended.stored;
      this.ingested.historyValues += appended.values ?? 0;
      this.live?.historyAppended(run, appended);
    }
    if (events) {
      const { stored } = await this.history.append(run.id, 'events', writer, events.offset, events.content);
      if (stored > 0) this.live?.systemAppended(run);
    }
    if (output) {
      const parsed = output.content.map((l) => parseConsoleLine(l, writer !== ''));
      await this.history.upsertConsole(run.id, writer, output.offset, parsed);
      this.live?.consoleAppended(run, output.offset, output.content.length);
    }
    if (body.uploaded?.length) await this.recordUploaded(run.id, body.uploaded);

    const patch: RunPatch = { heartbeatAt: new Date() };
    const lastSummary = summary?.content.at(-1);
    if (lastSummary !== undefined) {
      // The whole summary is re-sent each time: the last line wins. Shared-mode writers each send theirs.
      patch.summary = writer === '' ? lastSummary : mergeJsonObjects(run.summary, lastSummary);
    }
    const lastEvent = events?.content.at(-1);
    if (lastEvent !== undefined) patch.systemMetrics = writer === '' ? lastEvent : mergeJsonObjects(run.systemMetrics, lastEvent);
    if (body.complete) {
      const exitCode = body.exitcode ?? 0;
      // A run that exits with an error after stopRun was killed from outside (the SDK raises KeyboardInterrupt).
      patch.state = exitCode === 0 ? 'finished' : run.stopRequested ? 'killed' : 'failed';
      patch.exitCode = exitCode;
      // The stop request is spent: a later resume of this run must not be stopped at once.
      if (run.stopRequested) patch.stopRequested = false;
    } else if (body.preempting) {
      patch.state = 'preempting';
    } else if (run.state !== 'running' && run.state !== 'preempting' && !(writer !== '' && ENDED_BY_WRITER.has(run.state))) {
      // Any request revives a run (a crashed run whose network came back, a resumed run). In shared mode
      // only the primary's `complete` decides how the run ended: other writers' later data leave it be.
      patch.state = 'running';
    }
    // The alert an ending owes is written with the ending itself, so it survives this process dying right after.
    const ended = patch.state !== undefined && patch.state !== run.state && (patch.state === 'finished' || patch.state === 'failed')
      ? stateAlertKey(patch.state, new Date()) : null;
    if (ended) patch.stateAlertPending = ended;
    const updated = await this.meta.updateRun(run.id, patch);
    if (patch.summary !== undefined || (patch.state !== undefined && patch.state !== run.state)) this.live?.runChanged(updated);
    if (ended) await this.endListener?.(updated, ended);
    return { stopped: updated.stopRequested };
  }
}

function assertJsonObjectLine(line: string, index: number): void {
  let value: unknown;
  try {
    value = parseExtendedJson(line);
  } catch {
    throw invalidInput(`line ${index} is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidInput(`line ${index} must be a JSON object`);
  }
}
