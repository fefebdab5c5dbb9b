import type { FastifyInstance } from 'fastify';
import type { Services } from '../core/services.js';
import { requireViewer } from './request-context.js';

/** A comment line this often keeps proxies (and idle-timeouts) from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/**
 * A stream ends after this long and the browser's EventSource reconnects (after `retry`): the viewer's session
 * and access are checked again, so a signed-out or removed viewer stops hearing within this bound.
 */
const DEFAULT_MAX_SECONDS = 300;
/** A client this far behind (bytes queued) is cut off; it reconnects and catches up from the stores. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Server-Sent Events of one project's LiveUpdates (core/live-updates.ts). Auth is the UI's (session cookie, or an
 * API key in Authorization for other clients); a project the viewer may not read answers 404 like every read.
 * Each event is `event: <kind>` + `data: <json>`; the first is `hello`, so a client knows it is subscribed (and, on a
 * reconnect, that it should refetch what it may have missed). `max_seconds` shortens the stream's life (0: hello only).
 */
export function registerLiveRoute(app: FastifyInstance, services: Services) {
  const open = new Set<() => void>();
  // preClose, not onClose: onClose runs only after every connection has ended, and an open stream would hold
  // graceful shutdown up to its lifetime; ended here, browsers reconnect (to another process behind the proxy).
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get<{ Params: { entity: string; project: string }; Querystring: { max_seconds?: string } }>(
    '/api/live/projects/:entity/:project',
    async (request, reply) => {
      const viewer = await requireViewer(request, services);
      const requested = Number(request.query.max_seconds ?? DEFAULT_MAX_SECONDS);
      const maxMs = 1000 * (Number.isFinite(requested) ? Math.min(Math.max(requested, 0), DEFAULT_MAX_SECONDS) : DEFAULT_MAX_SECONDS);
      const raw = reply.raw;
      const queue: string[] = [];
      let ready = false;
      const send = (chunk: string) => {
        if (!ready) {
          queue.push(chunk);
          return;
        }
        if (raw.writableEnded) return;
        if (raw.writableLength > MAX_BUFFERED_BYTES) return end();
        raw.write(chunk);
      };
      // Subscribing checks access (404 before any byte is sent); events arriving meanwhile wait in `queue`.
      const unsubscribe = await services.live.subscribeProject(viewer, request.params.entity, request.params.project,
        (update) => send(`event: ${update.kind}\ndata: ${JSON.stringify(update)}\n\n`));
      let heartbeat: NodeJS.Timeout | undefined;
      let lifetime: NodeJS.Timeout | undefined;
      let ended = false;
      function end() {
        if (ended) return;
        ended = true;
        unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(lifetime);
        open.delete(end);
        if (!raw.writableEnded) raw.end();
      }
      reply.hijack();
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx: do not buffer the stream.
        'x-accel-buffering': 'no',
      });
      open.add(end);
      // The browser went away (tab closed, navigation): its subscription is released at once.
      raw.on('close', end);
      raw.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify({ maxSeconds: maxMs / 1000 })}\n\n`);
      ready = true;
      for (const chunk of queue.splice(0)) send(chunk);
      if (maxMs === 0) return end();
      heartbeat = setInterval(() => send(': ping\n\n'), HEARTBEAT_MS);
      lifetime = setTimeout(end, maxMs);
    },
  );
}
