import { useInfiniteQuery } from '@tanstack/react-query';
import { gql } from '../../lib/api';
import { timeAgo } from '../../lib/format';
import { Link } from '../../app/router';
import { ErrorNote, NotFound } from '../common/NotFound';
import { ProjectHead } from './ArtifactsPage';
import { artifactsPath, expiryOf, formatBytes, formatTtl, runPath, utcIso, versionPath } from './paths';
import { COLLECTION, type CollectionDetail, type VersionRow } from './queries';
import './artifacts.css';

const PAGE = 50;

/** A collection's versions, newest first: aliases, tags, size, file count, the run that made it, TTL and expiry. */
export function CollectionPage({ entity, project, type, collection }: { entity: string; project: string; type: string; collection: string }) {
  const q = useInfiniteQuery({
    queryKey: ['collection', entity, project, collection],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) => {
      const d = await gql<{ project: { artifactCollection: CollectionDetail | null } | null }>(
        COLLECTION, { entity, project, collection, first: PAGE, after: pageParam }, signal);
      return d.project?.artifactCollection ?? null;
    },
    getNextPageParam: (last) => (last?.artifacts.pageInfo.hasNextPage ? last.artifacts.pageInfo.endCursor : undefined),
  });
  const first = q.data?.pages[0];
  if (q.error) return <main className="page"><ErrorNote error={q.error} /></main>;
  // A type in the address that is not the collection's own is as unknown as a missing collection.
  if (q.data && (!first || first.defaultArtifactType.name !== type)) return <NotFound what="This artifact collection" />;
  const versions = q.data?.pages.flatMap((p) => p?.artifacts.edges ?? []) ?? [];
  return (
    <main className="page artifacts-page">
      <ProjectHead entity={entity} project={project} current="artifacts" />
      <nav className="crumbs" aria-label="Breadcrumbs">
        <Link to={artifactsPath(entity, project)}>Artifacts</Link> › <span>{type}</span> › <strong>{collection}</strong>
      </nav>
      {q.isPending && <p className="muted">Loading…</p>}
      {first && (
        <>
          {first.description && <p className="notes">{first.description}</p>}
          <p className="muted" data-testid="version-count">{first.artifacts.totalCount} version{first.artifacts.totalCount === 1 ? '' : 's'}
            {first.tags.edges.length > 0 && <> · tags {first.tags.edges.map((e) => <span key={e.node.name} className="tag">{e.node.name}</span>)}</>}
          </p>
          <VersionsTable entity={entity} project={project} type={type} collection={collection} rows={versions.map((e) => ({ version: e.version, node: e.node }))} />
          {q.hasNextPage && <button type="button" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>Load more versions</button>}
        </>
      )}
    </main>
  );
}

export function VersionsTable({ entity, project, type, collection, rows }: {
  entity: string; project: string; type: string; collection: string; rows: { version: string; node: VersionRow }[];
}) {
  return (
    <table className="plain versions-table">
      <thead><tr>
        <th>Version</th><th>Aliases</th><th>Tags</th><th className="num">Size</th><th className="num">Files</th>
        <th>Created by</th><th>Created</th><th>TTL</th><th>Expires</th>
      </tr></thead>
      <tbody>
        {rows.map(({ version, node: v }) => {
          const expires = expiryOf(v.createdAt, v.ttlDurationSeconds);
          return (
            <tr key={v.id} data-version={version}>
              <td><Link to={versionPath(entity, project, type, collection, version)}>{version}</Link></td>
              <td>{v.aliases.filter((a) => a.artifactCollection?.name === collection).map((a) => <span key={a.alias} className="tag alias">{a.alias}</span>)}</td>
              <td>{v.tags.map((t) => <span key={t.name} className="tag">{t.name}</span>)}</td>
              <td className="num">{formatBytes(v.size)}</td>
              <td className="num">{v.fileCount}</td>
              <td>{v.createdBy?.project
                ? <Link to={runPath(v.createdBy.project.entityName, v.createdBy.project.name, v.createdBy.name)}>{v.createdBy.displayName ?? v.createdBy.name}</Link>
                : <span className="muted">—</span>}</td>
              <td title={v.createdAt}>{timeAgo(utcIso(v.createdAt))}</td>
              <td>{formatTtl(v.ttlDurationSeconds)}{v.ttlIsInherited && v.ttlDurationSeconds >= 0 ? <span className="muted"> (inherited)</span> : null}</td>
              <td title={expires?.toISOString()}>{expires ? expires.toISOString().slice(0, 16).replace('T', ' ') : '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

