import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { gql } from '../../lib/api';
import { timeAgo } from '../../lib/format';
import { Link, pathOf } from '../../app/router';
import { ErrorNote, NotFound } from '../common/NotFound';
import { artifactsPath, collectionPath, formatBytes, storagePath, utcIso } from './paths';
import { TYPES_AND_COLLECTIONS, type CollectionSummary, type TypesAndCollections } from './queries';
import './artifacts.css';

/** A project's artifacts: each type with its collections (latest version, size, last change), filterable by name. */
export function ArtifactsPage({ entity, project }: { entity: string; project: string }) {
  const [filter, setFilter] = useState('');
  const q = useQuery({
    queryKey: ['artifacts', entity, project],
    queryFn: ({ signal }) => gql<TypesAndCollections>(TYPES_AND_COLLECTIONS, { entity, project }, signal),
  });
  if (q.error) return <main className="page"><ErrorNote error={q.error} /></main>;
  if (q.data && !q.data.project) return <NotFound what="This project" />;
  const needle = filter.trim().toLowerCase();
  const types = groupByType(q.data?.project);
  return (
    <main className="page artifacts-page">
      <ProjectHead entity={entity} project={project} current="artifacts" />
      <div className="artifacts-bar">
        <input type="search" placeholder="Filter collections by name" aria-label="Filter collections" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      {q.isPending && <p className="muted">Loading…</p>}
      {q.data && types.length === 0 && (
        <div className="empty">
          <p>No artifacts in this project yet. Log one with the <code>wandb</code> SDK:</p>
          <pre>{`art = wandb.Artifact('my-dataset', type='dataset')\nart.add_file('data.csv')\nrun.log_artifact(art)`}</pre>
        </div>
      )}
      {types.map((t) => {
        const collections = t.collections.filter((c) => !needle || c.name.toLowerCase().includes(needle));
        if (collections.length === 0 && needle) return null;
        return (
          <section key={t.name} className="artifact-type" data-type={t.name}>
            <h2>{t.name} <span className="muted">({t.collections.length})</span></h2>
            <table className="plain">
              <thead><tr><th>Collection</th><th>Latest</th><th className="num">Size</th><th>Tags</th><th>Updated</th></tr></thead>
              <tbody>
                {collections.map((c) => (
                  <tr key={c.id} data-collection={c.name}>
                    <td><Link to={collectionPath(entity, project, t.name, c.name)}>{c.name}</Link>{c.description && <div className="muted small">{c.description}</div>}</td>
                    <td>{c.latestArtifact?.versionIndex != null ? `v${c.latestArtifact.versionIndex}` : '—'}</td>
                    <td className="num">{formatBytes(c.latestArtifact?.size)}</td>
                    <td>{c.tags.edges.map((e) => <span key={e.node.name} className="tag">{e.node.name}</span>)}</td>
                    <td title={c.updatedAt ?? c.createdAt}>{timeAgo(utcIso(c.updatedAt ?? c.createdAt))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        );
      })}
    </main>
  );
}

/** Collections under their type, types in the server's order (a type with no collection left is still listed). */
function groupByType(project: TypesAndCollections['project'] | undefined): { name: string; collections: CollectionSummary[] }[] {
  if (!project) return [];
  const byType = new Map<string, CollectionSummary[]>(project.artifactTypes.edges.map((e) => [e.node.name, []]));
  for (const { node } of project.artifactCollections.edges) {
    const list = byType.get(node.defaultArtifactType.name);
    if (list) list.push(node);
    else byType.set(node.defaultArtifactType.name, [node]);
  }
  return [...byType].map(([name, collections]) => ({ name, collections }));
}

/** The project title with its sections: runs, artifacts, storage. */
export function ProjectHead({ entity, project, current }: { entity: string; project: string; current: 'artifacts' | 'storage' | null }) {
  return (
    <header className="page-head">
      <h1><Link to={pathOf(entity)} className="muted">{entity}</Link> <span className="muted">/</span> <Link to={pathOf(entity, project)}>{project}</Link></h1>
      <nav className="project-nav" aria-label="Project">
        <Link to={pathOf(entity, project)}>Runs</Link>
        <Link to={artifactsPath(entity, project)} aria-current={current === 'artifacts' ? 'page' : undefined}>Artifacts</Link>
        <Link to={storagePath(entity, project)} aria-current={current === 'storage' ? 'page' : undefined}>Storage</Link>
      </nav>
    </header>
  );
}
