import { useQuery } from '@tanstack/react-query';
import { apiFetch, gql, isNotFound } from '../../lib/api';
import { Link } from '../../app/router';
import { ErrorNote, NotFound } from '../common/NotFound';
import { ProjectHead } from './ArtifactsPage';
import { expiryOf, formatBytes, formatTtl, versionPath } from './paths';
import { DefaultTtlPreview } from './DefaultTtlPreview';
import { StorageGrowth } from './StorageGrowth';
import './artifacts.css';

const EXPIRING = `query($entity: String!, $project: String!) { project(name: $project, entityName: $entity) {
  artifactCollections(first: 100) { edges { node { name defaultArtifactType { name }
    artifacts(first: 50) { edges { version node { id createdAt size ttlDurationSeconds } } } } } }
} }`;
interface Expiring { collection: string; type: string; version: string; size: number; ttl: number; expires: Date }

/** Versions with a TTL, soonest to expire first (the newest 50 versions of the first 100 collections). */
async function fetchExpiring(entity: string, project: string, signal: AbortSignal): Promise<Expiring[]> {
  const d = await gql<{ project: { artifactCollections: { edges: { node: {
    name: string; defaultArtifactType: { name: string };
    artifacts: { edges: { version: string; node: { createdAt: string; size: number; ttlDurationSeconds: number } }[] } | null;
  } }[] } } | null }>(EXPIRING, { entity, project }, signal);
  const out: Expiring[] = [];
  for (const { node: c } of d.project?.artifactCollections.edges ?? []) {
    for (const { version, node: v } of c.artifacts?.edges ?? []) {
      const expires = expiryOf(v.createdAt, v.ttlDurationSeconds);
      if (expires) out.push({ collection: c.name, type: c.defaultArtifactType.name, version, size: v.size, ttl: v.ttlDurationSeconds, expires });
    }
  }
  return out.sort((a, b) => a.expires.getTime() - b.expires.getTime());
}

interface StorageUsage { logicalBytes: number; storedBytes: number; collections: { name: string; logicalBytes: number; storedBytes: number; versions: number }[] }

/** Artifact storage of a project: bytes as logged (logical) and bytes stored after content dedup, per collection. */
export function StoragePage({ entity, project }: { entity: string; project: string }) {
  const q = useQuery({
    queryKey: ['storage', entity, project],
    queryFn: ({ signal }) => apiFetch<StorageUsage>(`/api/v1/projects/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/storage`, { signal }),
    retry: (n, e) => !isNotFound(e) && n < 2,
  });
  if (q.error && isNotFound(q.error)) return <NotFound what="This project" />;
  const expiring = useQuery({
    queryKey: ['expiring', entity, project],
    enabled: !!q.data,
    queryFn: ({ signal }) => fetchExpiring(entity, project, signal),
  });
  const rows = [...(q.data?.collections ?? [])].sort((a, b) => b.storedBytes - a.storedBytes);
  return (
    <main className="page storage-page">
      <ProjectHead entity={entity} project={project} current="storage" />
      {q.error && <ErrorNote error={q.error} />}
      {q.data && (
        <>
          <dl className="facts">
            <div><dt>Stored</dt><dd data-testid="stored-bytes">{formatBytes(q.data.storedBytes)}</dd></div>
            <div><dt>Logical</dt><dd data-testid="logical-bytes">{formatBytes(q.data.logicalBytes)}</dd></div>
            <div><dt>Saved by dedup</dt><dd>{formatBytes(Math.max(0, q.data.logicalBytes - q.data.storedBytes))}</dd></div>
          </dl>
          <StorageGrowth entity={entity} project={project} />
          <table className="plain">
            <thead><tr><th>Collection</th><th className="num">Versions</th><th className="num">Stored</th><th className="num">Logical</th></tr></thead>
            <tbody>{rows.map((c) => (
              <tr key={c.name} data-collection={c.name}>
                <td>{c.name}</td><td className="num">{c.versions}</td><td className="num">{formatBytes(c.storedBytes)}</td><td className="num">{formatBytes(c.logicalBytes)}</td>
              </tr>))}</tbody>
          </table>
          <DefaultTtlPreview entity={entity} project={project} collections={rows.map((c) => c.name)} />
          <h2>Scheduled to expire</h2>
          {expiring.error && <ErrorNote error={expiring.error} />}
          {expiring.data?.length === 0 && <p className="muted">No version has a TTL.</p>}
          {expiring.data && expiring.data.length > 0 && (
            <table className="plain" data-testid="expiring">
              <thead><tr><th>Version</th><th className="num">Size</th><th>TTL</th><th>Expires (UTC)</th></tr></thead>
              <tbody>{expiring.data.map((e) => (
                <tr key={`${e.collection}:${e.version}`}>
                  <td><Link to={versionPath(entity, project, e.type, e.collection, e.version)}>{e.collection}:{e.version}</Link></td>
                  <td className="num">{formatBytes(e.size)}</td><td>{formatTtl(e.ttl)}</td>
                  <td>{e.expires.toISOString().replace('T', ' ').slice(0, 16)}{e.expires.getTime() < Date.now() ? ' (due)' : ''}</td>
                </tr>))}</tbody>
            </table>
          )}
        </>
      )}
    </main>
  );
}
