import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { apiFetch } from '../../lib/api';
import { matchesSearch, type Section } from './sections';

/** What a user arranged on a project's workspace (server: core/workspace-layouts.ts). Only their changes. */
export interface WorkspaceLayout {
  version: 1;
  panels: {
    /** Metrics added as panels by hand (shown first, in the "Added" section). */
    added: string[];
    /** Panels removed (auto or added). */
    removed: string[];
    /** Panel width in grid columns (1–3); absent: 1. */
    sizes: Record<string, number>;
  };
  /** Colours picked by hand, by run name. */
  runColors: Record<string, string>;
  /** Runs-table extra columns; null: the automatic choice. */
  columns: string[] | null;
  /** Runs hidden from the charts (eye off), by run name. Absent in layouts saved before it existed. */
  hiddenRuns?: string[];
  /** Standard runs-table columns hidden (state, createdAt, tags, group, jobType). Absent: none. */
  hiddenColumns?: string[];
}

export const emptyLayout = (): WorkspaceLayout => ({ version: 1, panels: { added: [], removed: [], sizes: {} }, runColors: {}, columns: null, hiddenRuns: [], hiddenColumns: [] });
/** One shared empty layout while none is saved, so what depends on the layout does not change on every render. */
const NO_LAYOUT = emptyLayout();

/** Pure layout edits (tested in layout.test.ts). */
export const layoutEdits = {
  addPanel: (l: WorkspaceLayout, key: string): WorkspaceLayout => ({
    ...l, panels: { ...l.panels, added: l.panels.added.includes(key) ? l.panels.added : [...l.panels.added, key], removed: l.panels.removed.filter((k) => k !== key) },
  }),
  removePanel: (l: WorkspaceLayout, key: string): WorkspaceLayout => ({
    ...l, panels: { ...l.panels, added: l.panels.added.filter((k) => k !== key), removed: l.panels.removed.includes(key) ? l.panels.removed : [...l.panels.removed, key] },
  }),
  /** Widths cycle 1 → 2 → 3 → 1. */
  resizePanel: (l: WorkspaceLayout, key: string): WorkspaceLayout => {
    const next = ((l.panels.sizes[key] ?? 1) % 3) + 1;
    const sizes = { ...l.panels.sizes };
    if (next === 1) delete sizes[key];
    else sizes[key] = next;
    return { ...l, panels: { ...l.panels, sizes } };
  },
  setRunColor: (l: WorkspaceLayout, run: string, color: string | null): WorkspaceLayout => {
    const runColors = { ...l.runColors };
    if (color) runColors[run] = color;
    else delete runColors[run];
    return { ...l, runColors };
  },
  /** Hides a standard column of the runs table, or shows it again. */
  toggleHiddenColumn: (l: WorkspaceLayout, id: string): WorkspaceLayout => {
    const hidden = l.hiddenColumns ?? [];
    return { ...l, hiddenColumns: hidden.includes(id) ? hidden.filter((c) => c !== id) : [...hidden, id] };
  },
  /** Hides a run from the charts, or shows it again. */
  toggleHiddenRun: (l: WorkspaceLayout, run: string): WorkspaceLayout => {
    const hidden = l.hiddenRuns ?? [];
    return { ...l, hiddenRuns: hidden.includes(run) ? hidden.filter((r) => r !== run) : [...hidden, run] };
  },
};

const SAVE_DELAY_MS = 400;

export interface SaveState {
  /** An edit the server does not have yet (waiting for the delay, or its PUT in flight). */
  pending: boolean;
  /** The newest edit's save failed. */
  error: Error | null;
}

/**
 * Saves layout edits: one PUT shortly after the last edit, PUTs one at a time in edit order (an older layout never
 * lands after a newer one), and `pending` clears only when the newest edit is saved — not when an earlier PUT
 * finishes while a later edit still waits. Pure of React (tested in layout.test.ts).
 */
export function createLayoutSaver(
  put: (layout: WorkspaceLayout, opts: { keepalive: boolean }) => Promise<void>,
  onState: (state: SaveState) => void,
  delayMs = SAVE_DELAY_MS,
) {
  let edits = 0;
  let waiting: WorkspaceLayout | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let queue: Promise<void> = Promise.resolve();

  const send = (keepalive: boolean) => {
    if (timer) clearTimeout(timer);
    timer = null;
    const layout = waiting;
    if (!layout) return;
    waiting = null;
    const edit = edits;
    const settle = (error: Error | null) => {
      if (edit === edits) onState({ pending: false, error });
    };
    // keepalive: a page being left still sends it (the queue is idle then unless a PUT is in flight: it starts in the
    // microtask after the pagehide handler).
    const sent = queue.then(() => put(layout, { keepalive }));
    queue = sent.then(() => settle(null), (e: unknown) => settle(e instanceof Error ? e : new Error(String(e))));
  };

  return {
    edit(layout: WorkspaceLayout) {
      edits += 1;
      waiting = layout;
      onState({ pending: true, error: null });
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => send(false), delayMs);
    },
    /** Sends a waiting edit now (the page is being hidden or left). */
    flush: () => send(true),
    dispose() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * The workspace layout: loaded from the server, edited locally at once, saved (PUT) shortly after the last edit.
 * `saved` says whether the server has the current state (for the e2e test and a "saving…" hint).
 */
export function useWorkspaceLayout(entity: string, project: string, enabled: boolean) {
  const path = `/api/v1/projects/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/layout`;
  const client = useQueryClient();
  const loaded = useQuery({
    queryKey: ['layout', entity, project], enabled,
    queryFn: ({ signal }) => apiFetch<{ layout: WorkspaceLayout | null }>(path, { signal }),
    staleTime: Infinity,
  });
  const [local, setLocal] = useState<WorkspaceLayout | null>(null);
  const [state, setState] = useState<SaveState>({ pending: false, error: null });
  const layout = local ?? loaded.data?.layout ?? NO_LAYOUT;
  const latest = useRef(layout);
  latest.current = layout;

  const saver = useMemo(() => createLayoutSaver(async (l, { keepalive }) => {
    await apiFetch(path, { method: 'PUT', body: l, keepalive });
    client.setQueryData(['layout', entity, project], { layout: l });
  }, setState), [path, client, entity, project]);

  useEffect(() => {
    // An edit made just before the tab is closed or navigated away from is still saved.
    const flush = () => saver.flush();
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      saver.flush();
      saver.dispose();
    };
  }, [saver]);

  const update = useCallback((edit: (l: WorkspaceLayout) => WorkspaceLayout) => {
    const next = edit(latest.current);
    latest.current = next;
    setLocal(next);
    saver.edit(next);
  }, [saver]);

  return { layout, update, ready: !enabled || !loaded.isPending, saved: !state.pending && !state.error, error: state.error };
}

/** Panels added by hand come first, in this section. */
export const ADDED_SECTION = 'Added';

/** Sections after the user's changes: added metrics first, removed panels left out. Pure. */
export function arrangeSections(auto: Section[], layout: WorkspaceLayout | undefined, search: string): Section[] {
  if (!layout) return auto;
  const removed = new Set(layout.panels.removed);
  const added = layout.panels.added.filter((k) => !removed.has(k) && matchesSearch(k, search));
  const rest = auto.map((s) => ({ ...s, keys: s.keys.filter((k) => !removed.has(k)) })).filter((s) => s.keys.length > 0);
  return added.length > 0 ? [{ name: ADDED_SECTION, keys: added }, ...rest] : rest;
}
