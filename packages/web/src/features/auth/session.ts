import { useQuery, type QueryClient } from '@tanstack/react-query';
import { apiFetch, isUnauthenticated, setCsrfToken } from '../../lib/api';

export interface SessionUser { username: string; email: string | null; admin: boolean }
export interface Session { user: SessionUser; csrfToken: string; expiresAt: string }

export const SESSION_KEY = ['session'] as const;

/** The signed-in session, or null when signed out (401). Keeps the CSRF token in step with it. */
export function useSession() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: async ({ signal }) => {
      try {
        const s = await apiFetch<Session>('/api/v1/session', { signal });
        setCsrfToken(s.csrfToken);
        return s;
      } catch (e) {
        if (isUnauthenticated(e)) {
          setCsrfToken(null);
          return null;
        }
        throw e;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
}

export async function signIn(client: QueryClient, username: string, password: string): Promise<Session> {
  const s = await apiFetch<Session>('/api/v1/session', { body: { username, password } });
  setCsrfToken(s.csrfToken);
  forgetAllButSession(client);
  client.setQueryData(SESSION_KEY, s);
  return s;
}

export async function signOut(client: QueryClient) {
  try {
    await apiFetch<void>('/api/v1/session', { method: 'DELETE' });
  } finally {
    setCsrfToken(null);
    forgetAllButSession(client);
    client.setQueryData(SESSION_KEY, null);
  }
}

/**
 * Drops every cached answer of the previous user. The session query itself stays (it is updated in place): the
 * App is subscribed to it, and a removed query would never tell it about the new session.
 */
function forgetAllButSession(client: QueryClient) {
  client.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
}
