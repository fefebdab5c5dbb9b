import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState, type CSSProperties } from 'react';
import { gql } from '../../lib/api';
import { FALLBACK_REFETCH_MS, useLiveUpdates } from '../../lib/live';
import { parseAnsi, stripAnsi, type AnsiStyle } from '../../lib/ansi';

export interface LogLine { number: number; timestamp: string | null; level: string; label: string | null; line: string }

const PAGE = 1000;
/** Longer lines are cut for display (a progress bar or a dumped tensor can be megabytes on one line). */
export const MAX_LINE_CHARS = 20_000;

const LOG_LINES = `query($entity: String!, $project: String!, $run: String!, $first: Int!, $after: String) {
  project(name: $project, entityName: $entity) { run(name: $run) {
    logLines(first: $first, after: $after) { edges { node { number timestamp level label line } } pageInfo { endCursor hasNextPage } }
  } }
}`;

interface Page { lines: LogLine[]; endCursor: string | null; hasNextPage: boolean }

async function fetchPage(entity: string, project: string, run: string, after: string | null, signal?: AbortSignal): Promise<Page> {
  const d = await gql<{ project: { run: { logLines: { edges: { node: LogLine }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } } | null } | null }>(
    LOG_LINES, { entity, project, run, first: PAGE, after }, signal);
  const conn = d.project?.run?.logLines;
  if (!conn) return { lines: [], endCursor: after, hasNextPage: false };
  return { lines: conn.edges.map((e) => e.node), endCursor: conn.pageInfo.endCursor ?? after, hasNextPage: conn.pageInfo.hasNextPage };
}

/**
 * A run's console output: pages of 1,000 lines loaded as the reader scrolls to the end, only the visible lines
 * in the DOM, ANSI colours rendered, stderr marked, a text search and a per-label filter (shared-mode runs);
 * while the run is live, new lines are fetched after the last one when the server announces them (a delta).
 */
export function ConsoleLog({ entity, project, run, live }: { entity: string; project: string; run: string; live: boolean }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(true);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [search, setSearch] = useState('');
  const [label, setLabel] = useState<string>('');
  const busy = useRef(false);

  const loadNext = useCallback(async (signal?: AbortSignal) => {
    if (busy.current) return;
    busy.current = true;
    setLoading(true);
    try {
      const page = await fetchPage(entity, project, run, cursor, signal);
      setLines((prev) => (page.lines.length ? [...prev, ...page.lines] : prev));
      setCursor(page.endCursor);
      setHasMore(page.hasNextPage);
      setError(null);
    } catch (e) {
      if (!(e instanceof DOMException && e.name === 'AbortError')) setError(e as Error);
    } finally {
      busy.current = false;
      setLoading(false);
    }
  }, [entity, project, run, cursor]);

  // First page on open.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void loadNext();
  }, [loadNext]);

  // Live tail: the server pushes "console lines from..to stored"; the lines after the last one are fetched. An
  // update that comes while a fetch runs is served by one more fetch after it. Without the stream: a slow poll.
  const [announced, setAnnounced] = useState(0);
  const served = useRef(0);
  const connected = useLiveUpdates(entity, project, (u) => {
    if ((u.kind === 'console' && u.run === run) || u.kind === 'hello') setAnnounced((n) => n + 1);
  }, live);
  useEffect(() => {
    if (announced === served.current || hasMore || loading) return;
    served.current = announced;
    void loadNext();
  }, [announced, hasMore, loading, loadNext]);
  useEffect(() => {
    if (!live || hasMore || connected) return;
    const t = setInterval(() => void loadNext(), FALLBACK_REFETCH_MS);
    return () => clearInterval(t);
  }, [live, hasMore, connected, loadNext]);

  const labels = useMemo(() => [...new Set(lines.map((l) => l.label).filter((l): l is string => l !== null))].sort(), [lines]);
  const shown = useMemo(() => {
    const q = search.toLowerCase();
    return lines.filter((l) => (!label || l.label === label) && (!q || stripAnsi(l.line).toLowerCase().includes(q)));
  }, [lines, search, label]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: shown.length, getScrollElement: () => scroller.current, estimateSize: () => 20, overscan: 30,
  });
  const items = virtualizer.getVirtualItems();
  const lastVisible = items.at(-1)?.index ?? -1;
  useEffect(() => {
    if (hasMore && !loading && lastVisible >= shown.length - 50) void loadNext();
  }, [hasMore, loading, lastVisible, shown.length, loadNext]);

  return (
    <div className="console">
      <div className="console-bar">
        <input type="search" placeholder="Search the log" aria-label="Search the log" value={search} onChange={(e) => setSearch(e.target.value)} />
        {labels.length > 0 && (
          <select aria-label="Writer label" value={label} onChange={(e) => setLabel(e.target.value)}>
            <option value="">all writers</option>
            {labels.map((l) => <option key={l} value={l}>{l}</option>)}
          </select>
        )}
        <span className="muted" data-testid="log-count">
          {shown.length === lines.length ? `${lines.length} lines` : `${shown.length} of ${lines.length} lines`}
          {hasMore ? ' (more as you scroll)' : live ? ' · live' : ''}
        </span>
      </div>
      {error && <p role="alert" className="error">{error.message}</p>}
      {!loading && lines.length === 0 && !error && <p className="muted">No console output.</p>}
      <div ref={scroller} className="console-scroll" role="log" aria-label="Console output">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((vi) => {
            const l = shown[vi.index]!;
            return (
              <div key={vi.key} ref={virtualizer.measureElement} data-index={vi.index}
                className={`console-line${l.level === 'error' ? ' stderr' : ''}`} data-level={l.level}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${vi.start}px)` }}>
                <span className="line-no" aria-hidden="true">{l.number}</span>
                {l.level === 'error' && <span className="sr-only">stderr: </span>}
                {l.label && <span className="line-label">[{l.label}]</span>}
                <AnsiText text={l.line} />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

export function AnsiText({ text }: { text: string }) {
  const cut = text.length > MAX_LINE_CHARS;
  const segments = useMemo(() => parseAnsi(cut ? text.slice(0, MAX_LINE_CHARS) : text), [text, cut]);
  return (
    <span className="line-text">
      {segments.map((s, i) => (Object.keys(s.style).length === 0 ? s.text : <span key={i} style={cssOf(s.style)}>{s.text}</span>))}
      {cut && <span className="muted cut"> … ({(text.length - MAX_LINE_CHARS).toLocaleString('en')} more characters)</span>}
    </span>
  );
}

const cssOf = (s: AnsiStyle): CSSProperties => ({
  ...(s.color ? { color: s.color } : {}),
  ...(s.background ? { backgroundColor: s.background } : {}),
  ...(s.bold ? { fontWeight: 'bold' } : {}),
  ...(s.dim ? { opacity: 0.7 } : {}),
  ...(s.italic ? { fontStyle: 'italic' } : {}),
  ...(s.underline ? { textDecoration: 'underline' } : {}),
});
