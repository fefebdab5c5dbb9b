import type { Readable } from 'node:stream';
import { decodeGqlId, parseExtendedJson, type RunId } from '@cairn/shared';
import type { Viewer } from './auth.js';
import { contentKey } from './artifacts.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { ArtifactStore, BlobStore, HistoryStore, MetaStore, Project } from './ports.js';
import type { RunService } from './runs.js';
import {
  pageOf, tableFromJson, viewKey, viewOf, WeightedLru, type ParsedTable, type TableViewSpec,
} from './table-view.js';

/**
 * Media logged with the SDK (wandb.Image, wandb.Histogram, wandb.Table): which keys hold media at which steps,
 * the value at a step, histograms over steps, and server-side pages of tables (sort/filter/page over parsed
 * tables cached by blob digest, so a 200,000-row table never crosses the wire whole).
 */
export type MediaType = 'image' | 'images' | 'histogram' | 'table';
const TYPE_OF: Record<string, MediaType> = {
  'image-file': 'image', 'images/separated': 'images', histogram: 'histogram', 'table-file': 'table', 'incremental-table-file': 'table',
};
export const mediaTypeOf = (value: unknown): MediaType | null => {
  const t = value && typeof value === 'object' ? (value as { _type?: unknown })._type : undefined;
  return typeof t === 'string' ? TYPE_OF[t] ?? null : null;
};

export interface MediaKey { key: string; type: MediaType; steps: number[] }

/** Where a table's bytes are: the run-<id>-<key> artifact version (all rows, image cells) or the run file (≤10k rows). */
export type TableSource = { kind: 'artifact'; artifactId: number } | { kind: 'run-file'; path: string };

const SCAN_PAGE = 2000;
const MAX_TABLE_BYTES = 128 * 1024 * 1024;
/** A parsed table takes several times its JSON size on the heap: the cache is weighed by this estimate. */
const HEAP_PER_FILE_BYTE = 6;
const MAX_HISTOGRAM_STEPS = 500;

interface RunIndex { lineCount: number; lastStep: number; keys: Map<string, { type: MediaType; steps: Set<number> }> }
interface CachedTable { table: ParsedTable; views: WeightedLru<Int32Array> }

export interface MediaOptions {
  /** Parsed tables kept, weighed by their estimated heap size (HEAP_PER_FILE_BYTE × file size). */
  tableCacheBytes?: number;
  tableCacheEntries?: number;
}

export class MediaService {
  private readonly indexes = new WeightedLru<RunIndex>(Infinity, 256);
  private readonly tables: WeightedLru<CachedTable>;
  private readonly loading = new Map<string, Promise<CachedTable>>();

  constructor(
    private readonly meta: MetaStore,
    private readonly history: HistoryStore,
    private readonly runs: RunService,
    private readonly artifacts: ArtifactStore,
    private readonly blobs: BlobStore,
    opts: MediaOptions = {},
  ) {
    this.tables = new WeightedLru(opts.tableCacheBytes ?? 512 * 1024 * 1024, opts.tableCacheEntries ?? 32);
  }

  /** The run's media keys with the steps each was logged at (history rows; scanned once, then only new rows). */
  async index(viewer: Viewer, entity: string, project: string, runName: string): Promise<MediaKey[]> {
    const { run } = await this.runs.get(viewer, entity, project, runName);
    const idx = await this.indexOf(run.id);
    return [...idx.keys].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([key, v]) => ({ key, type: v.type, steps: [...v.steps].sort((a, b) => a - b) }));
  }

  private async indexOf(runId: RunId): Promise<RunIndex> {
    const lineCount = await this.history.lineCount(runId, 'history');
    const cacheKey = String(runId);
    let idx = this.indexes.get(cacheKey);
    // Fewer lines than indexed: history was rewound, start over. More: scan from the last indexed step on.
    if (!idx || lineCount < idx.lineCount) idx = { lineCount: 0, lastStep: 0, keys: new Map() };
    if (lineCount !== idx.lineCount) {
      await this.scanFrom(runId, idx);
      idx.lineCount = lineCount;
    }
    this.indexes.set(cacheKey, idx, 1);
    return idx;
  }

  /** Pages through history in step order from idx.lastStep; rows of one step never straddle two pages unseen. */
  private async scanFrom(runId: RunId, idx: RunIndex) {
    let minStep = idx.lastStep;
    for (;;) {
      const rows = await this.history.scan(runId, 'history', { minStep, limit: SCAN_PAGE });
      if (rows.length === 0) return;
      const lastStep = rows[rows.length - 1]!.step ?? minStep;
      const full = rows.length === SCAN_PAGE;
      if (full && rows[0]!.step === lastStep) {
        // One step with a page of rows or more (shared mode): read that step by sequence, then go on after it.
        let afterSeq: number | undefined;
        for (;;) {
          const same = await this.history.scan(runId, 'history', { minStep: lastStep, maxStep: lastStep + 1, limit: SCAN_PAGE, ...(afterSeq !== undefined ? { afterSeq } : {}) });
          same.forEach((r) => this.note(idx, r.step, r.line));
          if (same.length < SCAN_PAGE) break;
          afterSeq = same[same.length - 1]!.seq;
        }
        idx.lastStep = lastStep;
        minStep = lastStep + 1;
        continue;
      }
      // A full page may end inside a step: leave that step for the next page.
      for (const r of rows) if (!full || r.step !== lastStep) this.note(idx, r.step, r.line);
      idx.lastStep = full ? lastStep : Math.max(idx.lastStep, lastStep);
      if (!full) return;
      minStep = lastStep;
    }
  }

  private note(idx: RunIndex, step: number | null, line: string) {
    if (step === null || !line.includes('"_type"')) return;
    let row: unknown;
    try {
      row = parseExtendedJson(line);
    } catch {
      return;
    }
    if (!row || typeof row !== 'object') return;
    for (const [key, value] of Object.entries(row)) {
      const type = mediaTypeOf(value);
      if (!type) continue;
      let k = idx.keys.get(key);
      if (!k) idx.keys.set(key, (k = { type, steps: new Set() }));
      k.steps.add(step);
    }
  }

  /** The value of `key` at the logged step nearest below `step` (the first logged one if none is below; the last if absent). */
  async valueAt(viewer: Viewer, entity: string, project: string, runName: string, key: string, step?: number) {
    const found = await this.runs.get(viewer, entity, project, runName);
    return this.valueOfRun(found.run.id, key, step);
  }

  private async valueOfRun(runId: RunId, key: string, step?: number): Promise<{ step: number; value: unknown; steps: number[] }> {
    const idx = await this.indexOf(runId);
    const entry = idx.keys.get(key);
    const steps = entry ? [...entry.steps].sort((a, b) => a - b) : await this.plainSteps(runId, key, step);
    if (steps.length === 0) throw new DomainError(ErrorCodes.NOT_FOUND, `nothing logged under ${JSON.stringify(key)}`);
    const at = step === undefined ? steps[steps.length - 1]! : stepAtOrBelow(steps, step);
    const value = await this.readValue(runId, key, at);
    if (value === undefined) throw new DomainError(ErrorCodes.NOT_FOUND, `nothing logged under ${JSON.stringify(key)} at step ${at}`);
    return { step: at, value, steps };
  }

  /** A non-media key has no index entry: only the requested step is looked at. */
  private async plainSteps(runId: RunId, key: string, step?: number): Promise<number[]> {
    if (step === undefined) return [];
    return (await this.readValue(runId, key, step)) === undefined ? [] : [step];
  }

  private async readValue(runId: RunId, key: string, step: number): Promise<unknown> {
    const rows = await this.history.scan(runId, 'history', { minStep: step, maxStep: step + 1, limit: 1000 });
    let value: unknown;
    for (const r of rows) {
      try {
        const row = parseExtendedJson(r.line) as Record<string, unknown>;
        if (row && typeof row === 'object' && key in row) value = row[key];
      } catch {
        // a corrupt line holds nothing readable
      }
    }
    return value;
  }

  /** Histograms of `key` at up to `max` steps spread over all the steps it was logged at (for a heatmap). */
  async histograms(viewer: Viewer, entity: string, project: string, runName: string, key: string, max = 100) {
    const { run } = await this.runs.get(viewer, entity, project, runName);
    const entry = (await this.indexOf(run.id)).keys.get(key);
    if (!entry || entry.type !== 'histogram') {
      throw invalidInput(`no histograms are logged under ${JSON.stringify(key)}${entry ? ` (it holds ${entry.type}s)` : ''}`);
    }
    const steps = sampleSteps([...entry.steps].sort((a, b) => a - b), Math.min(Math.max(1, max), MAX_HISTOGRAM_STEPS));
    const out: { step: number; bins: number[]; values: number[] }[] = [];
    for (const step of steps) {
      const h = histogramOf(await this.readValue(run.id, key, step));
      if (h) out.push({ step, ...h });
    }
    return { key, histograms: out };
  }

  /** One page of the table logged under `key` at `step` (latest when absent), sorted and filtered on the server. */
  async tablePage(viewer: Viewer, entity: string, projectName: string, runName: string, key: string,
    q: { step?: number | undefined; offset: number; limit: number } & TableViewSpec) {
    const { run, project } = await this.runs.get(viewer, entity, projectName, runName);
    const { step, value, steps } = await this.valueOfRun(run.id, key, q.step);
    if (mediaTypeOf(value) !== 'table') throw invalidInput(`${key} at step ${step} is not a table`);
    const { source, cached } = await this.loadTable(run.id, project, value as TableRef);
    const vkey = viewKey(q);
    let view = cached.views.get(vkey);
    if (!view) {
      view = viewOf(cached.table, q);
      cached.views.set(vkey, view, view.length * 4);
    }
    return {
      key, step, steps, source, columns: cached.table.columns, nrows: cached.table.rows.length,
      ...pageOf(cached.table, view, q.offset, q.limit),
    };
  }

  private async loadTable(runId: RunId, project: Project, ref: TableRef): Promise<{ source: TableSource; cached: CachedTable }> {
    const found = await this.artifactTable(project, ref) ?? await this.runFileTable(runId, ref);
    if (!found) throw new DomainError(ErrorCodes.NOT_FOUND, `the table file ${ref.path ?? ''} has not been uploaded`);
    let cached = this.tables.get(found.digest);
    if (!cached) {
      let pending = this.loading.get(found.digest);
      if (!pending) {
        pending = this.parseBlob(found.blobKey, found.size, found.name).finally(() => this.loading.delete(found.digest));
        this.loading.set(found.digest, pending);
      }
      cached = await pending;
      this.tables.set(found.digest, cached, Math.max(found.size, 1) * HEAP_PER_FILE_BYTE);
    }
    return { source: found.source, cached };
  }

  /** The version of the run-<id>-<key> artifact this history entry names (`artifact_path`), if it is committed here. */
  private async artifactTable(project: Project, ref: TableRef) {
    const parsed = parseArtifactPath(ref.artifact_path);
    if (!parsed) return null;
    const artifact = 'clientId' in parsed ? await this.artifacts.findArtifactByClientId(parsed.clientId) : await this.artifacts.findArtifact(parsed.id);
    if (!artifact || artifact.projectId !== project.id || artifact.state !== 'COMMITTED') return null;
    const file = await this.artifactEntry(artifact.id, parsed.entry);
    if (!file) return null;
    return { source: { kind: 'artifact', artifactId: artifact.id } as TableSource, ...file, digest: `md5:${file.hex}` };
  }

  private async artifactEntry(artifactId: number, name: string) {
    const [file] = await this.artifacts.listFiles(artifactId, { names: [name], offset: 0, limit: 1 });
    if (!file || file.ref !== null) return null;
    const hex = Buffer.from(file.digest, 'base64').toString('hex');
    return { blobKey: contentKey(hex), size: file.size, name, hex };
  }

  private async runFileTable(runId: RunId, ref: TableRef) {
    if (typeof ref.path !== 'string') return null;
    const file = await this.meta.findRunFile(runId, ref.path);
    if (!file?.uploaded) return null;
    return {
      source: { kind: 'run-file', path: file.name } as TableSource, blobKey: file.blobKey, size: file.sizeBytes, name: file.name,
      digest: file.md5 ? `md5:${Buffer.from(file.md5, 'base64').toString('hex')}` : `run:${runId}:${file.name}:${file.updatedAt.getTime()}`,
    };
  }

  private async parseBlob(key: string, size: number, name: string): Promise<CachedTable> {
    if (size > MAX_TABLE_BYTES) throw invalidInput(`table file ${name} is ${size} bytes, over the viewer's limit of ${MAX_TABLE_BYTES}`);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const c of await this.blobs.get(key)) {
      total += (c as Buffer).length;
      if (total > MAX_TABLE_BYTES) throw invalidInput(`table file ${name} is over the viewer's limit of ${MAX_TABLE_BYTES} bytes`);
      chunks.push(c as Buffer);
    }
    let doc: unknown;
    try {
      doc = parseExtendedJson(Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      throw invalidInput(`table file ${name} is not valid JSON (${(e as Error).message})`);
    }
    let table: ParsedTable;
    try {
      table = tableFromJson(doc);
    } catch (e) {
      throw invalidInput(`table file ${name}: ${(e as Error).message.replace(/^table file /, '')}`);
    }
    return { table, views: new WeightedLru(64 * 1024 * 1024, 16) };
  }

  /** A run file's bytes (media the run logged), for the viewer of that run. */
  async openRunFile(viewer: Viewer, entity: string, project: string, runName: string, path: string): Promise<{ name: string; size: number; body: Readable }> {
    const { run } = await this.runs.get(viewer, entity, project, runName);
    const file = await this.meta.findRunFile(run.id, path);
    if (!file?.uploaded) throw new DomainError(ErrorCodes.NOT_FOUND, `run file ${path} not found`);
    return { name: file.name, size: file.sizeBytes, body: await this.openBlob(file.blobKey, path) };
  }

  /** A file of an artifact version in the run's project (image cells of a logged table), for the viewer of that run. */
  async openArtifactFile(viewer: Viewer, entity: string, projectName: string, runName: string, artifactGqlId: string, path: string) {
    const { project } = await this.runs.get(viewer, entity, projectName, runName);
    const id = decodeGqlId(artifactGqlId, 'Artifact')?.id;
    const artifact = id === undefined ? null : await this.artifacts.findArtifact(id);
    if (!artifact || artifact.projectId !== project.id || artifact.state !== 'COMMITTED') {
      throw new DomainError(ErrorCodes.NOT_FOUND, `artifact ${artifactGqlId} not found`);
    }
    const file = await this.artifactEntry(artifact.id, path);
    if (!file) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact file ${path} not found`);
    return { name: path, size: file.size, body: await this.openBlob(file.blobKey, path) };
  }

  private async openBlob(key: string, path: string): Promise<Readable> {
    try {
      return await this.blobs.get(key);
    } catch (e) {
      if (e instanceof DomainError && e.code === ErrorCodes.NOT_FOUND) throw new DomainError(ErrorCodes.NOT_FOUND, `file ${path} not found`);
      throw e;
    }
  }
}

/** A table-file history entry: `path` is the run file, `artifact_path` the artifact entry (wandb-client-artifact://…). */
interface TableRef { path?: unknown; artifact_path?: unknown }

/** `wandb-client-artifact://<client id>/<entry>` or `wandb-artifact://_id/<artifact id>/<entry>`. */
export function parseArtifactPath(value: unknown): { clientId: string; entry: string } | { id: number; entry: string } | null {
  if (typeof value !== 'string') return null;
  let m = /^wandb-client-artifact:\/\/([^/:]+)\/(.+)$/.exec(value);
  if (m) return { clientId: m[1]!, entry: m[2]! };
  m = /^wandb-artifact:\/\/_id\/([^/:]+)\/(.+)$/.exec(value);
  const id = m ? decodeGqlId(m[1]!, 'Artifact')?.id : undefined;
  return m && id !== undefined ? { id, entry: m[2]! } : null;
}

/** The largest logged step at or below `step`, else the first. `steps` is sorted. */
export function stepAtOrBelow(steps: number[], step: number): number {
  let lo = 0;
  let hi = steps.length - 1;
  let best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid]! <= step) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return steps[best]!;
}

/** At most `n` of the sorted steps, evenly spread, first and last included. */
export function sampleSteps(steps: number[], n: number): number[] {
  if (steps.length <= n) return steps;
  if (n === 1) return [steps[steps.length - 1]!];
  const out = new Set<number>();
  for (let i = 0; i < n; i++) out.add(steps[Math.round((i * (steps.length - 1)) / (n - 1))]!);
  return [...out];
}

/** bins (edges) + values of a histogram entry, from either form the SDK writes (`bins` or `packedBins`). */
export function histogramOf(value: unknown): { bins: number[]; values: number[] } | null {
  if (mediaTypeOf(value) !== 'histogram') return null;
  const v = value as { bins?: unknown; values?: unknown; packedBins?: { min?: unknown; size?: unknown; count?: unknown } };
  if (!Array.isArray(v.values) || !v.values.every((x) => typeof x === 'number')) return null;
  const values = v.values as number[];
  if (Array.isArray(v.bins) && v.bins.length === values.length + 1 && v.bins.every((x) => typeof x === 'number')) {
    return { bins: v.bins as number[], values };
  }
  const p = v.packedBins;
  if (p && typeof p.min === 'number' && typeof p.size === 'number' && typeof p.count === 'number' && p.count === values.length) {
    return { bins: Array.from({ length: p.count + 1 }, (_, i) => (p.min as number) + i * (p.size as number)), values };
  }
  return null;
}
