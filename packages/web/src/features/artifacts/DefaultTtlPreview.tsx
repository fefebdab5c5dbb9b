import { useState, type FormEvent } from 'react';
import { apiFetch } from '../../lib/api';
import { formatExpiry, parseDuration } from './ttl';

interface DefaultPreview {
  inheriting: number; wouldExpire: number; pastDue: number; changed: number; earliest: string | null; latest: string | null;
  soonest: { collection: string; version: number; expiresAt: string }[]; truncated: boolean;
}

/**
 * Dry run of a default TTL on the project or one collection: how many versions inherit it, how many would
 * expire and when. Nothing is changed (the operator sets defaults with `cairn artifacts ttl-default`).
 */
export function DefaultTtlPreview({ entity, project, collections }: { entity: string; project: string; collections: string[] }) {
  const [collection, setCollection] = useState('');
  const [value, setValue] = useState('30d');
  const [result, setResult] = useState<DefaultPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setResult(null);
    const v = value.trim().toLowerCase();
    const seconds = v === 'none' ? 0 : v === 'unset' ? null : parseDuration(v);
    if (seconds === null && v !== 'unset') return setError(`not a duration: "${value}" (use e.g. 30d, or none / unset)`);
    const qs = new URLSearchParams({ ...(collection ? { collection } : {}), ...(seconds !== null ? { value: String(seconds) } : {}) });
    try {
      setResult(await apiFetch<DefaultPreview>(`/api/v1/projects/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/ttl-default-preview?${qs}`));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <section aria-label="Default TTL preview">
      <h2>Preview a default TTL</h2>
      <form className="inline-form" onSubmit={(e) => void submit(e)}>
        <select aria-label="Scope" value={collection} onChange={(e) => setCollection(e.target.value)}>
          <option value="">whole project</option>
          {collections.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
        <input aria-label="Default TTL" value={value} onChange={(e) => setValue(e.target.value)} size={8} placeholder="30d, none, unset" />
        <button type="submit">Preview</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {result && (
        <div data-testid="default-ttl-preview">
          <p>{result.inheriting} version{result.inheriting === 1 ? '' : 's'} follow the default; {result.changed} would change.{' '}
            {result.wouldExpire} would expire{result.wouldExpire > 0 ? `, from ${formatExpiry(result.earliest)} to ${formatExpiry(result.latest)}` : ''}
            {result.pastDue > 0 ? `; ${result.pastDue} at once (already past)` : ''}.{result.truncated ? ' (Counted the first 100,000 versions.)' : ''}</p>
          {result.soonest.length > 0 && (
            <table className="plain"><thead><tr><th>Version</th><th>Would expire (UTC)</th></tr></thead>
              <tbody>{result.soonest.map((s) => <tr key={`${s.collection}:${s.version}`}><td>{s.collection}:v{s.version}</td><td>{formatExpiry(s.expiresAt)}</td></tr>)}</tbody>
            </table>
          )}
          <p className="hint">To apply: <code>cairn artifacts ttl-default {entity}/{project}{collection ? `/${collection}` : ''} {value.trim()}</code></p>
        </div>
      )}
    </section>
  );
}
