import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setCsrfToken } from '../lib/api';
import { mockFetch } from '../lib/test-fetch';
import { App, Page } from '../app/App';
import { SignIn } from './auth/SignIn';
import { SESSION_KEY } from './auth/session';
import { AnsiText, ConsoleLog, MAX_LINE_CHARS } from './run/ConsoleLog';
import { RunPage, unwrapConfig } from './run/RunPage';
import { SettingsPage } from './settings/SettingsPage';

function withClient(ui: ReactNode, client = new QueryClient({ defaultOptions: { queries: { retry: false } } })) {
  return { client, ...render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>) };
}

afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken(null);
});

describe('SignIn', () => {
  it('shows the server message for a wrong password and keeps the form', async () => {
    const calls = mockFetch(() => ({ status: 401, body: { error: 'wrong username or password', code: 'UNAUTHENTICATED' } }));
    withClient(<SignIn />);
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'admin' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', 'wrong username or password');
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/session', body: { username: 'admin', password: 'nope' } });
    expect(screen.getByRole('button', { name: 'Sign in' })).toHaveProperty('disabled', false);
  });

  it('stores the session (and its CSRF token) on success', async () => {
    const session = { user: { username: 'admin', email: null, admin: true }, csrfToken: 'tok-1', expiresAt: '2030-01-01T00:00:00Z' };
    const calls = mockFetch((c) => (c.url === '/api/v1/session' ? { body: session } : { status: 204 }));
    const { client } = withClient(<SignIn />);
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'admin' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'pw' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(client.getQueryData(SESSION_KEY)).toEqual(session));
    // The next state-changing request carries the token.
    const { apiFetch } = await import('../lib/api');
    await apiFetch('/api/v1/keys/1', { method: 'DELETE' });
    expect(calls.at(-1)!.headers['x-csrf-token']).toBe('tok-1');
  });
});

describe('App', () => {
  it('goes from the sign-in form to the signed-in pages and back on sign-out', async () => {
    const session = { user: { username: 'carol', email: null, admin: false }, csrfToken: 'tok-2', expiresAt: '2030-01-01T00:00:00Z' };
    let signedIn = false;
    const calls = mockFetch((c) => {
      if (c.url === '/api/v1/session' && c.method === 'GET') return signedIn ? { body: session } : { status: 401, body: { error: 'not signed in' } };
      if (c.url === '/api/v1/session' && c.method === 'POST') { signedIn = true; return { body: session }; }
      if (c.url === '/api/v1/session' && c.method === 'DELETE') { signedIn = false; return { status: 204 }; }
      if (c.url === '/graphql') return { body: { data: { viewer: { username: 'carol', teams: { edges: [] } }, entity: { name: 'carol', projects: { edges: [] } } } } };
      return undefined;
    });
    withClient(<App />);
    fireEvent.change(await screen.findByLabelText('Username'), { target: { value: 'carol' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'pw' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByTestId('whoami')).textContent).toBe('carol');
    expect(await screen.findByText(/No projects in/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(calls.find((c) => c.method === 'DELETE')!.headers['x-csrf-token']).toBe('tok-2');
  });
});

describe('SettingsPage', () => {
  beforeEach(() => setCsrfToken('csrf-abc'));

  it('lists keys, shows a new key once with the login line, and revokes with the CSRF token', async () => {
    let keys = [{ id: 1, name: 'old' as string | null, prefix: 'local-aaaa', createdAt: '2025-01-01T00:00:00Z', revokedAt: null as string | null }];
    const calls = mockFetch((c) => {
      if (c.method === 'GET' && c.url === '/api/v1/keys') return { body: { keys } };
      if (c.method === 'POST' && c.url === '/api/v1/keys') {
        const k = { id: 2, name: (c.body as { name?: string }).name ?? null, prefix: 'local-bbbb', createdAt: '2025-01-02T00:00:00Z', revokedAt: null };
        keys = [...keys, k];
        return { status: 201, body: { ...k, key: 'local-bbbb-secret' } };
      }
      if (c.method === 'DELETE' && c.url === '/api/v1/keys/1') {
        keys = keys.map((k) => (k.id === 1 ? { ...k, revokedAt: '2025-01-03T00:00:00Z' } : k));
        return { body: keys[0] };
      }
      return undefined;
    });
    vi.stubGlobal('confirm', () => true);
    withClient(<SettingsPage />);
    expect(await screen.findByText('old')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'laptop' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create API key' }));
    expect((await screen.findByTestId('new-key')).textContent).toBe('local-bbbb-secret');
    expect(screen.getByTestId('login-line').textContent).toBe(`wandb login --host ${window.location.origin} local-bbbb-secret`);
    expect(calls.find((c) => c.method === 'POST')!.headers['x-csrf-token']).toBe('csrf-abc');
    expect(await screen.findByText('laptop')).toBeTruthy();

    const row = document.querySelector('tr[data-key-id="1"]') as HTMLElement;
    fireEvent.click(within(row).getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(within(document.querySelector('tr[data-key-id="1"]') as HTMLElement).getByText(/^revoked/)).toBeTruthy());
    expect(calls.find((c) => c.method === 'DELETE')!.headers['x-csrf-token']).toBe('csrf-abc');
  });
});

describe('not-found pages', () => {
  it('shows not found for a path no page has', () => {
    mockFetch(() => undefined);
    withClient(<Page pathname="/a/b/c/d/e" />);
    expect(screen.getByTestId('not-found').textContent).toContain('There is no page at this address');
  });

  it('shows not found for a missing (or hidden) project and for a missing run', async () => {
    mockFetch((c) => {
      const vars = (c.body as { variables: { project: string } }).variables;
      return { body: { data: { project: vars.project === 'exists' ? { name: 'exists', run: null } : null } } };
    });
    withClient(<RunPage entity="alice" project="nope" run="r1" />);
    expect((await screen.findByTestId('not-found')).textContent).toContain('Project alice/nope does not exist, or you do not have access to it.');
    cleanup();
    withClient(<RunPage entity="alice" project="exists" run="r1" />);
    expect((await screen.findByTestId('not-found')).textContent).toContain('Run r1 in alice/exists does not exist');
  });
});

describe('console output', () => {
  it('renders ANSI colours, marks stderr and cuts a huge line', () => {
    render(<AnsiText text={'\x1b[32mgreen\x1b[0m plain'} />);
    const green = screen.getByText('green');
    expect(green.style.color).toBe('rgb(16, 124, 16)');
    render(<AnsiText text={'x'.repeat(MAX_LINE_CHARS + 5)} />);
    expect(screen.getByText(/5 more characters/)).toBeTruthy();
  });

  it('loads pages of log lines and shows stderr lines highlighted', async () => {
    // jsdom has no layout: give the scroll box a height so the virtual list renders rows.
    vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(600);
    vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(800);
    const calls = mockFetch(() => ({ body: { data: { project: { run: { logLines: {
      edges: [
        { node: { number: 1, timestamp: null, level: 'info', label: null, line: 'epoch 1 \x1b[31mloss\x1b[0m=0.5' } },
        { node: { number: 2, timestamp: null, level: 'error', label: null, line: 'Traceback: boom' } },
      ],
      pageInfo: { endCursor: 'MQ==', hasNextPage: false },
    } } } } } }));
    withClient(<ConsoleLog entity="e" project="p" run="r" live={false} />);
    await waitFor(() => expect(screen.getByTestId('log-count').textContent).toBe('2 lines'));
    const err = (await screen.findByText('Traceback: boom')).closest('.console-line')!;
    expect(err.classList.contains('stderr')).toBe(true);
    expect(screen.getByText('loss').style.color).toBe('rgb(205, 49, 49)');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toMatchObject({ variables: { entity: 'e', project: 'p', run: 'r', first: 1000, after: null } });
  });
});

describe('run overview helpers', () => {
  it('unwraps W&B config values and drops _wandb', () => {
    expect(unwrapConfig({ lr: { value: 0.1, desc: null }, _wandb: { value: {} }, raw: 3 })).toEqual({ lr: 0.1, raw: 3 });
  });
});
