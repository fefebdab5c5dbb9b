import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { apiFetch, gql } from '../../lib/api';
import { UPDATE_ARTIFACT } from './queries';
import { describeChange, ttlWireOf, type TtlMode, type TtlOutcome } from './ttl';

interface Preview { wire: number; current: TtlOutcome; proposed: TtlOutcome }

/**
 * A version's TTL: set a duration, inherit the collection/project default, or never expire. "Preview" asks the
 * server what the new expiry would be (defaults resolved there); "Apply" sends updateArtifact(ttlDurationSeconds).
 */
export function TtlEditor({ artifactId, canWrite, reason, onChanged }: { artifactId: string; canWrite: boolean; reason: string | null; onChanged: () => void }) {
  const client = useQueryClient();
  const [mode, setMode] = useState<TtlMode>('set');
  const [duration, setDuration] = useState('30d');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!canWrite) return <p className="hint" data-testid="ttl-readonly">{reason ?? 'You have read-only access here.'}</p>;

  const wireOrError = () => {
    const w = ttlWireOf(mode, duration);
    if ('error' in w) setError(w.error);
    return 'wire' in w ? w.wire : null;
  };
  const doPreview = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setPreview(null);
    const wire = wireOrError();
    if (wire === null) return;
    setBusy(true);
    try {
      const p = await apiFetch<Omit<Preview, 'wire'>>(`/api/v1/artifacts/${encodeURIComponent(artifactId)}/ttl-preview?ttl=${wire}`);
      setPreview({ ...p, wire });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const apply = async () => {
    if (!preview) return;
    setBusy(true);
    setError(null);
    try {
      await gql(UPDATE_ARTIFACT, { input: { artifactID: artifactId, ttlDurationSeconds: preview.wire } });
      setPreview(null);
      onChanged();
      void client.invalidateQueries({ queryKey: ['collection'] });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="ttl-editor">
      <form className="inline-form" onSubmit={(e) => void doPreview(e)}>
        <label className="sr-only" htmlFor={`ttl-mode-${artifactId}`}>TTL</label>
        <select id={`ttl-mode-${artifactId}`} data-testid="ttl-mode" value={mode} onChange={(e) => { setMode(e.target.value as TtlMode); setPreview(null); }}>
          <option value="set">Expire after</option>
          <option value="inherit">Inherit the default</option>
          <option value="never">Never expire</option>
        </select>
        {mode === 'set' && (
          <input aria-label="TTL duration" data-testid="ttl-duration" value={duration} size={8}
            onChange={(e) => { setDuration(e.target.value); setPreview(null); }} placeholder="30d" />
        )}
        <button type="submit" disabled={busy}>Preview</button>
      </form>
      {preview && (
        <div className="ttl-preview" data-testid="ttl-preview">
          <p>{describeChange(preview.current, preview.proposed, new Date())}</p>
          <button type="button" disabled={busy} onClick={() => void apply()}>Apply</button>{' '}
          <button type="button" className="link" onClick={() => setPreview(null)}>Cancel</button>
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </div>
  );
}
