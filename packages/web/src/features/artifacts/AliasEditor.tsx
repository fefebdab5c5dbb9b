import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../lib/api';
import { changeAlias, fetchAliasPermissions } from './queries';

/** Aliases of one version in one collection. `where.project` is a project or a registry's wandb-registry-* project. */
export function AliasEditor({ artifactId, where, aliases, onChanged, label = 'Aliases', showReason = true }: {
  artifactId: string; where: { entity: string; project: string; collection: string }; aliases: string[];
  onChanged: () => void; label?: string;
  /** Off where the page states the reason once for many editors. */
  showReason?: boolean;
}) {
  const perms = useQuery({
    queryKey: ['alias-permissions', where.entity, where.project],
    queryFn: ({ signal }) => fetchAliasPermissions(where.entity, where.project, signal),
    staleTime: 30_000,
  });
  const client = useQueryClient();
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const p = perms.data;
  const isProtected = (a: string) => !!p?.protectedAliases.includes(a);
  /** Why this alias may not be changed by the viewer, or null when it may. */
  const refusal = (a: string): string | null => {
    if (!p) return 'Checking permissions…';
    if (!p.canWrite) return p.reason ?? 'You have read-only access here.';
    if (isProtected(a) && !p.canChangeProtected) return p.reason ?? `${a} is a protected alias.`;
    return null;
  };
  const run = async (alias: string, remove: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await changeAlias(artifactId, where, alias, remove);
      setDraft('');
      onChanged();
      void client.invalidateQueries({ queryKey: ['promotion-history'] });
    } catch (e) {
      setError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const alias = draft.trim();
    if (alias === '') return;
    if (refusal(alias)) return setError(refusal(alias));
    void run(alias, false);
  };
  const draftRefusal = draft.trim() ? refusal(draft.trim()) : null;
  return (
    <div className="alias-editor" aria-label={label} role="group">
      <div className="alias-list">
        {aliases.length === 0 && <span className="muted">none</span>}
        {aliases.map((a) => {
          const why = a === 'latest' ? 'latest is moved by the server to the newest version.' : refusal(a);
          return (
            <span key={a} className={`tag alias${isProtected(a) ? ' protected' : ''}`} data-alias={a}>
              {a}{isProtected(a) && <span className="protected-mark" title="Protected alias: only registry admins change it">protected</span>}
              <button type="button" className="link remove" aria-label={`Remove alias ${a}`} disabled={busy || why !== null}
                title={why ?? `Remove ${a}`} onClick={() => void run(a, true)}>×</button>
            </span>
          );
        })}
      </div>
      {p && p.canWrite && (
        <form className="inline-form alias-form" onSubmit={submit}>
          <label className="sr-only" htmlFor={`alias-${artifactId}`}>New alias</label>
          <input id={`alias-${artifactId}`} placeholder="add alias" value={draft} onChange={(e) => setDraft(e.target.value)} list={`protected-${artifactId}`} />
          <datalist id={`protected-${artifactId}`}>{p.protectedAliases.map((a) => <option key={a} value={a} />)}</datalist>
          <button type="submit" disabled={busy || !draft.trim() || draftRefusal !== null} title={draftRefusal ?? undefined}>Add alias</button>
        </form>
      )}
      {p && showReason && p.reason !== null && <p className="hint" data-testid="alias-reason">{p.reason}</p>}
      {perms.error && <p className="error" role="alert">{perms.error.message}</p>}
      {error && <p className="error" role="alert">{error}</p>}
    </div>
  );
}
