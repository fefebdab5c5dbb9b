/**
 * W&B report specs (what wandb-workspaces and W&B's app save): reading the parts Cairn renders, and writing the
 * specs the UI's editor makes. Pure functions; the spec text itself is stored by the server unchanged.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** An inline node of rich text (W&B uses Slate): text leaves with marks, links, inline LaTeX. */
export interface InlineNode { text?: string; type?: string; url?: string; children?: InlineNode[]; [mark: string]: unknown }

export interface ReportBlock { type?: string; children?: InlineNode[]; [field: string]: unknown }

export interface RunSetRef {
  entity: string;
  project: string;
  name: string;
  /** selections.root 1: every run but those in `tree`; root 0: only the runs in `tree`. */
  root: number;
  tree: string[];
  /** The run set's stored filters and sort, as saved (read by runset-filter.ts). */
  filters: unknown;
  sort: unknown;
}

export interface PanelRef { id: string; viewType: string; title: string | null; metrics: string[]; xAxis: string }

export interface SpecPanelGrid { runSets: RunSetRef[]; openRunSet: number; panels: PanelRef[] }

export interface ParsedSpec { blocks: ReportBlock[]; raw: JsonObject }

const asObject = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : {});
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asString = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

/** Parses a view's spec text; a spec that is not an object gives no blocks (the page says so). */
export function parseSpec(text: string | null | undefined): ParsedSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? '{}');
  } catch {
    raw = {};
  }
  const obj = asObject(raw) as JsonObject;
  const blocks = asArray(obj.blocks).filter((b) => b !== null && typeof b === 'object') as ReportBlock[];
  return { blocks: trimEmptyEdges(blocks), raw: obj };
}

/** W&B's editor keeps an empty paragraph first and last; they are not content. */
function trimEmptyEdges(blocks: ReportBlock[]): ReportBlock[] {
  let start = 0;
  let end = blocks.length;
  while (start < end && isEmptyParagraph(blocks[start]!)) start++;
  while (end > start && isEmptyParagraph(blocks[end - 1]!)) end--;
  return blocks.slice(start, end);
}

export const isEmptyParagraph = (b: ReportBlock) => b.type === 'paragraph' && plainText(b.children ?? []) === '' && !hasInlineObjects(b.children ?? []);

const hasInlineObjects = (nodes: InlineNode[]): boolean => nodes.some((n) => (n.type !== undefined && n.type !== 'paragraph') || hasInlineObjects(n.children ?? []));

/** The text of inline nodes without any formatting. */
export function plainText(nodes: InlineNode[]): string {
  return nodes.map((n) => (typeof n.text === 'string' ? n.text : plainText(n.children ?? []))).join('');
}

/** Whether inline nodes are plain text the editor can change without losing formatting. */
export const isPlainInline = (nodes: InlineNode[]) =>
  nodes.every((n) => n.type === undefined && n.children === undefined && Object.keys(n).every((k) => k === 'text'));

/** The lines of a code block (children of type code-line), or its text. */
export function codeOf(block: ReportBlock): { code: string; language: string } {
  const lines = (block.children ?? []).map((line) => plainText(line.children ?? [line]));
  return { code: lines.join('\n'), language: asString(block.language) };
}

/** Only web and inline-image addresses are shown as images (never javascript: and the like). */
export function safeImageUrl(url: unknown): string | null {
  const u = asString(url);
  return /^(https?:\/\/|\/)/i.test(u) || /^data:image\/(png|jpe?g|gif|webp|svg\+xml);/i.test(u) ? u : null;
}

export function safeLinkUrl(url: unknown): string | null {
  const u = asString(url);
  return /^(https?:\/\/|mailto:|\/)/i.test(u) ? u : null;
}

/** A panel grid's run sets and panels, with W&B's defaults. */
export function panelGridOf(block: ReportBlock, reportEntity: string, reportProject: string): SpecPanelGrid {
  const meta = asObject(block.metadata);
  const runSets = asArray(meta.runSets).map((rs, i): RunSetRef => {
    const r = asObject(rs);
    const project = asObject(r.project);
    const selections = asObject(r.selections);
    return {
      entity: asString(project.entityName, reportEntity) || reportEntity,
      project: asString(project.name, reportProject) || reportProject,
      name: asString(r.name, `Run set ${i + 1}`),
      root: typeof selections.root === 'number' ? selections.root : 1,
      tree: asArray(selections.tree).filter((t): t is string => typeof t === 'string'),
      filters: r.filters ?? null,
      sort: r.sort ?? null,
    };
  });
  const section = asObject(meta.panelBankSectionConfig);
  const panels = asArray(section.panels).map((p, i): PanelRef => {
    const panel = asObject(p);
    const config = asObject(panel.config);
    return {
      id: asString(panel.__id__, `panel-${i}`),
      viewType: asString(panel.viewType, 'unknown'),
      title: typeof config.chartTitle === 'string' && config.chartTitle !== '' ? config.chartTitle : null,
      metrics: asArray(config.metrics).filter((m): m is string => typeof m === 'string'),
      xAxis: asString(config.xAxis, '_step') || '_step',
    };
  });
  return { runSets, openRunSet: typeof meta.openRunSet === 'number' ? meta.openRunSet : 0, panels };
}

/** The runs of a run set to draw, from the project's runs (W&B's selections: root 1 hides `tree`, root 0 shows only it). */
export function selectRuns<T extends { name: string }>(runs: T[], runSet: RunSetRef): T[] {
  const tree = new Set(runSet.tree);
  return runs.filter((r) => (runSet.root === 0 ? tree.has(r.name) : !tree.has(r.name)));
}

// ---------- writing (the UI editor) ----------

export type EditorBlock =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'markdown'; text: string }
  | { kind: 'lineplot'; metrics: string; title: string }
  /** A block the editor does not edit: kept exactly as it was. */
  | { kind: 'kept'; block: ReportBlock };

/** Spec blocks → editor blocks (text blocks become editable; everything else is kept as is). */
export function toEditorBlocks(blocks: ReportBlock[]): EditorBlock[] {
  return blocks.map((b): EditorBlock => {
    const children = b.children ?? [];
    if (b.type === 'heading' && isPlainInline(children)) {
      const level = b.level === 2 ? 2 : b.level === 3 ? 3 : 1;
      return { kind: 'heading', level, text: plainText(children) };
    }
    if (b.type === 'paragraph' && isPlainInline(children)) return { kind: 'paragraph', text: plainText(children) };
    if (b.type === 'markdown-block') return { kind: 'markdown', text: asString(b.content) };
    return { kind: 'kept', block: b };
  });
}

let panelCounter = 0;
/** Ids like W&B's (random base-36). */
const newId = () => `${Date.now().toString(36)}${(panelCounter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** A panel grid with one line plot over all runs of the project (the shape W&B's app and SDK save). */
export function linePlotGrid(entity: string, project: string, metrics: string[], title: string): ReportBlock {
  return {
    type: 'panel-grid',
    children: [{ text: '' }],
    metadata: {
      openViz: true, openRunSet: 0, name: 'unused-name', hideRunSets: false,
      runSets: [{
        id: newId(), name: 'Run set', enabled: true, project: { entityName: entity, name: project },
        search: { query: '' }, filters: { filterFormat: 'filterV2', filters: [] }, grouping: [],
        sort: { keys: [{ key: { section: 'run', name: 'createdAt' }, ascending: false }] },
        selections: { root: 1, bounds: [], tree: [] }, expandedRowAddresses: [],
      }],
      panelBankSectionConfig: {
        name: 'Report Panels', isOpen: false, type: 'grid', sorted: 0,
        panels: [{
          __id__: newId(), layout: { x: 0, y: 0, w: 8, h: 6 }, viewType: 'Run History Line Plot',
          config: { ...(title ? { chartTitle: title } : {}), xAxis: '_step', metrics },
        }],
      },
      panelBankConfig: { state: 0, settings: {}, sections: [] },
      customRunColors: {},
    },
  };
}

/** Editor blocks → a spec, keeping every other field of the original spec. */
export function toSpec(blocks: EditorBlock[], entity: string, project: string, original: JsonObject = {}): string {
  const out: ReportBlock[] = [{ type: 'paragraph', children: [{ text: '' }] }];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading': out.push({ type: 'heading', level: b.level, children: [{ text: b.text }] }); break;
      case 'paragraph': out.push({ type: 'paragraph', children: [{ text: b.text }] }); break;
      case 'markdown': out.push({ type: 'markdown-block', content: b.text, children: [{ text: '' }] }); break;
      case 'lineplot': {
        const metrics = b.metrics.split(',').map((m) => m.trim()).filter((m) => m !== '');
        out.push(linePlotGrid(entity, project, metrics, b.title.trim()));
        break;
      }
      case 'kept': out.push(b.block); break;
    }
  }
  out.push({ type: 'paragraph', children: [{ text: '' }] });
  return JSON.stringify({ version: 5, width: 'readable', authors: [], discussionThreads: [], panelSettings: {}, ...original, blocks: out as Json[] });
}
