import { useQueryClient } from '@tanstack/react-query';
import { SignIn } from '../features/auth/SignIn';
import { signOut, useSession } from '../features/auth/session';
import { ErrorNote, NotFound } from '../features/common/NotFound';
import { ProjectsPage } from '../features/projects/ProjectsPage';
import { RunPage } from '../features/run/RunPage';
import { ProjectMedia } from '../features/media/ProjectMedia';
import { ReportEditorPage, ReportPage, ReportsPage } from '../features/reports/ReportPages';
import { SettingsPage } from '../features/settings/SettingsPage';
import { AdminPage } from '../features/admin/AdminPage';
import { Workspace } from '../features/workspace/Workspace';
import { ComparePage } from '../features/compare/ComparePage';
import { ArtifactsPage } from '../features/artifacts/ArtifactsPage';
import { CollectionPage } from '../features/artifacts/CollectionPage';
import { StoragePage } from '../features/artifacts/StoragePage';
import { VersionPage } from '../features/artifacts/VersionPage';
import { RegistryCollectionPage, RegistryHome, RegistryPage } from '../features/registry/RegistryPages';
import { Link, matchRoute, useLocation } from './router';

/** The page for a pathname. Fixed pages first: an entity named like one of them is reached through the switcher. */
export function Page({ pathname }: { pathname: string }) {
  let m: Record<string, string> | null;
  if (matchRoute('/', pathname)) return <ProjectsPage />;
  if (matchRoute('/settings', pathname)) return <SettingsPage />;
  if (matchRoute('/site-admin', pathname)) return <AdminPage />;
  if (matchRoute('/registry', pathname)) return <RegistryHome />;
  if ((m = matchRoute('/registry/:org', pathname))) return <RegistryHome key={m.org} org={m.org} />;
  if ((m = matchRoute('/registry/:org/:registry', pathname))) return <RegistryPage key={`${m.org}/${m.registry}`} org={m.org!} registry={m.registry!} />;
  if ((m = matchRoute('/registry/:org/:registry/:collection', pathname))) {
    return <RegistryCollectionPage key={`${m.org}/${m.registry}/${m.collection}`} org={m.org!} registry={m.registry!} collection={m.collection!} />;
  }
  if ((m = matchRoute('/:entity', pathname))) return <ProjectsPage key={m.entity} entity={m.entity} />;
  if ((m = matchRoute('/:entity/:project', pathname))) return <Workspace key={`${m.entity}/${m.project}`} entity={m.entity!} project={m.project!} />;
  if ((m = matchRoute('/:entity/:project/artifacts', pathname))) return <ArtifactsPage key={`${m.entity}/${m.project}`} entity={m.entity!} project={m.project!} />;
  if ((m = matchRoute('/:entity/:project/compare', pathname))) return <ComparePage key={`${m.entity}/${m.project}`} entity={m.entity!} project={m.project!} />;
  if ((m = matchRoute('/:entity/:project/media', pathname))) return <ProjectMedia key={`${m.entity}/${m.project}`} entity={m.entity!} project={m.project!} />;
  if ((m = matchRoute('/:entity/:project/storage', pathname))) return <StoragePage key={`${m.entity}/${m.project}`} entity={m.entity!} project={m.project!} />;
  if ((m = matchRoute('/:entity/:project/artifacts/:type/:collection', pathname))) {
    return <CollectionPage key={`${m.entity}/${m.project}/${m.collection}`} entity={m.entity!} project={m.project!} type={m.type!} collection={m.collection!} />;
  }
  if ((m = matchRoute('/:entity/:project/artifacts/:type/:collection/:version', pathname))) {
    return <VersionPage key={`${m.entity}/${m.project}/${m.collection}/${m.version}`} entity={m.entity!} project={m.project!} type={m.type!} collection={m.collection!} version={m.version!} />;
  }
  if ((m = matchRoute('/:entity/:project/reports', pathname))) return <ReportsPage key={`${m.entity}/${m.project}`} entity={m.entity!} project={m.project!} />;
  if ((m = matchRoute('/:entity/:project/reports/new', pathname))) return <ReportEditorPage key={`${m.entity}/${m.project}/new`} entity={m.entity!} project={m.project!} />;
  if ((m = matchRoute('/:entity/:project/reports/:report', pathname))) return <ReportPage key={`${m.entity}/${m.project}/${m.report}`} entity={m.entity!} project={m.project!} slug={m.report!} />;
  if ((m = matchRoute('/:entity/:project/reports/:report/edit', pathname))) {
    return <ReportEditorPage key={`${m.entity}/${m.project}/${m.report}/edit`} entity={m.entity!} project={m.project!} slug={m.report!} />;
  }
  if ((m = matchRoute('/:entity/:project/runs/:run', pathname))) {
    return <RunPage key={`${m.entity}/${m.project}/${m.run}`} entity={m.entity!} project={m.project!} run={m.run!} />;
  }
  return <NotFound />;
}

export function App() {
  const session = useSession();
  const location = useLocation();
  const client = useQueryClient();
  if (session.isPending) return <p className="muted boot">Loading…</p>;
  if (session.error) return <main className="page"><ErrorNote error={session.error} /></main>;
  if (!session.data) return <SignIn />;
  const pathname = location.split('?', 1)[0]!;
  return (
    <>
      <header className="topbar">
        <Link to="/" className="brand">Cairn</Link>
        <nav aria-label="Account">
          <span className="muted" data-testid="whoami">{session.data.user.username}</span>
          <Link to="/registry">Registry</Link>
          <Link to="/settings">Settings</Link>
          {session.data.user.admin && <Link to="/site-admin">Admin</Link>}
          <button type="button" className="link" onClick={() => void signOut(client)}>Sign out</button>
        </nav>
      </header>
      <Page pathname={pathname} />
    </>
  );
}
