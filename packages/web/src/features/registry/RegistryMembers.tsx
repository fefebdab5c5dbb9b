import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { gql } from '../../lib/api';
import { fetchAliasPermissions } from '../artifacts/queries';

const ROLES = ['admin', 'member', 'viewer', 'restricted_viewer'] as const;
const MEMBERS = `query($org: String!, $registry: String!) {
  project(name: $registry, entityName: $org) { id members { id username accountType role { name } } teamMembers { team { id name } role { name } } }
  entity(name: $org) { members { id username } } }`;
interface Members {
  project: {
    id: string; members: { id: string; username: string | null; accountType: string | null; role: { name: string } }[];
    teamMembers: { team: { id: string; name: string }; role: { name: string } }[];
  } | null;
  entity: { members: { id: string | null; username: string | null }[] } | null;
}
const UPDATE = `mutation($i: UpdateProjectMemberInput!) { updateProjectMember(input: $i) { success } }`;
const REMOVE = `mutation($i: DeleteProjectMembersInput!) { deleteProjectMembers(input: $i) { success } }`;
const UPDATE_TEAM = `mutation($i: UpdateProjectTeamMemberInput!) { updateProjectTeamMember(input: $i) { success } }`;
const TEAM_ID = `query($name: String!) { entity(name: $name) { id } }`;

/**
 * Members of a registry and their roles (createProjectMembers/updateProjectMember/deleteProjectMembers, as the
 * SDK's registry API sends them). Only registry admins see the controls; the server decides every change.
 */
export function RegistryMembers({ org, project }: { org: string; project: string }) {
  const client = useQueryClient();
  const qk = ['registry-members', org, project];
  const q = useQuery({ queryKey: qk, queryFn: ({ signal }) => gql<Members>(MEMBERS, { org, registry: project }, signal) });
  const perms = useQuery({ queryKey: ['alias-permissions', org, project], queryFn: ({ signal }) => fetchAliasPermissions(org, project, signal), staleTime: 30_000 });
  const [who, setWho] = useState('');
  const [role, setRole] = useState<string>('viewer');
  const projectId = q.data?.project?.id;
  const change = useMutation({
    mutationFn: (a: { userId: string; role: string | null }) => (a.role === null
      ? gql(REMOVE, { i: { projectId, userIds: [a.userId] } })
      : gql(UPDATE, { i: { projectId, userId: a.userId, userProjectRole: a.role } })),
    onSuccess: () => { setWho(''); void client.invalidateQueries({ queryKey: qk }); },
  });
  const [teamName, setTeamName] = useState('');
  const [teamRole, setTeamRole] = useState<string>('viewer');
  // A team's role (null: remove it); a team named by the admin is looked up first.
  const changeTeam = useMutation({
    mutationFn: async (a: { teamId?: string; teamName?: string; role: string | null }) => {
      let teamId = a.teamId;
      if (!teamId) {
        teamId = (await gql<{ entity: { id: string } | null }>(TEAM_ID, { name: a.teamName })).entity?.id;
        if (!teamId) throw new Error(`no team named ${a.teamName}`);
      }
      return a.role === null
        ? gql(REMOVE, { i: { projectId, teamIds: [teamId] } })
        : gql(UPDATE_TEAM, { i: { projectId, teamId, teamProjectRole: a.role } });
    },
    onSuccess: () => { setTeamName(''); void client.invalidateQueries({ queryKey: qk }); },
  });
  if (!q.data?.project) return q.error ? <p className="error" role="alert">{q.error.message}</p> : null;
  const manage = perms.data?.canChangeProtected === true;
  const members = q.data.project.members;
  const candidates = (q.data.entity?.members ?? []).filter((m) => m.id && m.username && !members.some((x) => x.id === m.id));
  return (
    <section aria-label="Registry members" data-testid="registry-members">
      <h2>Members</h2>
      {members.length === 0 && <p className="muted">No one has a role of their own here (organization admins administer every registry).</p>}
      {members.length > 0 && (
        <table className="plain">
          <thead><tr><th>Member</th><th>Role</th>{manage && <th />}</tr></thead>
          <tbody>{members.map((m) => (
            <tr key={m.id} data-member={m.username ?? ''}>
              <td>{m.username}{m.accountType === 'SERVICE' ? ' (service account)' : ''}</td>
              <td>{manage
                ? <select aria-label={`Registry role of ${m.username}`} value={m.role.name} disabled={change.isPending}
                  onChange={(e) => change.mutate({ userId: m.id, role: e.target.value })}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
                : m.role.name}</td>
              {manage && <td><button type="button" className="link" onClick={() => change.mutate({ userId: m.id, role: null })}>Remove</button></td>}
            </tr>))}</tbody>
        </table>
      )}
      {manage && candidates.length > 0 && (
        <form className="inline-form" onSubmit={(e) => { e.preventDefault(); if (who) change.mutate({ userId: who, role }); }}>
          <select aria-label="New registry member" value={who} onChange={(e) => setWho(e.target.value)}>
            <option value="">add an organization member…</option>
            {candidates.map((m) => <option key={m.id} value={m.id!}>{m.username}</option>)}
          </select>
          <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value)}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
          <button type="submit" disabled={!who || change.isPending}>Add member</button>
        </form>
      )}
      <h3>Teams</h3>
      {q.data.project.teamMembers.length === 0 && <p className="muted">No team has a role here.</p>}
      {q.data.project.teamMembers.length > 0 && (
        <table className="plain" data-testid="registry-teams">
          <thead><tr><th>Team</th><th>Role</th>{manage && <th />}</tr></thead>
          <tbody>{q.data.project.teamMembers.map((t) => (
            <tr key={t.team.id} data-team={t.team.name}>
              <td>{t.team.name}</td>
              <td>{manage
                ? <select aria-label={`Registry role of team ${t.team.name}`} value={t.role.name} disabled={changeTeam.isPending}
                  onChange={(e) => changeTeam.mutate({ teamId: t.team.id, role: e.target.value })}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
                : t.role.name}</td>
              {manage && <td><button type="button" className="link" onClick={() => changeTeam.mutate({ teamId: t.team.id, role: null })}>Remove</button></td>}
            </tr>))}</tbody>
        </table>
      )}
      {manage && (
        <form className="inline-form" aria-label="Add a team" onSubmit={(e) => { e.preventDefault(); if (teamName.trim()) changeTeam.mutate({ teamName: teamName.trim(), role: teamRole }); }}>
          <input aria-label="Team name" value={teamName} onChange={(e) => setTeamName(e.target.value)} placeholder="team name" />
          <select aria-label="Team role" value={teamRole} onChange={(e) => setTeamRole(e.target.value)}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
          <button type="submit" disabled={!teamName.trim() || changeTeam.isPending}>Add team</button>
        </form>
      )}
      {changeTeam.error && <p className="error" role="alert">{changeTeam.error.message}</p>}
      {!manage && perms.data && <p className="hint">Only this registry&apos;s admins change its members.</p>}
      {change.error && <p className="error" role="alert">{change.error.message}</p>}
    </section>
  );
}
