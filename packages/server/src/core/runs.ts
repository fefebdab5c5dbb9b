import { randomBytes } from 'node:crypto';
import { decodeGqlId, parseExtendedJson, type RunId } from '@cairn/shared';
import type { AccessMode, AccessPolicy } from './access.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import { assertJsonDepth } from './json-depth.js';
import type { LivePublisher } from './live-updates.js';
import { generateRunDisplayName } from './names.js';
import { parseFieldRef, parseRunFilter, parseRunOrder } from './run-filter.js';
import type { Entity, HistoryStore, MetaStore, Project, Run, RunGroupCount, RunPatch, RunState } from './ports.js';

export interface UpsertRunInput {
  id?: string | null;
  name?: string | null;
  project?: string | null;
  entity?: string | null;
  groupName?: string | null;
  description?: string | null;
  displayName?: string | null;
  notes?: string | null;
  commit?: string | null;
  config?: string | null;
  host?: string | null;
  program?: string | null;
  repo?: string | null;
  jobType?: string | null;
  state?: string | null;
  sweep?: string | null;
  tags?: string[] | null;
  summaryMetrics?: string | null;
}

/** A run together with where it lives: what every GraphQL run answer needs. */
export interface RunInProject { run: Run; project: Project; entity: Entity }

const RUN_STATES: readonly RunState[] = ['running', 'finished', 'failed', 'crashed', 'killed', 'preempting', 'preempted', 'pending'];
/**
 * Run ids: printable ASCII without spaces, up to 128. Left out: the SDK's reserved characters :;,#?/'
 * (wandb_settings.validate_run_id), and backslash, %, double quote, < > and backtick, which would need
 * escaping in URLs or pages.
 */
const RUN_NAME = /^[^\s:;,#?/'\\%"<>`\x00-\x1f\x7f-\uffff]{1,128}$/;
const PROJECT_NAME = /^[^/\\#?%:\0]{1,128}$/;
export const DEFAULT_PROJECT = 'uncategorized';

/** Parses a JSONString argument that must hold a JSON object; a clear 4xx otherwise. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  assertJsonDepth(text, what);
  let value: unknown;
  try {
    value = parseExtendedJson(text);
  } catch {
    throw invalidInput(`${what} is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidInput(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** `_wandb.value` of a wrapped config: where the SDK keeps telemetry (`t`), metrics (`m`) and more. */
export function wandbConfig(config: string, keys: string[] | null | undefined): Record<string, unknown> {
  let parsed: Record<string, unknown>;
  try {
    parsed = parseJsonObject(config, 'config');
  } catch {
    return {};
  }
  const wandb = (parsed._wandb as { value?: unknown } | undefined)?.value;
  if (!wandb || typeof wandb !== 'object') return {};
  const all = wandb as Record<string, unknown>;
  if (!keys || keys.length === 0) return all;
  return Object.fromEntries(keys.filter((k) => k in all).map((k) => [k, all[k]]));
}

export class RunService {
  constructor(
    private readonly meta: MetaStore,
    private readonly history: HistoryStore,
    private readonly access: AccessPolicy,
  ) {}

  private live: LivePublisher | null = null;
  /** Live pages hear of new runs and run changes (see live-updates.ts). */
  useLive(live: LivePublisher): void {
    this.live = live;
  }

  /** UpsertBucket: create or update a run (protocol §3.2). Null inputs leave fields unchanged. */
  async upsert(viewer: Viewer, input: UpsertRunInput, opts: { sharedMode?: boolean } = {}): Promise<RunInProject & { inserted: boolean }> {
    const patch = this.patchFrom(input);
    const result = await this.upsertPatch(viewer, input, patch, opts);
    if (result.inserted) this.live?.runChanged(result.run, { created: true });
    else if (Object.keys(patch).length > 0) this.live?.runChanged(result.run);
    return result;
  }

  private async upsertPatch(viewer: Viewer, input: UpsertRunInput, patch: RunPatch, opts: { sharedMode?: boolean }): Promise<RunInProject & { inserted: boolean }> {
    if (input.id) {
      const found = await this.byStorageId(viewer, input.id, 'write');
      if (patch.config !== undefined && opts.sharedMode) patch.config = mergeJsonObjects(found.run.config, patch.config);
      const run = Object.keys(patch).length > 0 ? await this.meta.updateRun(found.run.id, patch) : found.run;
      return { ...found, run, inserted: false };
    }
    const projectName = input.project || DEFAULT_PROJECT;
    const slot = await this.access.projectSlotForWrite(viewer, input.entity, projectName);
    const entity = slot.entity;
    if (!PROJECT_NAME.test(projectName)) throw invalidInput(`invalid project name ${JSON.stringify(projectName)}`);
    const name = input.name || randomBytes(4).toString('hex');
    if (!RUN_NAME.test(name)) throw invalidInput(`invalid run id ${JSON.stringify(name)}: use up to 128 printable ASCII characters, no spaces, none of :;,#?/'\\%"<>\``);
    const project = slot.project ?? (await this.meta.ensureProject(entity.id, projectName));
    const { run, inserted } = await this.meta.insertRun(
      { ...patch, projectId: project.id, name, userId: viewer.user.id },
      generateRunDisplayName,
    );
    if (inserted) return { run, project, entity, inserted };
    if (patch.config !== undefined && opts.sharedMode) patch.config = mergeJsonObjects(run.config, patch.config);
    const updated = Object.keys(patch).length > 0 ? await this.meta.updateRun(run.id, patch) : run;
    return { run: updated, project, entity, inserted: false };
  }

  private patchFrom(input: UpsertRunInput): RunPatch {
    const patch: RunPatch = {};
    const set = <K extends keyof RunPatch>(key: K, value: RunPatch[K] | null | undefined) => {
      if (value !== null && value !== undefined) patch[key] = value;
    };
    if (input.config != null) {
      parseJsonObject(input.config, 'config');
      patch.config = input.config;
    }
    if (input.summaryMetrics != null) {
      parseJsonObject(input.summaryMetrics, 'summaryMetrics');
      patch.summary = input.summaryMetrics;
    }
    if (input.state != null) {
      if (!RUN_STATES.includes(input.state as RunState)) throw invalidInput(`unknown run state ${JSON.stringify(input.state)}`);
      patch.state = input.state as RunState;
    }
    set('displayName', input.displayName);
    set('description', input.description);
    set('notes', input.notes);
    set('groupName', input.groupName);
    set('jobType', input.jobType);
    set('host', input.host);
    set('program', input.program);
    set('commit', input.commit);
    set('repo', input.repo);
    set('sweepName', input.sweep);
    set('tags', input.tags);
    return patch;
  }

  /**
   * A run by its GraphQL storage id, or RUN_NOT_FOUND (also when the viewer may not see it); FORBIDDEN when
   * `mode` is 'write' and the viewer may only read it.
   */
  async byStorageId(viewer: Viewer, storageId: string, mode: AccessMode = 'read'): Promise<RunInProject> {
    const decoded = decodeGqlId(storageId, 'Run');
    const run = decoded ? await this.meta.findRunById(decoded.id as RunId) : null;
    const notFound = () => new DomainError(ErrorCodes.RUN_NOT_FOUND, `run ${storageId} not found`);
    const project = run ? await this.meta.findProjectById(run.projectId) : null;
    const entity = project ? await this.meta.findEntityById(project.entityId) : null;
    if (!run || !project || !entity) throw notFound();
    await this.access.requireProject(viewer, entity, project, mode, notFound);
    return { run, project, entity };
  }

  /** A run by entity/project/name, or null when it does not exist or is not visible (FORBIDDEN for a read-only writer). */
  async find(viewer: Viewer, entityName: string | null | undefined, projectName: string | null | undefined, name: string,
    mode: AccessMode = 'read'): Promise<RunInProject | null> {
    let found: { entity: Entity; project: Project };
    try {
      // Visibility first: a read-only caller is refused writing before the run is looked up.
      found = await this.access.project(viewer, entityName, projectName || DEFAULT_PROJECT, mode);
    } catch (e) {
      if (e instanceof DomainError && (e.code === ErrorCodes.ENTITY_NOT_FOUND || e.code === ErrorCodes.PROJECT_NOT_FOUND)) return null;
      throw e;
    }
    const { entity, project } = found;
    const run = await this.meta.findRun(project.id, name);
    return run ? { run, project, entity } : null;
  }

  async get(viewer: Viewer, entityName: string | null | undefined, projectName: string | null | undefined, name: string,
    mode: AccessMode = 'read'): Promise<RunInProject> {
    const found = await this.find(viewer, entityName, projectName, name, mode);
    if (!found) throw new DomainError(ErrorCodes.RUN_NOT_FOUND, `run ${entityName ?? ''}/${projectName ?? ''}/${name} not found`);
    return found;
  }

  /** `stopRun`: the next file_stream answer tells the SDK to stop (protocol §4.5). */
  async requestStop(viewer: Viewer, storageId: string): Promise<void> {
    const { run } = await this.byStorageId(viewer, storageId, 'write');
    await this.meta.updateRun(run.id, { stopRequested: true });
  }

  /** `resume_from`: drop history after the given step; the SDK continues writing from there. */
  async rewind(viewer: Viewer, input: { entity?: string | null; project?: string | null; runName: string; metricName: string; metricValue: number }) {
    if (input.metricName !== '_step') throw invalidInput(`rewind is only supported on _step, not ${JSON.stringify(input.metricName)}`);
    if (!Number.isFinite(input.metricValue) || input.metricValue < 0) throw invalidInput('rewind step must be a non-negative number');
    const found = await this.get(viewer, input.entity, input.project, input.runName, 'write');
    await this.history.truncateAfterStep(found.run.id, Math.floor(input.metricValue));
    const run = await this.meta.updateRun(found.run.id, { state: 'running', heartbeatAt: new Date() });
    return { ...found, run };
  }

  /** `upsertModel` / CreateProject: the project, created when missing. */
  async ensureProject(viewer: Viewer, entityName: string | null, name: string, description?: string) {
    if (!PROJECT_NAME.test(name)) throw invalidInput(`invalid project name ${JSON.stringify(name)}`);
    const { entity, project: existing } = await this.access.projectSlotForWrite(viewer, entityName, name);
    const project = existing ?? (await this.meta.ensureProject(entity.id, name));
    void description;
    return { project, entity, inserted: existing === null };
  }

  /** The public API's runs query: a MongoDB-style filter, an order, one page (protocol §8.1). */
  async query(viewer: Viewer, entityName: string | null | undefined, projectName: string,
    opts: { filters?: string | null; order?: string | null; offset: number; limit: number }): Promise<RunInProject[]> {
    const { entity, project } = await this.access.project(viewer, entityName, projectName);
    const runs = await this.meta.queryRuns(project.id, {
      filter: parseRunFilter(opts.filters), order: parseRunOrder(opts.order),
      offset: Math.max(opts.offset, 0), limit: Math.min(Math.max(opts.limit, 0), 1000),
    });
    return runs.map((run) => ({ run, project, entity }));
  }

  async count(viewer: Viewer, entityName: string | null | undefined, projectName: string, filters?: string | null): Promise<number> {
    const { project } = await this.access.project(viewer, entityName, projectName);
    return this.meta.countRuns(project.id, parseRunFilter(filters));
  }

  /** The runs table grouped by a field (`group`, `jobType`, `config.<key>`, …): each value with its run count. */
  async groups(viewer: Viewer, entityName: string | null | undefined, projectName: string,
    opts: { filters?: string | null; groupBy: string; limit: number }): Promise<RunGroupCount[]> {
    const { project } = await this.access.project(viewer, entityName, projectName);
    const field = parseFieldRef(opts.groupBy);
    return this.meta.groupRuns(project.id, parseRunFilter(opts.filters), field, Math.min(Math.max(opts.limit, 1), 1000));
  }

  /** Deleting is idempotent: a run that is already gone (or never was visible) is simply not there. */
  async delete(viewer: Viewer, storageId: string): Promise<void> {
    let run: Run;
    try {
      ({ run } = await this.byStorageId(viewer, storageId, 'write'));
    } catch (e) {
      if (e instanceof DomainError && e.code === ErrorCodes.RUN_NOT_FOUND) return;
      throw e;
    }
    await this.history.deleteRun(run.id);
    await this.meta.deleteRun(run.id);
  }

  /**
   * `updateRunState` (public API `run.update_state`): requeue as `pending` from running, failed, crashed or
   * preempted; give up as `failed` from pending or running. Anything else is refused.
   */
  async updateState(viewer: Viewer, storageId: string, state: string): Promise<void> {
    const { run } = await this.byStorageId(viewer, storageId, 'write');
    const allowed: Record<string, RunState[]> = { pending: ['running', 'failed', 'crashed', 'preempted'], failed: ['pending', 'running'] };
    if (!allowed[state]?.includes(run.state)) {
      throw invalidInput(`invalid state transition from ${run.state} to ${JSON.stringify(state)}`);
    }
    this.live?.runChanged(await this.meta.updateRun(run.id, { state: state as RunState }));
  }
}

/** Shallow merge of two JSON objects (shared-mode writers each send their part). */
export function mergeJsonObjects(base: string, update: string): string {
  const a = parseJsonObject(base, 'stored value');
  const b = parseJsonObject(update, 'update');
  return JSON.stringify({ ...a, ...b });
}

/** Read side of a run's streams, for GraphQL fields (resume status, public API). */
export class RunStreamReader {
  constructor(private readonly history: HistoryStore) {}

  historyLineCount = (run: Run) => this.history.lineCount(run.id, 'history');
  eventsLineCount = (run: Run) => this.history.lineCount(run.id, 'events');
  logLineCount = (run: Run) => this.history.consoleLineCount(run.id);
  /** JSONString of an array of raw JSON lines, as RunResumeStatus wants (protocol §3.3). */
  tail = async (run: Run, stream: 'history' | 'events', n = 10) => JSON.stringify(await this.history.tail(run.id, stream, n));
  keys = (run: Run) => this.history.keys(run.id);
  scan = (run: Run, stream: 'history' | 'events', range: { minStep?: number; maxStep?: number; limit: number }) =>
    this.history.scan(run.id, stream, range);
  /**
   * `run.history(keys, samples)`: rows that have every key, projected to them, evenly down-sampled to at
   * most `samples` keeping the first and last (protocol §8.2). minStep/maxStep bound the steps (inclusive).
   */
  async sampled(run: Run, spec: { keys: string[]; samples: number; minStep?: number; maxStep?: number }): Promise<Record<string, unknown>[]> {
    const matching: Record<string, unknown>[] = [];
    let afterStep = spec.minStep !== undefined ? spec.minStep - 1 : undefined;
    for (;;) {
      const page = await this.history.scan(run.id, 'history', {
        ...(afterStep !== undefined ? { minStep: afterStep + 1 } : {}),
        ...(spec.maxStep !== undefined ? { maxStep: spec.maxStep + 1 } : {}),
        limit: 10_000,
      });
      for (const row of page) {
        const data = parseExtendedJson(row.line) as Record<string, unknown>;
        if (spec.keys.every((k) => k in data)) matching.push(Object.fromEntries(spec.keys.map((k) => [k, data[k]])));
      }
      if (page.length < 10_000) break;
      afterStep = page[page.length - 1]!.step ?? undefined;
      if (afterStep === undefined) break;
    }
    return downsample(matching, spec.samples);
  }

  /** `run.history(samples=N)` without keys: every row, evenly down-sampled to N. */
  async sampledRows(run: Run, stream: 'history' | 'events', samples: number): Promise<string[]> {
    const total = await this.history.lineCount(run.id, stream);
    if (total <= samples) return (await this.history.scan(run.id, stream, { limit: samples })).map((r) => r.line);
    const all: string[] = [];
    // History pages by step (its order), system events by storage order.
    for (let after: { minStep?: number; afterSeq?: number } = {}; ;) {
      const page = await this.history.scan(run.id, stream, { limit: 10_000, ...after });
      all.push(...page.map((r) => r.line));
      const last = page[page.length - 1];
      if (page.length < 10_000 || !last) break;
      after = stream === 'history' && last.step !== null ? { minStep: last.step + 1 } : { afterSeq: last.seq };
    }
    return downsample(all, samples);
  }

  console = (run: Run, range: { afterIndex?: number; limit: number; fromEnd?: boolean }) => this.history.readConsole(run.id, range);
}

/** At most n items, evenly spaced, always keeping the first and the last. */
export function downsample<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  if (n <= 1) return items.slice(-1);
  const out: T[] = [];
  const stride = (items.length - 1) / (n - 1);
  for (let i = 0; i < n; i++) out.push(items[Math.round(i * stride)]!);
  return out;
}
