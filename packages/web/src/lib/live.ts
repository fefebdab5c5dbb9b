/**
 * Server push for open pages: one EventSource per project (GET /api/live/projects/:entity/:project, shared by
 * every component of the page that listens), delivering the server's LiveUpdates (shapes documented in
 * packages/server/src/core/live-updates.ts). The stream sends deltas only; listeners fetch what changed.
 * When the stream (re)connects, listeners get a `hello` and refetch what they may have missed.
 */
import { useEffect, useRef, useSyncExternalStore } from 'react';

export type LiveUpdate =
  | { kind: 'hello' }
  | { kind: 'run'; run: string; state: string; created?: true }
  | { kind: 'history'; run: string; from?: number; to?: number; keys?: string[] }
  | { kind: 'console'; run: string; from: number; to: number }
  | { kind: 'system'; run: string };

const KINDS = ['hello', 'run', 'history', 'console', 'system'] as const;
/** While the stream is down, pages fall back to refetching this often. */
export const FALLBACK_REFETCH_MS = 10_000;

interface Channel {
  source: EventSource | null;
  connected: boolean;
  listeners: Set<(u: LiveUpdate) => void>;
  watchers: Set<() => void>;
  users: number;
}
const channels = new Map<string, Channel>();

export const liveUrl = (entity: string, project: string) =>
  `/api/live/projects/${encodeURIComponent(entity)}/${encodeURIComponent(project)}`;

function channelOf(entity: string, project: string): Channel {
  const url = liveUrl(entity, project);
  let ch = channels.get(url);
  if (!ch) channels.set(url, (ch = { source: null, connected: false, listeners: new Set(), watchers: new Set(), users: 0 }));
  return ch;
}

function setConnected(ch: Channel, connected: boolean) {
  if (ch.connected === connected) return;
  ch.connected = connected;
  for (const w of ch.watchers) w();
}

function open(url: string, ch: Channel) {
  if (typeof EventSource === 'undefined') return; // jsdom, old browsers: pages keep their fallback refetch
  const source = new EventSource(url, { withCredentials: true });
  ch.source = source;
  for (const kind of KINDS) {
    source.addEventListener(kind, (ev) => {
      let update: LiveUpdate;
      try {
        update = kind === 'hello' ? { kind } : (JSON.parse((ev as MessageEvent<string>).data) as LiveUpdate);
      } catch {
        return;
      }
      if (kind === 'hello') setConnected(ch, true);
      for (const l of ch.listeners) l(update);
    });
  }
  // EventSource reconnects by itself (the server ends streams now and then); until then the page is not live.
  source.onerror = () => setConnected(ch, false);
}

function acquire(entity: string, project: string): Channel {
  const ch = channelOf(entity, project);
  ch.users++;
  if (!ch.source) open(liveUrl(entity, project), ch);
  return ch;
}

function release(ch: Channel) {
  ch.users--;
  if (ch.users > 0) return;
  ch.source?.close();
  ch.source = null;
  setConnected(ch, false);
}

/**
 * Calls `onUpdate` for each of the project's live updates while mounted (the latest callback: no resubscribe
 * when it changes). Returns whether the stream is connected: callers poll slowly (FALLBACK_REFETCH_MS) when not.
 */
export function useLiveUpdates(entity: string, project: string, onUpdate: (u: LiveUpdate) => void, enabled = true): boolean {
  const latest = useRef(onUpdate);
  latest.current = onUpdate;
  useEffect(() => {
    if (!enabled) return;
    const ch = acquire(entity, project);
    const listener = (u: LiveUpdate) => latest.current(u);
    ch.listeners.add(listener);
    return () => {
      ch.listeners.delete(listener);
      release(ch);
    };
  }, [entity, project, enabled]);
  return useSyncExternalStore(
    (cb) => {
      const ch = channelOf(entity, project);
      ch.watchers.add(cb);
      return () => ch.watchers.delete(cb);
    },
    () => enabled && (channels.get(liveUrl(entity, project))?.connected ?? false),
  );
}

/**
 * Runs `fn` at most once per `ms` (leading call at once, one trailing call for whatever came meanwhile): many
 * updates a second become one refetch.
 */
export function throttle(fn: () => void, ms: number): { call(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = -Infinity;
  const run = () => {
    timer = null;
    last = Date.now();
    fn();
  };
  return {
    call() {
      if (timer) return; // the scheduled call covers this one
      const wait = last + ms - Date.now();
      if (wait <= 0) run();
      else timer = setTimeout(run, wait);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
