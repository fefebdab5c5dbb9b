/**
 * The one place the UI talks HTTP: same-origin JSON with the session cookie, the session's CSRF token on every
 * state-changing request, and server errors turned into ApiError (status + stable code + message).
 */

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string | null, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export const isNotFound = (e: unknown) => e instanceof ApiError && e.status === 404;
export const isUnauthenticated = (e: unknown) => e instanceof ApiError && e.status === 401;

let csrfToken: string | null = null;
/** Set from the session (sign-in or GET /api/v1/session); sent as X-CSRF-Token on POST/PUT/PATCH/DELETE. */
export const setCsrfToken = (token: string | null) => {
  csrfToken = token;
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** Let the request outlive the page (a save sent as the tab closes). */
  keepalive?: boolean;
}

export async function apiFetch<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (UNSAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin', signal: opts.signal ?? null, keepalive: opts.keepalive ?? false,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (a proxy's error page): reported below by status
  }
  if (!res.ok) throw errorOf(res.status, json);
  return json as T;
}

function errorOf(status: number, body: unknown): ApiError {
  const b = (body ?? {}) as { error?: unknown; message?: unknown; code?: unknown; errors?: { message?: unknown }[] };
  const message = [b.errors?.[0]?.message, b.error, b.message].find((m): m is string => typeof m === 'string' && m !== '')
    ?? `request failed (HTTP ${status})`;
  return new ApiError(status, typeof b.code === 'string' ? b.code : null, message);
}

/** POST /graphql with the session. GraphQL errors become ApiError even when the status is 200. */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
  const body = await apiFetch<{ data?: T; errors?: { message: string }[] }>('/graphql', { body: { query, variables }, signal });
  if (body.errors?.length) throw new ApiError(400, null, body.errors[0]!.message);
  return body.data as T;
}
