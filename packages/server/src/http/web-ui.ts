import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * First path segments that belong to the API, the SDK's wire protocol and file transfer. The SPA fallback never
 * answers under them, so an unknown API path keeps its JSON 404 and a client route can never shadow a server
 * route. (An entity with one of these names has no pages; its data stays reachable through the API.)
 */
const SERVER_SEGMENTS = new Set(['api', 'graphql', 'files', 'storage', 'artifacts', 'artifactsV2', 'metrics', 'ready', 'healthz', 'assets']);

export const isClientRoute = (url: string) => {
  const first = url.split('?', 1)[0]!.split('/')[1] ?? '';
  return !SERVER_SEGMENTS.has(first);
};

/** True when `dir` holds a built web UI (index.html). */
export const hasWebBuild = (dir: string) => existsSync(path.join(dir, 'index.html'));

/**
 * Serves the built web UI from `webDir`: hashed assets under /assets/ (cached for a year), and index.html
 * for any other browser GET that no server route answers (client-side routes such as /entity/project).
 */
export async function registerWebUi(app: FastifyInstance, webDir: string) {
  await app.register(fastifyStatic, {
    root: path.join(webDir, 'assets'),
    prefix: '/assets/',
    // Vite names every asset by its content hash: a URL never changes meaning.
    immutable: true,
    maxAge: 365 * 24 * 3600 * 1000,
    // index.html is sent below with its own headers; sendFile needs the decorator.
    decorateReply: true,
    index: false,
  });

  const sendIndex = (reply: FastifyReply) =>
    reply.header('Cache-Control', 'no-cache').header('X-Content-Type-Options', 'nosniff')
      .sendFile('index.html', webDir, { cacheControl: false });

  app.get('/', (_request, reply) => sendIndex(reply));

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const wantsHtml = (request.headers.accept ?? '').includes('text/html');
    if ((request.method === 'GET' || request.method === 'HEAD') && wantsHtml && isClientRoute(request.url)) {
      return sendIndex(reply);
    }
    // Fastify's own 404 body, unchanged for API clients.
    return reply.code(404).send({ message: `Route ${request.method}:${request.url} not found`, error: 'Not Found', statusCode: 404 });
  });
}
