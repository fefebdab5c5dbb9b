import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useLocation } from '../../app/router';
import { isNotFound } from '../../lib/api';
import { useSession } from '../auth/session';
import { adminApi, parseAliasList, type AdminKey, type OrgTtlPreview } from './admin-api';
import { formatExpiry, parseDuration } from '../artifacts/ttl';
import { formatTtl } from '../artifacts/paths';

const TABS = [['users', 'Users'], ['teams', 'Teams & roles'], ['service-accounts', 'Service accounts'], ['settings', 'Organization settings'], ['webhooks', 'Webhooks']] as const;
type Tab = (typeof TABS)[number][0];
const ROLES = ['admin', 'member', 'viewer'] as const;

/** Shown to anyone who is not a site admin: says nothing about what exists here. */
export function NotAllowed() {
  return (
    <main className="page not-found" data-testid="not-allowed">
      <h1>Not allowed</h1>
      <p>This page does not exist, or you do not have access to it.</p>
      <p><Link to="/">Back to your projects</Link></p>
    </main>
  );
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));
const Err = ({ error }: { error: unknown }) => (error ? <p role="alert" className="error">{msg(error)}</p> : null);

/** Administration (site admins): users, teams and roles, service-account keys, organization settings, webhooks. */
export function AdminPage() {
  const session = useSession();
  const location = useLocation();
  const tabParam = new URLSearchParams(location.split('?')[1] ?? '').get('tab');
  const tab: Tab = TABS.some(([t]) => t === tabParam) ? (tabParam as Tab) : 'users';
  const orgs = useQuery({ queryKey: ['admin', 'orgs'], queryFn: ({ signal }) => adminApi.orgs(signal), enabled: !!session.data?.user.admin, retry: false });
  if (!session.data?.user.admin || isNotFound(orgs.error)) return <NotAllowed />;
  return (
    <main className="page admin-page" data-testid="admin-page">
      <h1>Administration</h1>
      <nav className="tabs" aria-label="Administration">
        {TABS.map(([t, label]) => <Link key={t} to={`/site-admin?tab=${t}`} aria-current={tab === t ? 'page' : undefined}>{label}</Link>)}
      </nav>
      <Err error={orgs.error} />
      {tab === 'users' && <UsersSection />}
      {tab === 'teams' && <NewTeamForm orgs={(orgs.data?.organizations ?? []).map((o) => o.name)} />}
      {tab === 'teams' && <TeamsSection targets={(orgs.data?.organizations ?? []).flatMap((o) => [o.name, ...o.teams])} />}
      {tab === 'service-accounts' && <ServiceAccountsSection teams={(orgs.data?.organizations ?? []).flatMap((o) => o.teams)} />}
      {tab === 'settings' && <SettingsSection orgs={orgs.data?.organizations ?? []} />}
      {tab === 'webhooks' && <WebhooksSection targets={(orgs.data?.organizations ?? []).map((o) => o.name)} />}
    </main>
  );
}

function UsersSection() {
  const client = useQueryClient();
  const users = useQuery({ queryKey: ['admin', 'users'], queryFn: ({ signal }) => adminApi.users(signal) });
  const [email, setEmail] = useState('');
  const [admin, setAdmin] = useState(false);
  const create = useMutation({
    mutationFn: () => adminApi.createUser(email.trim(), admin),
    onSuccess: () => { setEmail(''); setAdmin(false); void client.invalidateQueries({ queryKey: ['admin', 'users'] }); },
  });
  const toggle = useMutation({
    mutationFn: (a: { user: string; admin: boolean }) => adminApi.setSiteAdmin(a.user, a.admin),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['admin', 'users'] }),
  });
  return (
    <section aria-label="Users">
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); create.mutate(); }}>
        <label>Email <input value={email} onChange={(e) => setEmail(e.target.value)} placeholder="jo@example.com" data-testid="new-user-email" /></label>
        <label><input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} /> site admin</label>
        <button type="submit" disabled={create.isPending || !email.trim()}>Create user</button>
      </form>
      <Err error={create.error} /><Err error={users.error} /><Err error={toggle.error} />
      <table className="data-table" data-testid="users-table">
        <thead><tr><th>User</th><th>Email</th><th>Kind</th><th>Created</th><th /></tr></thead>
        <tbody>{users.data?.users.map((u) => (
          <tr key={u.username} data-user={u.username}><td>{u.username}</td><td>{u.email ?? '—'}</td>
            <td>{u.admin ? 'site admin' : u.serviceAccount ? 'service account' : 'user'}</td><td>{u.createdAt.slice(0, 10)}</td>
            <td>{!u.serviceAccount && (
              <button type="button" className="link" disabled={toggle.isPending} onClick={() => toggle.mutate({ user: u.username, admin: !u.admin })}>
                {u.admin ? 'Remove admin' : 'Make admin'}</button>)}</td></tr>
        ))}</tbody>
      </table>
    </section>
  );
}

function Picker({ label, options, value, onChange, testId }: { label: string; options: string[]; value: string; onChange: (v: string) => void; testId: string }) {
  return (
    <label>{label}{' '}
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="">choose…</option>
        {options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </label>
  );
}

function TeamsSection({ targets }: { targets: string[] }) {
  const client = useQueryClient();
  const [target, setTarget] = useState('');
  const [newMember, setNewMember] = useState('');
  const [newRole, setNewRole] = useState<string>('member');
  const members = useQuery({ queryKey: ['admin', 'members', target], queryFn: ({ signal }) => adminApi.members(target, signal), enabled: target !== '' });
  const refresh = () => client.invalidateQueries({ queryKey: ['admin', 'members', target] });
  const setRole = useMutation({ mutationFn: (a: { user: string; role: string }) => adminApi.setRole(target, a.user, a.role), onSuccess: () => { setNewMember(''); void refresh(); } });
  const remove = useMutation({ mutationFn: (user: string) => adminApi.removeMember(target, user), onSuccess: () => void refresh() });
  return (
    <section aria-label="Teams and roles">
      <Picker label="Organization or team" options={targets} value={target} onChange={setTarget} testId="member-target" />
      {target && (
        <>
          <Err error={members.error} /><Err error={setRole.error} /><Err error={remove.error} />
          <table className="data-table" data-testid="members-table">
            <thead><tr><th>Member</th><th>Role</th><th /></tr></thead>
            <tbody>{members.data?.members.map((m) => (
              <tr key={m.username} data-member={m.username}>
                <td>{m.username}{m.serviceAccount ? ' (service account)' : ''}</td>
                <td>
                  <select aria-label={`Role of ${m.username}`} value={m.role} disabled={setRole.isPending}
                    onChange={(e) => setRole.mutate({ user: m.username, role: e.target.value })}>
                    {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                </td>
                <td><button type="button" className="link" onClick={() => remove.mutate(m.username)}>Remove</button></td>
              </tr>
            ))}</tbody>
          </table>
          <form className="inline-form" onSubmit={(e) => { e.preventDefault(); setRole.mutate({ user: newMember.trim(), role: newRole }); }}>
            <label>Add member <input value={newMember} onChange={(e) => setNewMember(e.target.value)} placeholder="username or email" /></label>
            <select aria-label="Role of the new member" value={newRole} onChange={(e) => setNewRole(e.target.value)}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
            <button type="submit" disabled={!newMember.trim() || setRole.isPending}>Add</button>
          </form>
        </>
      )}
    </section>
  );
}

function ServiceAccountsSection({ teams }: { teams: string[] }) {
  const client = useQueryClient();
  const [team, setTeam] = useState('');
  const [username, setUsername] = useState('');
  const [description, setDescription] = useState('');
  const members = useQuery({ queryKey: ['admin', 'members', team], queryFn: ({ signal }) => adminApi.members(team, signal), enabled: team !== '' });
  const create = useMutation({
    mutationFn: () => adminApi.createServiceAccount(team, username.trim(), description.trim()),
    onSuccess: () => { setUsername(''); setDescription(''); void client.invalidateQueries({ queryKey: ['admin'] }); },
  });
  const accounts = (members.data?.members ?? []).filter((m) => m.serviceAccount);
  return (
    <section aria-label="Service accounts">
      <Picker label="Team" options={teams} value={team} onChange={setTeam} testId="sa-team" />
      {team && (
        <>
          <form className="inline-form" onSubmit={(e) => { e.preventDefault(); create.mutate(); }}>
            <label>Name <input value={username} onChange={(e) => setUsername(e.target.value)} placeholder="(generated)" /></label>
            <label>Description <input value={description} onChange={(e) => setDescription(e.target.value)} placeholder="e.g. CI" /></label>
            <button type="submit" disabled={create.isPending}>Create service account</button>
          </form>
          <Err error={create.error} /><Err error={members.error} />
          {accounts.length === 0 && members.data && <p className="muted">No service account in {team}.</p>}
          {accounts.map((a) => <ServiceAccountKeys key={a.username} username={a.username} />)}
        </>
      )}
    </section>
  );
}

function ServiceAccountKeys({ username }: { username: string }) {
  const client = useQueryClient();
  const qk = ['admin', 'keys', username];
  const keys = useQuery({ queryKey: qk, queryFn: ({ signal }) => adminApi.keys(username, signal) });
  const [name, setName] = useState('');
  const [created, setCreated] = useState<(AdminKey & { key: string }) | null>(null);
  const create = useMutation({
    mutationFn: () => adminApi.createKey(username, name.trim()),
    onSuccess: (k) => { setCreated(k); setName(''); void client.invalidateQueries({ queryKey: qk }); },
  });
  const revoke = useMutation({ mutationFn: (id: number) => adminApi.revokeKey(username, id), onSuccess: () => void client.invalidateQueries({ queryKey: qk }) });
  return (
    <div className="service-account" data-account={username}>
      <h3>{username}</h3>
      <form className="inline-form" onSubmit={(e: FormEvent) => { e.preventDefault(); create.mutate(); }}>
        <label>Key name <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} /></label>
        <button type="submit" disabled={create.isPending}>Create API key</button>
      </form>
      {created && (
        <div className="new-key" role="status">
          <p>Copy this key now: it is not shown again.</p>
          <code data-testid="new-sa-key">{created.key}</code>{' '}
          <button type="button" className="link" onClick={() => setCreated(null)}>Done</button>
        </div>
      )}
      <Err error={create.error} /><Err error={revoke.error} /><Err error={keys.error} />
      <table className="data-table">
        <thead><tr><th>Key</th><th>Name</th><th>Created</th><th /></tr></thead>
        <tbody>{keys.data?.keys.map((k) => (
          <tr key={k.id} data-key-prefix={k.prefix}><td><code>{k.prefix}…</code></td><td>{k.name ?? '—'}</td><td>{k.createdAt.slice(0, 10)}</td>
            <td>{k.revokedAt ? <span className="muted">revoked</span>
              : <button type="button" className="link" onClick={() => revoke.mutate(k.id)}>Revoke</button>}</td></tr>
        ))}</tbody>
      </table>
    </div>
  );
}

function SettingsSection({ orgs }: { orgs: { name: string; entityName: string }[] }) {
  const [org, setOrg] = useState('');
  const [registry, setRegistry] = useState('');
  const [text, setText] = useState('');
  const orgEntity = orgs.find((o) => o.name === org)?.entityName ?? org;
  const project = `wandb-registry-${registry.trim()}`;
  const current = useQuery({
    queryKey: ['admin', 'protected', orgEntity, project],
    queryFn: async () => (await adminApi.protectedAliases(orgEntity, project)).registryProtectedAliases,
    enabled: org !== '' && registry.trim() !== '',
    retry: false,
  });
  const save = useMutation({
    mutationFn: (aliases: string[] | null) => adminApi.setProtectedAliases(orgEntity, project, aliases),
    onSuccess: () => void current.refetch(),
  });
  return (
    <section aria-label="Organization settings">
      <h2>Protected aliases of a registry</h2>
      <p className="hint">Only registry admins move these aliases. Default: staging, production.</p>
      <div className="inline-form">
        <Picker label="Organization" options={orgs.map((o) => o.name)} value={org} onChange={setOrg} testId="settings-org" />
        <label>Registry <input value={registry} onChange={(e) => setRegistry(e.target.value)} placeholder="model" /></label>
      </div>
      <Err error={current.error} />
      {current.data && (
        <form className="inline-form" onSubmit={(e) => { e.preventDefault(); save.mutate(parseAliasList(text)); }}>
          <p>Now: <strong data-testid="protected-now">{current.data.join(', ') || 'none'}</strong></p>
          <label>New list <input value={text} onChange={(e) => setText(e.target.value)} placeholder="staging, production" /></label>
          <button type="submit" disabled={save.isPending}>Save</button>
          <button type="button" className="link" onClick={() => save.mutate(null)}>Back to defaults</button>
        </form>
      )}
      <Err error={save.error} />
      <h2>Default artifact TTL</h2>
      <p className="hint">Versions logged without a TTL of their own follow the nearest default: their collection&apos;s, else their
        project&apos;s (<code>cairn artifacts ttl-default &lt;entity/project[/collection]&gt; 30d</code>), else their
        organization&apos;s (here; projects of the organization and its teams). <code>none</code> at any level means never expire.</p>
      {org && <OrgTtlDefault org={org} />}
      {!org && <p className="muted">Choose an organization above.</p>}
    </section>
  );
}

/** An organization's default TTL: read it, preview a new value's effect on existing versions, then apply. */
function OrgTtlDefault({ org }: { org: string }) {
  const client = useQueryClient();
  const current = useQuery({ queryKey: ['admin', 'org-ttl', org], queryFn: ({ signal }) => adminApi.orgTtlDefault(org, signal), retry: false });
  const [text, setText] = useState('30d');
  const [preview, setPreview] = useState<{ seconds: number | null; result: OrgTtlPreview } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const parse = (): number | null | undefined => {
    const v = text.trim().toLowerCase();
    if (v === 'unset') return null;
    if (v === 'none') return 0;
    const seconds = parseDuration(v);
    if (seconds === null) { setError(`not a duration: "${text}" (use e.g. 30d, or none / unset)`); return undefined; }
    return seconds;
  };
  const run = useMutation({
    mutationFn: async () => {
      setError(null);
      const seconds = parse();
      if (seconds === undefined) return;
      setPreview({ seconds, result: await adminApi.previewOrgTtlDefault(org, seconds) });
    },
  });
  const apply = useMutation({
    mutationFn: (seconds: number | null) => adminApi.setOrgTtlDefault(org, seconds),
    onSuccess: () => { setPreview(null); void client.invalidateQueries({ queryKey: ['admin', 'org-ttl', org] }); },
  });
  const now = current.data?.seconds;
  const r = preview?.result;
  return (
    <div data-testid="org-ttl">
      <p>Now: <strong data-testid="org-ttl-now">{current.data ? (now === null ? 'unset' : now === 0 ? 'never expire' : formatTtl(now!)) : '…'}</strong></p>
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); run.mutate(); }}>
        <label>New default <input aria-label="Organization default TTL" value={text} onChange={(e) => { setText(e.target.value); setPreview(null); }} size={8} placeholder="30d, none, unset" /></label>
        <button type="submit" disabled={run.isPending}>Preview</button>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      <Err error={current.error} /><Err error={run.error} /><Err error={apply.error} />
      {preview && r && (
        <div data-testid="org-ttl-preview">
          <p>{r.inheriting} {r.inheriting === 1 ? 'version follows' : 'versions follow'} defaults in this organization; {r.changed} would change.{' '}
            {r.wouldExpire} would expire{r.wouldExpire > 0 ? `, from ${formatExpiry(r.earliest)} to ${formatExpiry(r.latest)}` : ''}
            {r.pastDue > 0 ? `; ${r.pastDue} at once (already past)` : ''}.{r.truncated ? ' (Counted the first 100,000 versions.)' : ''}</p>
          <button type="button" onClick={() => apply.mutate(preview.seconds)} disabled={apply.isPending}>Apply {text.trim()} to {org}</button>
        </div>
      )}
    </div>
  );
}

/** A new team in an organization; the admin creating it becomes its admin. */
function NewTeamForm({ orgs }: { orgs: string[] }) {
  const client = useQueryClient();
  const [org, setOrg] = useState('');
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => adminApi.createTeam(org, name.trim()),
    onSuccess: () => { setName(''); void client.invalidateQueries({ queryKey: ['admin', 'orgs'] }); },
  });
  return (
    <form className="inline-form" aria-label="New team" onSubmit={(e) => { e.preventDefault(); create.mutate(); }}>
      <Picker label="New team in" options={orgs} value={org} onChange={setOrg} testId="new-team-org" />
      <label>Team name <input value={name} onChange={(e) => setName(e.target.value)} data-testid="new-team-name" /></label>
      <button type="submit" disabled={!org || !name.trim() || create.isPending}>Create team</button>
      {create.data && <span className="muted" data-testid="team-created">Created {create.data.name}</span>}
      <Err error={create.error} />
    </form>
  );
}

function WebhooksSection({ targets }: { targets: string[] }) {
  const client = useQueryClient();
  const [target, setTarget] = useState('');
  const [registry, setRegistry] = useState('');
  const path = registry.trim() ? `${target}/${registry.trim()}` : target;
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [description, setDescription] = useState('');
  const [open, setOpen] = useState<number | null>(null);
  const hooks = useQuery({ queryKey: ['admin', 'webhooks', path], queryFn: ({ signal }) => adminApi.webhooks(path, signal), enabled: target !== '', retry: false });
  const refresh = () => client.invalidateQueries({ queryKey: ['admin', 'webhooks', path] });
  const add = useMutation({ mutationFn: () => adminApi.addWebhook(path, url.trim(), secret, description.trim()), onSuccess: () => { setUrl(''); setSecret(''); setDescription(''); void refresh(); } });
  const remove = useMutation({ mutationFn: (id: number) => adminApi.removeWebhook(id), onSuccess: () => void refresh() });
  return (
    <section aria-label="Webhooks">
      <p className="hint">Promotions in an organization&apos;s registries (and run alerts sent to it) are posted, signed with the secret (HMAC-SHA256).</p>
      <div className="inline-form">
        <Picker label="Organization" options={targets} value={target} onChange={setTarget} testId="webhook-org" />
        <label>Registry (optional) <input value={registry} onChange={(e) => setRegistry(e.target.value)} placeholder="all registries" /></label>
      </div>
      {target && (
        <>
          <form className="inline-form" onSubmit={(e) => { e.preventDefault(); add.mutate(); }}>
            <label>URL <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.example.com/cairn" /></label>
            <label>Secret <input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} placeholder="16+ characters" /></label>
            <label>Description <input value={description} onChange={(e) => setDescription(e.target.value)} /></label>
            <button type="submit" disabled={add.isPending || !url.trim()}>Add webhook</button>
          </form>
          <Err error={add.error} /><Err error={remove.error} /><Err error={hooks.error} />
          <table className="data-table" data-testid="webhooks-table">
            <thead><tr><th>URL</th><th>Description</th><th>Added by</th><th /></tr></thead>
            <tbody>{hooks.data?.webhooks.map((w) => (
              <Row key={w.id} open={open === w.id} cells={<>
                <td><code>{w.url}</code></td><td>{w.description ?? '—'}</td><td>{w.createdBy}</td>
                <td><button type="button" className="link" onClick={() => setOpen(open === w.id ? null : w.id)}>Deliveries</button>{' '}
                  <button type="button" className="link" onClick={() => remove.mutate(w.id)}>Remove</button></td>
              </>} detail={<Deliveries id={w.id} />} />
            ))}</tbody>
          </table>
          {hooks.data?.webhooks.length === 0 && <p className="muted">No webhook here.</p>}
        </>
      )}
    </section>
  );
}

function Row({ open, cells, detail }: { open: boolean; cells: ReactNode; detail: ReactNode }) {
  return <>{<tr>{cells}</tr>}{open && <tr><td colSpan={4}>{detail}</td></tr>}</>;
}

function Deliveries({ id }: { id: number }) {
  const d = useQuery({ queryKey: ['admin', 'deliveries', id], queryFn: ({ signal }) => adminApi.deliveries(id, signal) });
  if (d.error) return <Err error={d.error} />;
  if (!d.data) return <p className="muted">Loading…</p>;
  if (d.data.deliveries.length === 0) return <p className="muted">Nothing sent yet.</p>;
  return (
    <table className="data-table">
      <thead><tr><th>Event</th><th>Status</th><th>Attempts</th><th>HTTP</th><th>Error</th><th>Queued</th></tr></thead>
      <tbody>{d.data.deliveries.map((x) => (
        <tr key={x.id}><td>{x.eventType}</td><td>{x.status}</td><td>{x.attempts}</td><td>{x.lastStatusCode ?? '—'}</td>
          <td>{x.lastError ?? ''}</td><td>{x.createdAt.replace('T', ' ').slice(0, 19)}</td></tr>
      ))}</tbody>
    </table>
  );
}
