import { useQueryClient } from '@tanstack/react-query';
import { SignIn } from '../features/auth/SignIn';
import { signOut, useSession } from '../features/auth/session';
import { ErrorNote, NotFound } from '../features/common/NotFound';
import { ProjectsPage } from '../features/projects/ProjectsPage';
import { RunPage } from '../features/run/RunPage';
import { SettingsPage } from '../features/settings/SettingsPage';
import { Workspace } from '../features/workspace/Workspace';
import { Link, matchRoute, useLocation } from './router';

/** The page for a pathname. Fixed pages first: an entity named like one of them is reached through the switcher. */
export function Page({ pathname }: { pathname: string }) {
  let m: Record<string, string> | null;
  if (matchRoute('/', pathname)) return <ProjectsPage />;
  if (matchRoute('/settings', pathname)) return <SettingsPage />;
  if ((m = matchRoute('/:entity', pathname))) return <ProjectsPage key={m.entity} entity={m.entity} />;
  if ((m = matchRoute('/:entity/:project', pathname))) return <Workspace key={`${m.entity}/${m.project}`} entity={m.entity!} project={m.project!} />;
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
          <Link to="/settings">Settings</Link>
          <button type="button" className="link" onClick={() => void signOut(client)}>Sign out</button>
        </nav>
      </header>
      <Page pathname={pathname} />
    </>
  );
}
