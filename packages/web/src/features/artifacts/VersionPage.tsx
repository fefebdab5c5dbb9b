import { useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState, type FormEvent } from 'react';
import { ApiError, gql } from '../../lib/api';
import { timeAgo } from '../../lib/format';
import { Link, useLocation } from '../../app/router';
import { ErrorNote, NotFound } from '../common/NotFound';
import { AliasEditor } from './AliasEditor';
import { ProjectHead } from './ArtifactsPage';
import { FileBrowser } from './FileBrowser';
import { TtlEditor } from './TtlEditor';
import { artifactNode } from './lineage/nodes';
import {
  artifactRef, artifactSnippets, artifactsPath, collectionPath, expiryOf, formatBytes, formatTtl, registryCollectionPath, registryName, utcIso,
  runPath, versionPath,
} from './paths';
import { fetchAliasPermissions, fetchVersion, UPDATE_ARTIFACT, type VersionDetail } from './queries';
import './artifacts.css';

type Tab = 'overview' | 'files' | 'lineage';

// The graph's code (React Flow, ELK client) is not in the main bundle: it is fetched once the version page is idle
// (or when the lineage tab is opened first), so opening the tab does not wait for it.
// Once loaded it is rendered directly: through lazy() + Suspense, React would hold the tab's first paint back by its
// fallback throttle (~300 ms) even when the code is already there.
let lineageModule: typeof import('./lineage/LineageGraph') | null = null;
const loadLineage = () => import('./lineage/LineageGraph').then((m) => (lineageModule = m));
const LazyLineageGraphView = lazy(() => loadLineage().then((m) => ({ default: m.LineageGraphView })));
function usePrefetchLineage() {
  useEffect(() => {
    const timer = setTimeout(() => void loadLineage(), 0);
    return () => clearTimeout(timer);
  }, []);
}
function LineageTab({ v }: { v: Parameters<typeof artifactNode>[0] & { id: string } }) {
  const View = lineageModule?.LineageGraphView;
  if (View) return <View key={v.id} focus={artifactNode(v)} />;
  return <Suspense fallback={<p className="muted">Loading graph…</p>}><LazyLineageGraphView key={v.id} focus={artifactNode(v)} /></Suspense>;
}

/** One artifact version: overview (facts, snippets, aliases, tags, description, metadata, usage), files, lineage. */
export function VersionPage({ entity, project, type, collection, version }: { entity: string; project: string; type: string; collection: string; version: string }) {
  const location = useLocation();
  const tabParam = new URLSearchParams(location.split('?')[1] ?? '').get('tab');
  const tab: Tab = tabParam === 'files' || tabParam === 'lineage' ? tabParam : 'overview';
  usePrefetchLineage();
  const q = useQuery({
    queryKey: ['version', entity, project, collection, version],
    queryFn: ({ signal }) => fetchVersion(entity, project, collection, version, signal),
  });
  if (q.error) return <main className="page"><ErrorNote error={q.error} /></main>;
  const v = q.data;
  // The type in the address must be the version's own; otherwise it is as unknown as a missing version.
  if (q.data === null || (v && v.artifactType.name !== type)) return <NotFound what="This artifact version" />;
  const shown = v?.versionIndex != null ? `v${v.versionIndex}` : version;
  return (
    <main className="page artifacts-page version-page">
      <ProjectHead entity={entity} project={project} current="artifacts" />
      <nav className="crumbs" aria-label="Breadcrumbs">
        <Link to={artifactsPath(entity, project)}>Artifacts</Link> › <span>{type}</span> ›{' '}
        <Link to={collectionPath(entity, project, type, collection)}>{collection}</Link> › <strong data-testid="version-name">{shown}</strong>
      </nav>
      <nav className="tabs" aria-label="Version">
        {(['overview', 'files', 'lineage'] as const).map((t) => (
          <Link key={t} to={versionPath(entity, project, type, collection, version, t === 'overview' ? undefined : t)} aria-current={tab === t ? 'page' : undefined}>
            {t[0]!.toUpperCase() + t.slice(1)}{t === 'files' && v ? ` (${v.fileCount})` : ''}
          </Link>
        ))}
      </nav>
      {q.isPending && <p className="muted">Loading…</p>}
      {v && tab === 'overview' && <Overview v={v} entity={entity} project={project} type={type} collection={collection} onChanged={() => void q.refetch()} />}
      {v && tab === 'files' && <FileBrowser artifactId={v.id} />}
      {v && tab === 'lineage' && <LineageTab v={v} />}
    </main>
  );
}

function Overview({ v, entity, project, type, collection, onChanged }: {
  v: VersionDetail; entity: string; project: string; type: string; collection: string; onChanged: () => void;
}) {
  const ref = artifactRef(entity, project, collection, `v${v.versionIndex ?? 0}`);
  const snippets = artifactSnippets(ref, type);
  const expires = expiryOf(v.createdAt, v.ttlDurationSeconds);
  const aliases = v.aliases.filter((a) => a.artifactCollection?.name === collection && (a.artifactCollection.project?.name ?? project) === project).map((a) => a.alias);
  const memberships = (v.artifactMemberships?.edges ?? []).map((e) => e.node).filter((m) => m.artifactCollection?.project && m.artifactCollection.project.name !== project);
  return (
    <div className="version-overview">
      <dl className="facts">
        <div><dt>Type</dt><dd>{type}</dd></div>
        <div><dt>Size</dt><dd data-testid="version-size">{formatBytes(v.size)}</dd></div>
        <div><dt>Files</dt><dd data-testid="version-files">{v.fileCount}</dd></div>
        <div><dt>Created</dt><dd title={v.createdAt}>{timeAgo(utcIso(v.createdAt))}</dd></div>
        <div><dt>Created by</dt><dd>{v.createdBy?.project
          ? <Link to={runPath(v.createdBy.project.entityName, v.createdBy.project.name, v.createdBy.name)} data-testid="created-by">{v.createdBy.displayName ?? v.createdBy.name}</Link>
          : '—'}</dd></div>
        <div><dt>TTL</dt><dd>{formatTtl(v.ttlDurationSeconds)}{v.ttlIsInherited && v.ttlDurationSeconds >= 0 ? ' (inherited)' : ''}</dd></div>
        <div><dt>Expires</dt><dd data-testid="version-expires">{expires ? expires.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : 'never'}</dd></div>
        <div><dt>Digest</dt><dd><code>{v.digest}</code></dd></div>
        <div><dt>State</dt><dd>{v.state}</dd></div>
      </dl>

      <section className="snippets" aria-label="Use this version">
        <h2>Use this version</h2>
        <Snippet label="CLI" text={snippets.cli} testId="snippet-cli" />
        <Snippet label="In a run" text={snippets.python} testId="snippet-python" />
        <Snippet label="Public API" text={snippets.api} testId="snippet-api" />
        {/* The server streams the zip; reference entries are listed in a manifest inside, not fetched. */}
        <p><a className="button" href={`/api/v1/artifacts/${encodeURIComponent(v.id)}/archive`} download data-testid="download-version">
          Download all files (.zip)</a> <span className="muted">{v.fileCount} file{v.fileCount === 1 ? '' : 's'}, {formatBytes(v.size)}</span></p>
      </section>

      <section aria-label="Aliases">
        <h2>Aliases</h2>
        <AliasEditor artifactId={v.id} where={{ entity, project, collection }} aliases={aliases} onChanged={onChanged} />
      </section>
      <section aria-label="Tags">
        <h2>Tags</h2>
        <TagEditor v={v} entity={entity} project={project} onChanged={onChanged} />
      </section>
      <section aria-label="Time to live">
        <h2>Time to live</h2>
        <VersionTtl v={v} entity={entity} project={project} onChanged={onChanged} />
      </section>
      <section aria-label="Description">
        <h2>Description</h2>
        <DescriptionEditor v={v} entity={entity} project={project} onChanged={onChanged} />
      </section>
      {memberships.length > 0 && (
        <section aria-label="Registries">
          <h2>Linked in registries</h2>
          <ul>{memberships.map((m, i) => (
            <li key={i}><Link to={registryCollectionPath(m.artifactCollection!.project!.entityName, registryName(m.artifactCollection!.project!.name), m.artifactCollection!.name)}>
              {registryName(m.artifactCollection!.project!.name)} / {m.artifactCollection!.name}:v{m.versionIndex}</Link></li>
          ))}</ul>
        </section>
      )}
      <section aria-label="Metadata">
        <h2>Metadata</h2>
        <MetadataTable json={v.metadata} />
      </section>
      <section aria-label="Used by">
        <h2>Used by <span className="muted">({v.usedBy.totalCount})</span></h2>
        {v.usedBy.edges.length === 0 ? <p className="muted">No run has used this version.</p> : (
          <ul className="used-by">{v.usedBy.edges.map(({ node: r }) => r.project && (
            <li key={`${r.project.entityName}/${r.project.name}/${r.name}`}>
              <Link to={runPath(r.project.entityName, r.project.name, r.name)}>{r.displayName ?? r.name}</Link>
              {r.project.name !== project && <span className="muted"> in {r.project.entityName}/{r.project.name}</span>}
            </li>
          ))}</ul>
        )}
      </section>
    </div>
  );
}

function Snippet({ label, text, testId }: { label: string; text: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // Clipboard refused (insecure origin): the text stays selectable.
    }
  };
  return (
    <div className="snippet">
      <div className="snippet-head"><span className="muted">{label}</span>
        <button type="button" className="link" onClick={() => void copy()}>{copied ? 'Copied' : 'Copy'}</button></div>
      <pre data-testid={testId}>{text}</pre>
    </div>
  );
}

function useWritable(entity: string, project: string) {
  return useQuery({
    queryKey: ['alias-permissions', entity, project],
    queryFn: ({ signal }) => fetchAliasPermissions(entity, project, signal),
    staleTime: 30_000,
  });
}

function TagEditor({ v, entity, project, onChanged }: { v: VersionDetail; entity: string; project: string; onChanged: () => void }) {
  const perms = useWritable(entity, project);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const change = async (tag: string, remove: boolean) => {
    setError(null);
    try {
      await gql(UPDATE_ARTIFACT, { input: { artifactID: v.id, ...(remove ? { tagsToDelete: [{ tagName: tag }] } : { tagsToAdd: [{ tagName: tag }] }) } });
      setDraft('');
      onChanged();
    } catch (e) {
      setError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    }
  };
  const canWrite = perms.data?.canWrite === true;
  return (
    <div className="tag-editor">
      {v.tags.length === 0 && <span className="muted">none </span>}
      {v.tags.map((t) => (
        <span key={t.name} className="tag" data-tag={t.name}>{t.name}
          {canWrite && <button type="button" className="link remove" aria-label={`Remove tag ${t.name}`} onClick={() => void change(t.name, true)}>×</button>}
        </span>
      ))}
      {canWrite && (
        <form className="inline-form" onSubmit={(e: FormEvent) => { e.preventDefault(); if (draft.trim()) void change(draft.trim(), false); }}>
          <input aria-label="New tag" placeholder="add tag" value={draft} onChange={(e) => setDraft(e.target.value)} />
          <button type="submit" disabled={!draft.trim()}>Add tag</button>
        </form>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </div>
  );
}

function DescriptionEditor({ v, entity, project, onChanged }: { v: VersionDetail; entity: string; project: string; onChanged: () => void }) {
  const perms = useWritable(entity, project);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const client = useQueryClient();
  const save = async () => {
    setError(null);
    try {
      await gql(UPDATE_ARTIFACT, { input: { artifactID: v.id, description: editing } });
      setEditing(null);
      onChanged();
      void client.invalidateQueries({ queryKey: ['collection'] });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  if (editing !== null) {
    return (
      <div className="description-editor">
        <textarea aria-label="Description" rows={4} value={editing} onChange={(e) => setEditing(e.target.value)} />
        <div><button type="button" onClick={() => void save()}>Save</button> <button type="button" onClick={() => setEditing(null)}>Cancel</button></div>
        {error && <p className="error" role="alert">{error}</p>}
      </div>
    );
  }
  return (
    <div>
      {v.description ? <p className="notes" data-testid="description">{v.description}</p> : <p className="muted">No description.</p>}
      {perms.data?.canWrite && <button type="button" className="link" onClick={() => setEditing(v.description ?? '')}>Edit description</button>}
    </div>
  );
}

function MetadataTable({ json }: { json: string | null }) {
  let parsed: Record<string, unknown> = {};
  try {
    const p = JSON.parse(json ?? '{}') as unknown;
    if (p && typeof p === 'object' && !Array.isArray(p)) parsed = p as Record<string, unknown>;
  } catch {
    return <pre>{json}</pre>;
  }
  const entries = Object.entries(parsed);
  if (entries.length === 0) return <p className="muted">No metadata.</p>;
  return (
    <table className="plain kv" data-testid="metadata">
      <tbody>{entries.map(([k, val]) => <tr key={k}><th>{k}</th><td>{typeof val === 'string' ? val : JSON.stringify(val)}</td></tr>)}</tbody>
    </table>
  );
}

/** TTL editing, allowed to those who may write the version (alias permissions carry that answer). */
function VersionTtl({ v, entity, project, onChanged }: { v: VersionDetail; entity: string; project: string; onChanged: () => void }) {
  const perms = useQuery({
    queryKey: ['alias-permissions', entity, project],
    queryFn: ({ signal }) => fetchAliasPermissions(entity, project, signal),
    staleTime: 30_000,
  });
  if (!perms.data) return perms.error ? <p className="error">{perms.error.message}</p> : <p className="muted">Checking permissions…</p>;
  return <TtlEditor artifactId={v.id} canWrite={perms.data.canWrite} reason={perms.data.reason} onChanged={onChanged} />;
}
