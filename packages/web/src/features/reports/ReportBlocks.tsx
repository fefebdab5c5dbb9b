import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useRef, useState, type ReactNode } from 'react';
import { LinePlot } from '../../charts/LinePlot';
import { bucketsForWidth, toPlotData, type ChartRun, type Column, type PlotData, type SeriesAnswer, type XRange } from '../../charts/series';
import { useVisibleOnce, useWidth } from '../../charts/useVisible';
import { apiFetch, type ApiError } from '../../lib/api';
import { assignColors } from '../../lib/colors';
import { formatValue } from '../../lib/format';
import type { RunRow } from '../workspace/RunsTable';
import { Markdown } from './Markdown';
import { runSetFilter, runSetOrder, type MongoFilter } from './runset-filter';
import {
  codeOf, panelGridOf, plainText, safeImageUrl, safeLinkUrl, selectRuns, type InlineNode, type PanelRef, type ReportBlock, type RunSetRef,
} from './spec';

const PANEL_HEIGHT = 220;
/** Runs a report panel draws at most (W&B shows the first runs of a run set, too). */
const MAX_PANEL_RUNS = 20;
const LIVE_POLL_MS = 2000;
const IDLE_POLL_MS = 15000;

interface Where { entity: string; project: string }

/** A report's blocks, in order. Blocks Cairn does not render show a placeholder naming their type. */
export function ReportBlocks({ blocks, entity, project }: { blocks: ReportBlock[] } & Where) {
  if (blocks.length === 0) return <p className="muted">This report is empty.</p>;
  return <div className="report-blocks">{blocks.map((b, i) => <Block key={i} block={b} entity={entity} project={project} />)}</div>;
}

export function Block({ block, entity, project }: { block: ReportBlock } & Where) {
  const children = (block.children ?? []) as InlineNode[];
  const type = typeof block.type === 'string' ? block.type : '(none)';
  const wrap = (node: ReactNode) => <div className="report-block" data-block-type={type}>{node}</div>;
  switch (type) {
    case 'heading': {
      const level = typeof block.level === 'number' ? Math.min(4, Math.max(1, block.level)) : 1;
      const Tag = `h${level + 1}` as 'h2';
      return wrap(<Tag>{inlineNodes(children)}</Tag>);
    }
    case 'paragraph': return wrap(<p>{inlineNodes(children)}</p>);
    case 'markdown-block': return wrap(<Markdown text={typeof block.content === 'string' ? block.content : ''} />);
    case 'code-block': {
      const { code, language } = codeOf(block);
      return wrap(<pre className="report-code"><code data-language={language || undefined}>{code}</code></pre>);
    }
    case 'image': {
      const src = safeImageUrl(block.url);
      const caption = plainText(children);
      return wrap(
        <figure className="report-image">
          {src ? <img src={src} alt={caption || 'report image'} /> : <p className="muted">Image address not shown: {String(block.url ?? '')}</p>}
          {caption && <figcaption>{caption}</figcaption>}
        </figure>,
      );
    }
    case 'list': {
      const items = children.map((item, i) => <li key={i}>{inlineNodes(flattenListItem(item))}</li>);
      return wrap(block.ordered ? <ol>{items}</ol> : <ul>{items}</ul>);
    }
    case 'block-quote': return wrap(<blockquote>{inlineNodes(children)}</blockquote>);
    case 'callout-block': return wrap(<aside className="report-callout">{inlineNodes(children.flatMap((c) => c.children ?? [c]))}</aside>);
    case 'horizontal-rule': return wrap(<hr />);
    case 'panel-grid': return wrap(<ReportPanelGrid block={block} entity={entity} project={project} />);
    default: return wrap(<Unsupported what={`block type "${type}"`} />);
  }
}

function Unsupported({ what }: { what: string }) {
  return <div className="report-unsupported" role="note">Cairn does not show this {what} yet.</div>;
}

/** List items hold paragraphs of inline nodes. */
const flattenListItem = (item: InlineNode): InlineNode[] => (item.children ?? []).flatMap((c) => (c.type === 'paragraph' ? c.children ?? [] : [c]));

/** Slate inline nodes: text leaves with marks (bold, italic, code, strikethrough), links, inline LaTeX. */
function inlineNodes(nodes: InlineNode[]): ReactNode[] {
  return nodes.map((n, i) => {
    if (n.type === 'link') {
      const href = safeLinkUrl(n.url);
      const text = inlineNodes(n.children ?? []);
      return href ? <a key={i} href={href} target="_blank" rel="noreferrer noopener">{text}</a> : <span key={i}>{text}</span>;
    }
    if (n.type === 'latex') return <code key={i} className="report-latex">{String(n.content ?? plainText(n.children ?? []))}</code>;
    if (n.type !== undefined) return <span key={i}>{inlineNodes(n.children ?? [])}</span>;
    let node: ReactNode = typeof n.text === 'string' ? n.text : '';
    if (n.code) node = <code>{node}</code>;
    if (n.bold || n.strong) node = <strong>{node}</strong>;
    if (n.italic || n.emphasis) node = <em>{node}</em>;
    if (n.strikethrough) node = <s>{node}</s>;
    return <span key={i}>{node}</span>;
  });
}

// ---------- panel grids: live charts of a run set ----------

/** The run set's runs, filtered and sorted by the server as the run set's filters and sort say. */
function useRunSetRuns(runSet: RunSetRef | undefined, filter: MongoFilter | undefined) {
  const order = runSetOrder(runSet?.sort);
  return useQuery({
    queryKey: ['report-runs', runSet?.entity, runSet?.project, filter, order],
    enabled: runSet !== undefined,
    queryFn: ({ signal }) => apiFetch<{ total: number; runs: RunRow[] }>('/api/v1/runs', {
      body: { entity: runSet!.entity, project: runSet!.project, offset: 0, limit: 200, order, ...(filter ? { filters: filter } : {}) }, signal,
    }),
    refetchInterval: (q) => (q.state.data?.runs.some((r) => r.state === 'running') ? LIVE_POLL_MS : IDLE_POLL_MS),
  });
}

function ReportPanelGrid({ block, entity, project }: { block: ReportBlock } & Where) {
  const grid = useMemo(() => panelGridOf(block, entity, project), [block, entity, project]);
  const runSet = grid.runSets[grid.openRunSet] ?? grid.runSets[0];
  // Anchored once per run set: "created within the last N seconds" must not change the query on every render.
  const query = useMemo(() => runSetFilter(runSet?.filters, Date.now()), [runSet]);
  const runs = useRunSetRuns(runSet, query.filter);
  const picked = useMemo(() => (runSet && runs.data ? selectRuns(runs.data.runs, runSet).slice(0, MAX_PANEL_RUNS) : []), [runSet, runs.data]);
  const chartRuns = useMemo<ChartRun[]>(() => {
    const colors = assignColors(picked.map((r) => r.name));
    return picked.map((r) => ({ name: r.name, label: r.displayName ?? r.name, color: colors.get(r.name)! }));
    // Same runs, same identity: panels refetch only when the set changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [picked.map((r) => `${r.name}\u0000${r.displayName ?? ''}`).join('\u0001')]);
  const live = picked.some((r) => r.state === 'running');

  if (!runSet) return <p className="muted">This panel grid has no run set.</p>;
  return (
    <div className="report-panel-grid">
      <p className="muted report-runset">
        Run set <b>{runSet.name}</b> · {runSet.entity}/{runSet.project} · {runs.data ? `${chartRuns.length} run${chartRuns.length === 1 ? '' : 's'}` : 'loading…'}
      </p>
      {query.unsupported.length > 0 && (
        <p role="note" className="report-unsupported report-filter-note">
          Not applied (the runs shown may differ from the report's): {query.unsupported.join('; ')}.
        </p>
      )}
      {runs.error && <p role="alert" className="error">{(runs.error as ApiError).message}</p>}
      <div className="panels">
        {grid.panels.map((p) => (
          <div key={p.id} className="panel report-panel" data-view-type={p.viewType}>
            <h4 title={p.title ?? p.metrics.join(', ')}>{p.title ?? (p.metrics.join(', ') || p.viewType)}</h4>
            <Panel panel={p} runSet={runSet} runs={chartRuns} rows={picked} live={live} />
          </div>
        ))}
      </div>
      {grid.panels.length === 0 && <p className="muted">This panel grid has no panels.</p>}
    </div>
  );
}

function Panel({ panel, runSet, runs, rows, live }: { panel: PanelRef; runSet: RunSetRef; runs: ChartRun[]; rows: RunRow[]; live: boolean }) {
  switch (panel.viewType) {
    case 'Run History Line Plot': return <LazyLinePanel panel={panel} runSet={runSet} runs={runs} live={live} />;
    case 'Bar Chart': return <BarPanel panel={panel} runs={runs} rows={rows} />;
    case 'Scalar Chart': return <ScalarPanel panel={panel} rows={rows} />;
    default: return <Unsupported what={`panel type "${panel.viewType}"`} />;
  }
}

function LazyLinePanel(props: { panel: PanelRef; runSet: RunSetRef; runs: ChartRun[]; live: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const visible = useVisibleOnce(ref);
  return <div ref={ref} style={{ minHeight: PANEL_HEIGHT + 40 }}>{visible ? <LinePanel {...props} /> : null}</div>;
}

/** The workspace's chart over the workspace's bucketed series endpoint, one line per run and metric. */
function LinePanel({ panel, runSet, runs, live }: { panel: PanelRef; runSet: RunSetRef; runs: ChartRun[]; live: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const buckets = bucketsForWidth(width);
  const [range, setRange] = useState<XRange | null>(null);
  const keys = panel.metrics.slice(0, 10);
  const xKey = panel.xAxis === 'Step' ? '_step' : panel.xAxis;
  const runNames = runs.map((r) => r.name);
  const series = useQuery({
    queryKey: ['report-series', runSet.entity, runSet.project, runNames, keys, xKey, buckets, range],
    enabled: width > 0 && runs.length > 0 && keys.length > 0,
    queryFn: ({ signal }) => apiFetch<SeriesAnswer>('/api/v1/series', {
      body: { entity: runSet.entity, project: runSet.project, runs: runNames, keys, xKey, buckets, ...(range ? { range } : {}) }, signal,
    }),
    placeholderData: keepPreviousData,
    refetchInterval: live ? LIVE_POLL_MS : false,
  });
  const data = useMemo(() => (series.data ? plotOfKeys(series.data, keys, runs) : null), [series.data, keys.join('\u0000'), runs]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div ref={box} className="metric-panel" data-points={data?.columns[0].length ?? ''} data-lines={data?.runs.length ?? ''}>
      {keys.length === 0 && <p className="muted panel-empty">This line plot names no metric.</p>}
      {runs.length === 0 && <p className="muted panel-empty">No runs in this run set.</p>}
      {series.error && <p role="alert" className="error">{(series.error as ApiError).message}</p>}
      {data && data.runs.length === 0 && <p className="muted panel-empty">No numeric data for {keys.join(', ')}.</p>}
      {data && data.runs.length > 0 && width > 0 && (
        <LinePlot data={data} width={width} height={PANEL_HEIGHT} xKey={series.data?.plan?.xKey ?? xKey} xRange={range}
          onZoom={setRange} onResetZoom={() => setRange(null)} syncKey={`report-${panel.id}`} />
      )}
    </div>
  );
}

/** Several metrics in one plot: each (run, metric) is a line of its own, aligned on the union of x values. */
export function plotOfKeys(answer: SeriesAnswer, keys: string[], runs: ChartRun[]): PlotData {
  if (keys.length === 1) return toPlotData(answer, keys[0]!, runs);
  const parts = keys.map((k) => toPlotData(answer, k, runs.map((r) => ({ ...r, label: `${r.label} · ${k}` }))));
  const x = [...new Set(parts.flatMap((p) => p.columns[0]))].sort((a, b) => a - b);
  const index = new Map(x.map((v, i) => [v, i]));
  const columns: [number[], ...Column[]] = [x];
  const merged: ChartRun[] = [];
  for (const part of parts) {
    part.runs.forEach((run, r) => {
      merged.push(run);
      for (let c = 1; c <= 3; c++) {
        const col: Column = new Array(x.length).fill(undefined);
        part.columns[0].forEach((xv, i) => { col[index.get(xv)!] = part.columns[1 + 3 * r + (c - 1)]![i]; });
        columns.push(col);
      }
    });
  }
  return { columns, runs: merged };
}

const numberOf = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One bar per run and metric: the run's summary value (its last logged value), live with the runs. */
function BarPanel({ panel, runs, rows }: { panel: PanelRef; runs: ChartRun[]; rows: RunRow[] }) {
  const bars = rows.flatMap((row, i) => panel.metrics.map((m) => ({
    key: `${row.name}/${m}`, label: panel.metrics.length > 1 ? `${runs[i]?.label ?? row.name} · ${m}` : (runs[i]?.label ?? row.name),
    color: runs[i]?.color ?? '#888', value: numberOf(row.summary[m]),
  }))).filter((b) => b.value !== null) as { key: string; label: string; color: string; value: number }[];
  if (bars.length === 0) return <p className="muted panel-empty">No values for {panel.metrics.join(', ') || 'this chart'}.</p>;
  const max = Math.max(...bars.map((b) => Math.abs(b.value)), 1e-12);
  return (
    <div className="report-bars" data-bars={bars.length}>
      {bars.map((b) => (
        <div key={b.key} className="report-bar" title={`${b.label}: ${formatValue(b.value)}`}>
          <span className="report-bar-label">{b.label}</span>
          <span className="report-bar-track"><span className="report-bar-fill" style={{ width: `${(Math.abs(b.value) / max) * 100}%`, background: b.color }} /></span>
          <span className="report-bar-value">{formatValue(b.value)}</span>
        </div>
      ))}
    </div>
  );
}

/** The metric's summary value: of the one run, or the mean over the run set's runs (W&B's default aggregation). */
function ScalarPanel({ panel, rows }: { panel: PanelRef; rows: RunRow[] }) {
  const metric = panel.metrics[0];
  const values = metric ? rows.map((r) => numberOf(r.summary[metric])).filter((v): v is number => v !== null) : [];
  if (values.length === 0) return <p className="muted panel-empty">No value for {metric ?? 'this chart'}.</p>;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return (
    <div className="report-scalar" data-value={mean}>
      <span className="report-scalar-value">{formatValue(mean)}</span>
      <span className="muted">{values.length > 1 ? `mean of ${values.length} runs` : 'one run'}</span>
    </div>
  );
}
