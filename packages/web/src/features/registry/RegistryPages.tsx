import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, gql } from '../../lib/api';
import { timeAgo } from '../../lib/format';
import { Link, navigate } from '../../app/router';
import { ErrorNote, NotFound } from '../common/NotFound';
import { AliasEditor } from '../artifacts/AliasEditor';
import { formatBytes, registryCollectionPath, registryHomePath, registryName, registryPath, registryProject, runPath, utcIso, versionPath } from '../artifacts/paths';
import { changeAlias, fetchAliasPermissions } from '../artifacts/queries';
import { ALIAS_AT, ORGS, REGISTRIES, REGISTRY, REGISTRY_COLLECTION, SEARCH, VERSION_SEARCH, type AliasAt, type Orgs, type PromotionEvent, type RegistryCollection, type RegistryDetail, type RegistryRow, type SearchResult } from './queries';
import { searchFilters } from './search';
import { metadataFilter } from './metadata-filter';
import { describeEvent } from './timeline';
import '../artifacts/artifacts.css';
import { RegistryMembers } from './RegistryMembers';

function useOrgs() {
  return useQuery({
    queryKey: ['orgs'],
    queryFn: async ({ signal }) => (await gql<Orgs>(ORGS, {}, signal)).viewer.organizations
      .filter((o) => o.orgEntity).map((o) => ({ name: o.name, entity: o.orgEntity!.name })),
    staleTime: 60_000,
  });
}

/** The registry app's home: the organization's registries and a search over registries, collections, versions, tags and aliases. */
export function RegistryHome({ org }: { org?: string | undefined }) {
  const orgs = useOrgs();
  const current = org ?? orgs.data?.[0]?.entity;
  const registries = useQuery({
    queryKey: ['registries', current],
    enabled: current !== undefined,
    queryFn: async ({ signal }) => {
      const d = await gql<{ entity: { projects: { edges: { node: RegistryRow }[] } } | null }>(REGISTRIES, { org: current }, signal);
      return d.entity ? d.entity.projects.edges.map((e) => e.node) : null;
    },
  });
  if (orgs.error) return <main className="page"><ErrorNote error={orgs.error} /></main>;
  if (orgs.data && orgs.data.length === 0 && !org) {
    return <main className="page"><h1>Registry</h1><p className="muted">You are not in an organization: registries belong to organizations.</p></main>;
  }
  if (registries.data === null) return <NotFound what="This organization" />;
  return (
    <main className="page registry-home">
      <header className="page-head">
        <h1>Registry</h1>
        {orgs.data && orgs.data.length > 1 && (
          <label className="entity-switcher">Organization
            <select value={current ?? ''} onChange={(e) => navigate(registryHomePath(e.target.value))}>
              {orgs.data.map((o) => <option key={o.entity} value={o.entity}>{o.name}</option>)}
            </select>
          </label>
        )}
      </header>
      {current && <RegistrySearch org={current} />}
      {registries.error && <ErrorNote error={registries.error} />}
      <div className="registry-grid">
        {registries.data?.map((r) => (
          <div key={r.id} className="registry-card" data-registry={registryName(r.name)}>
            <h2><Link to={registryPath(current!, registryName(r.name))}>{registryName(r.name)}</Link></h2>
            <p className="muted small">{r.description || 'No description'}</p>
            <p className="small">{r.access === 'RESTRICTED' ? 'Restricted' : 'Organization'}{r.readOnly ? ' · read only' : ''}</p>
          </div>
        ))}
      </div>
    </main>
  );
}

function RegistrySearch({ org }: { org: string }) {
  const [text, setText] = useState('');
  const [term, setTerm] = useState('');
  // `accuracy > 0.9, framework = torch` searches version metadata (server-side); other text searches names, tags, aliases.
  const byMetadata = /[<>=]/.test(term);
  let metadata: string | null = null;
  let metadataError: string | null = null;
  if (byMetadata) {
    try { metadata = metadataFilter(term); } catch (err) { metadataError = err instanceof Error ? err.message : String(err); }
  }
  const filters = byMetadata ? null : searchFilters(term);
  const results = useQuery({
    queryKey: ['registry-search', org, term],
    enabled: filters !== null || metadata !== null,
    retry: false,
    queryFn: async ({ signal }): Promise<SearchResult> => {
      if (metadata === null) return gql<SearchResult>(SEARCH, { org, ...filters }, signal);
      type Versions = NonNullable<SearchResult['entity']>['artifactMemberships'];
      const v = await gql<{ entity: { artifactMemberships: Versions } | null }>(VERSION_SEARCH, { org, versions: metadata }, signal);
      return { entity: v.entity && { projects: { edges: [] }, artifactCollections: { totalCount: 0, edges: [] }, artifactMemberships: v.entity.artifactMemberships } };
    },
  });
  const e = results.data?.entity;
  return (
    <section aria-label="Search">
      <form className="registry-search" role="search" onSubmit={(ev: FormEvent) => { ev.preventDefault(); setTerm(text); }}>
        <input type="search" aria-label="Search the registry" placeholder="Search registries, collections, versions (v3), tags, aliases, or metadata (accuracy > 0.9)"
          value={text} onChange={(ev) => setText(ev.target.value)} />
        <button type="submit">Search</button>
      </form>
      {results.error && <ErrorNote error={results.error} />}
      {metadataError && <p className="error" role="alert" data-testid="search-error">{metadataError}</p>}
      {e && (
        <div className="search-results" data-testid="search-results">
          {!byMetadata && <>
          <h3>Registries</h3>
          {e.projects.edges.length === 0 ? <p className="muted">None</p> : <ul>{e.projects.edges.map(({ node: r }) => (
            <li key={r.name}><Link to={registryPath(org, registryName(r.name))}>{registryName(r.name)}</Link></li>))}</ul>}
          <h3>Collections <span className="muted">({e.artifactCollections.totalCount})</span></h3>
          {e.artifactCollections.edges.length === 0 ? <p className="muted">None</p> : <ul>{e.artifactCollections.edges.map(({ node: c }) => c.project && (
            <li key={`${c.project.name}/${c.name}`} data-result="collection">
              <Link to={registryCollectionPath(org, registryName(c.project.name), c.name)}>{registryName(c.project.name)} / {c.name}</Link>
              <span className="muted"> {c.defaultArtifactType.name}</span> {c.tags.edges.map((t) => <span key={t.node.name} className="tag">{t.node.name}</span>)}
            </li>))}</ul>}
          </>}
          <h3>Versions <span className="muted">({e.artifactMemberships.totalCount ?? e.artifactMemberships.edges.length})</span></h3>
          {e.artifactMemberships.edges.length === 0 ? <p className="muted">None</p> : <ul>{e.artifactMemberships.edges.map(({ node: m }, i) => m.artifactCollection?.project && (
            <li key={i} data-result="version">
              <Link to={registryCollectionPath(org, registryName(m.artifactCollection.project.name), m.artifactCollection.name)}>
                {registryName(m.artifactCollection.project.name)} / {m.artifactCollection.name}:v{m.versionIndex}</Link>{' '}
              {m.aliases.map((a) => <span key={a.alias} className="tag alias">{a.alias}</span>)}
              {m.artifact?.tags.map((t) => <span key={t.name} className="tag">{t.name}</span>)}
            </li>))}</ul>}
        </div>
      )}
    </section>
  );
}

/** One registry: its collections. */
export function RegistryPage({ org, registry }: { org: string; registry: string }) {
  const q = useQuery({
    queryKey: ['registry', org, registry],
    queryFn: async ({ signal }) => (await gql<{ project: RegistryDetail | null }>(REGISTRY, { org, registry: registryProject(registry) }, signal)).project,
  });
  if (q.error) return <main className="page"><ErrorNote error={q.error} /></main>;
  if (q.data === null) return <NotFound what="This registry" />;
  const r = q.data;
  return (
    <main className="page registry-page">
      <nav className="crumbs"><Link to={registryHomePath(org)}>Registry</Link> › <strong>{registry}</strong></nav>
      <header className="page-head"><h1>{registry}</h1>{r?.description && <span className="muted">{r.description}</span>}</header>
      {q.isPending && <p className="muted">Loading…</p>}
      {r && r.artifactCollections.edges.length === 0 && <p className="muted">Nothing is linked into this registry yet (run.link_artifact(art, '{org}/{registryProject(registry)}/name')).</p>}
      {r && r.artifactCollections.edges.length > 0 && (
        <table className="plain">
          <thead><tr><th>Collection</th><th>Type</th><th>Tags</th><th>Updated</th></tr></thead>
          <tbody>{r.artifactCollections.edges.map(({ node: c }) => (
            <tr key={c.id} data-collection={c.name}>
              <td><Link to={registryCollectionPath(org, registry, c.name)}>{c.name}</Link>{c.description && <div className="muted small">{c.description}</div>}</td>
              <td>{c.defaultArtifactType.name}</td>
              <td>{c.tags.edges.map((t) => <span key={t.node.name} className="tag">{t.node.name}</span>)}</td>
              <td>{timeAgo(utcIso(c.updatedAt ?? c.createdAt))}</td>
            </tr>))}</tbody>
        </table>
      )}
      {r && <RegistryMembers org={org} project={registryProject(registry)} />}
    </main>
  );
}

/** A registry collection: linked versions with promote/demote, the promotion timeline, and "what was in production at …". */
export function RegistryCollectionPage({ org, registry, collection }: { org: string; registry: string; collection: string }) {
  const project = registryProject(registry);
  const client = useQueryClient();
  const q = useQuery({
    queryKey: ['promotion-history', 'registry-collection', org, registry, collection],
    queryFn: async ({ signal }) => (await gql<RegistryCollection>(REGISTRY_COLLECTION, { org, registry: project, collection }, signal)).project,
  });
  const perms = useQuery({
    queryKey: ['alias-permissions', org, project],
    queryFn: ({ signal }) => fetchAliasPermissions(org, project, signal),
    staleTime: 30_000,
  });
  const [error, setError] = useState<string | null>(null);
  // Version metadata filter: the server matches it (core/mongo-match.ts), over all versions, not this page.
  const [filterText, setFilterText] = useState('');
  const [filterJson, setFilterJson] = useState<string | null>(null);
  const [filterError, setFilterError] = useState<string | null>(null);
  const filtered = useQuery({
    queryKey: ['promotion-history', 'registry-collection', org, registry, collection, filterJson],
    enabled: filterJson !== null,
    retry: false,
    queryFn: async ({ signal }) => (await gql<RegistryCollection>(REGISTRY_COLLECTION, { org, registry: project, collection, filters: filterJson }, signal)).project,
  });
  if (q.error) return <main className="page"><ErrorNote error={q.error} /></main>;
  if (q.data === null || (q.data && !q.data.artifactCollection)) return <NotFound what="This registry collection" />;
  const c = q.data?.artifactCollection;
  const applyFilter = (e: FormEvent) => {
    e.preventDefault();
    setFilterError(null);
    try {
      setFilterJson(metadataFilter(filterText));
    } catch (err) {
      setFilterJson(null);
      setFilterError(err instanceof Error ? err.message : String(err));
    }
  };
  const shown = filterJson !== null ? filtered.data?.artifactCollection?.artifacts ?? null : c?.artifacts ?? null;
  const badFilter = filterError ?? (filtered.error ? (filtered.error instanceof Error ? filtered.error.message : String(filtered.error)) : null);
  const refresh = () => void client.invalidateQueries({ queryKey: ['promotion-history'] });
  const protectedAliases = perms.data?.protectedAliases ?? [];
  const mayPromote = perms.data ? perms.data.canWrite && perms.data.canChangeProtected : false;
  const promote = async (artifactId: string, alias: string, remove: boolean) => {
    setError(null);
    try {
      await changeAlias(artifactId, { entity: org, project, collection }, alias, remove);
      refresh();
    } catch (e) {
      setError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <main className="page registry-collection">
      <nav className="crumbs"><Link to={registryHomePath(org)}>Registry</Link> › <Link to={registryPath(org, registry)}>{registry}</Link> › <strong>{collection}</strong></nav>
      <header className="page-head"><h1>{collection}</h1>{c && <span className="muted">{c.defaultArtifactType.name} · {c.artifacts.totalCount} versions</span>}</header>
      {c?.description && <p className="notes">{c.description}</p>}
      {perms.data && !mayPromote && protectedAliases.length > 0 && (
        <p className="hint" data-testid="promote-refused">{perms.data.reason}</p>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {q.isPending && <p className="muted">Loading…</p>}
      {c && (
        <div className="two-col">
          <section aria-label="Versions">
            <form className="inline-form" role="search" aria-label="Filter versions" onSubmit={applyFilter}>
              <input type="search" aria-label="Version metadata filter" value={filterText} onChange={(e) => setFilterText(e.target.value)}
                placeholder="accuracy > 0.9, framework = torch" size={34} />
              <button type="submit">Filter</button>
              {filterJson !== null && <button type="button" className="link" onClick={() => { setFilterText(''); setFilterJson(null); setFilterError(null); }}>Clear</button>}
              {filterJson !== null && shown && <span className="muted" data-testid="filter-count">{shown.totalCount} of {c.artifacts.totalCount} versions match</span>}
            </form>
            {badFilter && <p className="error" role="alert" data-testid="filter-error">Filter not applied: {badFilter}</p>}
            {filterJson !== null && filtered.isPending && <p className="muted">Filtering…</p>}
            <table className="plain registry-versions">
              <thead><tr><th>Version</th><th>Aliases</th><th>Promote</th><th>Source</th><th className="num">Size</th><th>Linked</th></tr></thead>
              <tbody>{(badFilter ? c.artifacts : shown ?? { edges: [] }).edges.map(({ version, node: v }) => {
                const here = v.aliases.filter((a) => a.artifactCollection?.name === collection && a.artifactCollection.project?.name === project).map((a) => a.alias);
                const src = v.artifactSequence.project;
                return (
                  <tr key={v.id} data-version={version}>
                    <td><strong>{version}</strong></td>
                    <td><AliasEditor artifactId={v.id} where={{ entity: org, project, collection }} aliases={here} onChanged={refresh} label={`Aliases of ${version}`} showReason={false} /></td>
                    <td className="promote-cell">
                      {protectedAliases.filter((a) => !here.includes(a)).map((a) => (
                        <button key={a} type="button" disabled={!mayPromote} title={mayPromote ? `Point ${a} at ${version}` : perms.data?.reason ?? ''}
                          data-promote={a} onClick={() => void promote(v.id, a, false)}>Promote to {a}</button>
                      ))}
                      {protectedAliases.filter((a) => here.includes(a)).map((a) => (
                        <button key={a} type="button" className="danger" disabled={!mayPromote} title={mayPromote ? `Remove ${a} from ${version}` : perms.data?.reason ?? ''}
                          data-demote={a} onClick={() => void promote(v.id, a, true)}>Demote from {a}</button>
                      ))}
                    </td>
                    <td>{src && v.versionIndex != null
                      ? <Link to={versionPath(src.entityName, src.name, v.artifactType.name, v.artifactSequence.name, `v${v.versionIndex}`)}>{v.artifactSequence.name}:v{v.versionIndex}</Link>
                      : <span className="muted">{v.artifactSequence.name}</span>}
                      {v.createdBy?.project && <div className="small"><Link to={runPath(v.createdBy.project.entityName, v.createdBy.project.name, v.createdBy.name)}>{v.createdBy.displayName ?? v.createdBy.name}</Link></div>}
                    </td>
                    <td className="num">{formatBytes(v.size)}</td>
                    <td title={v.createdAt}>{timeAgo(utcIso(v.createdAt))}</td>
                  </tr>
                );
              })}</tbody>
            </table>
          </section>
          <section aria-label="Promotion history">
            <AliasAtForm org={org} project={project} collection={collection} aliases={protectedAliases.length ? protectedAliases : ['production']} />
            <h2>Promotion history</h2>
            <Timeline events={c.aliasHistory.edges.map((e) => e.node)} />
          </section>
        </div>
      )}
    </main>
  );
}

function Timeline({ events }: { events: PromotionEvent[] }) {
  if (events.length === 0) return <p className="muted">No promotions yet.</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {[...events].reverse().map((e) => (
        <li key={e.id} className={e.action} data-action={e.action} data-alias={e.alias ?? ''}>
          <div>{describeEvent(e)}</div>
          <div className="muted small" title={e.at}>{e.at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} · {timeAgo(e.at)}</div>
        </li>
      ))}
    </ol>
  );
}

/** "What did <alias> point to at <date>?" — answered by the server from the promotion history. */
function AliasAtForm({ org, project, collection, aliases }: { org: string; project: string; collection: string; aliases: string[] }) {
  const [alias, setAlias] = useState(aliases.includes('production') ? 'production' : aliases[0]!);
  const [when, setWhen] = useState('');
  const [asked, setAsked] = useState<{ alias: string; at: string } | null>(null);
  const answer = useQuery({
    queryKey: ['promotion-history', 'alias-at', org, project, collection, asked],
    enabled: asked !== null,
    queryFn: ({ signal }) => gql<AliasAt>(ALIAS_AT, { org, registry: project, collection, alias: asked!.alias, at: asked!.at }, signal),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // datetime-local has no zone: it is the viewer's local time.
    const t = when ? new Date(when) : new Date();
    if (Number.isNaN(t.getTime())) return;
    setAsked({ alias, at: t.toISOString() });
  };
  const a = answer.data?.aliasAt;
  return (
    <form className="at-date" onSubmit={submit} aria-label="Alias at a date">
      <label>Alias <select value={alias} onChange={(e) => setAlias(e.target.value)}>{aliases.map((x) => <option key={x}>{x}</option>)}</select></label>
      <label>At <input type="datetime-local" step="1" aria-label="Date and time" value={when} onChange={(e) => setWhen(e.target.value)} /></label>
      <button type="submit">What was there?</button>
      {answer.error && <ErrorNote error={answer.error} />}
      {a && (
        <p data-testid="alias-at-answer">
          At {a.at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, <strong>{a.alias}</strong>{' '}
          {a.version ? <>was <strong>{a.version}</strong>{a.event ? ` (since ${a.since?.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, by ${a.event.actor})` : ''}</> : 'pointed nowhere'}.
        </p>
      )}
    </form>
  );
}
