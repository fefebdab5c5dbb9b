import { Link } from '../../app/router';

/** Shown for unknown paths and for projects/runs that do not exist or that the viewer may not see (no difference is shown). */
export function NotFound({ what }: { what?: string }) {
  return (
    <main className="page not-found" data-testid="not-found">
      <h1>Not found</h1>
      <p>{what ? `${what} does not exist, or you do not have access to it.` : 'There is no page at this address.'}</p>
      <p><Link to="/">Back to your projects</Link></p>
    </main>
  );
}

export function ErrorNote({ error }: { error: Error }) {
  return <p role="alert" className="error">{error.message}</p>;
}
