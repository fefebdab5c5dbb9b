import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { apiFetch } from '../../lib/api';
import { timeAgo } from '../../lib/format';
import { AlertSettings } from '../alerts/AlertSettings';

interface ApiKey { id: number; name: string | null; prefix: string; createdAt: string; revokedAt: string | null }
const KEYS = ['api-keys'] as const;

/** The signed-in user's API keys: create (shown once, with the login line), list, revoke. */
export function SettingsPage() {
  const client = useQueryClient();
  const keys = useQuery({ queryKey: KEYS, queryFn: ({ signal }) => apiFetch<{ keys: ApiKey[] }>('/api/v1/keys', { signal }) });
  const [name, setName] = useState('');
  const [created, setCreated] = useState<(ApiKey & { key: string }) | null>(null);

  const create = useMutation({
    mutationFn: (keyName: string) => apiFetch<ApiKey & { key: string }>('/api/v1/keys', { body: keyName ? { name: keyName } : {} }),
    onSuccess: (k) => {
      setCreated(k);
      setName('');
      void client.invalidateQueries({ queryKey: KEYS });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: number) => apiFetch<ApiKey>(`/api/v1/keys/${id}`, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: KEYS }),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(name.trim());
  };
  const loginLine = created ? `wandb login --host ${window.location.origin} ${created.key}` : '';

  return (
    <main className="page settings">
      <h1>Settings</h1>
      <section aria-labelledby="keys-title">
        <h2 id="keys-title">API keys</h2>
        <p>The <code>wandb</code> SDK and CLI sign in with an API key.</p>
        <form onSubmit={submit} className="inline-form">
          <label>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder="e.g. laptop" />
          </label>
          <button type="submit" disabled={create.isPending}>Create API key</button>
        </form>
        {create.error && <p role="alert" className="error">{create.error.message}</p>}
        {created && (
          <div className="new-key" role="status">
            <p><strong>Copy this key now: it is shown only once.</strong></p>
            <pre data-testid="new-key">{created.key}</pre>
            <p>Log in with:</p>
            <pre data-testid="login-line">{loginLine}</pre>
            <button type="button" onClick={() => void navigator.clipboard?.writeText(loginLine)}>Copy login command</button>
          </div>
        )}
        {keys.error && <p role="alert" className="error">{keys.error.message}</p>}
        <table className="plain">
          <thead><tr><th>Name</th><th>Key</th><th>Created</th><th>Status</th><th /></tr></thead>
          <tbody>
            {keys.data?.keys.map((k) => (
              <tr key={k.id} data-key-id={k.id}>
                <td>{k.name ?? <em>unnamed</em>}</td>
                <td><code>{k.prefix}…</code></td>
                <td title={k.createdAt}>{timeAgo(k.createdAt)}</td>
                <td>{k.revokedAt ? `revoked ${timeAgo(k.revokedAt)}` : 'active'}</td>
                <td>
                  {!k.revokedAt && (
                    <button type="button" className="danger" disabled={revoke.isPending}
                      onClick={() => { if (window.confirm(`Revoke key ${k.prefix}…? Clients using it stop working.`)) revoke.mutate(k.id); }}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {revoke.error && <p role="alert" className="error">{revoke.error.message}</p>}
      </section>
      <AlertSettings />
    </main>
  );
}
