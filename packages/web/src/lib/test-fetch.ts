import { vi } from 'vitest';

export interface Call { method: string; url: string; headers: Record<string, string>; body: unknown }
type Handler = (call: Call) => { status?: number; body?: unknown } | undefined;

/**
 * Replaces global fetch with a handler (tests only): records every call, answers JSON. A handler that returns
 * undefined fails the request with a 404 so a forgotten route shows up as an error in the component.
 */
export function mockFetch(handler: Handler) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const call: Call = {
      method: init.method ?? 'GET', url: String(input), headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const answer = handler(call) ?? { status: 404, body: { error: `no mock for ${call.method} ${call.url}` } };
    const status = answer.status ?? 200;
    return new Response(status === 204 ? null : JSON.stringify(answer.body ?? null), { status, headers: { 'content-type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return calls;
}
