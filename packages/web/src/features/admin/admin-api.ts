import { apiFetch, gql } from '../../lib/api';

/** The administration pages' calls (http/admin-ui-routes.ts; site admins only, 404 for anyone else). */
export interface AdminUser { username: string; email: string | null; admin: boolean; serviceAccount: boolean; createdAt: string; role?: string }
export interface AdminOrg { name: string; entityName: string; teams: string[] }
export interface AdminKey { id: number; name: string | null; prefix: string; createdAt: string; revokedAt: string | null }
export interface AdminWebhook { id: number; url: string; description: string | null; createdBy: string; createdAt: string }
export interface AdminDelivery {
  id: number; eventType: string; status: string; attempts: number; lastStatusCode: number | null; lastError: string | null;
  createdAt: string; deliveredAt: string | null;
}

export interface OrgTtlPreview {
  inheriting: number; wouldExpire: number; pastDue: number; changed: number; earliest: string | null; latest: string | null;
  soonest: { collection: string; version: number; expiresAt: string }[]; truncated: boolean;
}

const seg = encodeURIComponent;
export const adminApi = {
  users: (signal?: AbortSignal) => apiFetch<{ users: AdminUser[] }>('/api/v1/admin/users', { signal }),
  createUser: (email: string, admin: boolean) => apiFetch<AdminUser>('/api/v1/admin/users', { body: { email, admin } }),
  setSiteAdmin: (user: string, admin: boolean) => apiFetch<AdminUser>(`/api/v1/admin/users/${seg(user)}`, { method: 'PUT', body: { admin } }),
  orgs: (signal?: AbortSignal) => apiFetch<{ organizations: AdminOrg[] }>('/api/v1/admin/orgs', { signal }),
  members: (target: string, signal?: AbortSignal) => apiFetch<{ members: AdminUser[] }>(`/api/v1/admin/members/${seg(target)}`, { signal }),
  setRole: (target: string, user: string, role: string) =>
    apiFetch<{ role: string }>(`/api/v1/admin/members/${seg(target)}/${seg(user)}`, { method: 'PUT', body: { role } }),
  removeMember: (target: string, user: string) => apiFetch<void>(`/api/v1/admin/members/${seg(target)}/${seg(user)}`, { method: 'DELETE' }),
  createServiceAccount: (team: string, username: string, description: string) =>
    apiFetch<AdminUser>(`/api/v1/admin/teams/${seg(team)}/service-accounts`, { body: { ...(username ? { username } : {}), description } }),
  keys: (user: string, signal?: AbortSignal) => apiFetch<{ keys: AdminKey[] }>(`/api/v1/admin/service-accounts/${seg(user)}/keys`, { signal }),
  createKey: (user: string, name: string) => apiFetch<AdminKey & { key: string }>(`/api/v1/admin/service-accounts/${seg(user)}/keys`, { body: name ? { name } : {} }),
  revokeKey: (user: string, id: number) => apiFetch<void>(`/api/v1/admin/service-accounts/${seg(user)}/keys/${id}`, { method: 'DELETE' }),
  webhooks: (target: string, signal?: AbortSignal) => apiFetch<{ webhooks: AdminWebhook[] }>(`/api/v1/admin/webhooks?target=${seg(target)}`, { signal }),
  addWebhook: (target: string, url: string, secret: string, description: string) =>
    apiFetch<AdminWebhook>('/api/v1/admin/webhooks', { body: { target, url, secret, ...(description ? { description } : {}) } }),
  removeWebhook: (id: number) => apiFetch<void>(`/api/v1/admin/webhooks/${id}`, { method: 'DELETE' }),
  deliveries: (id: number, signal?: AbortSignal) => apiFetch<{ deliveries: AdminDelivery[] }>(`/api/v1/admin/webhooks/${id}/deliveries`, { signal }),
  createTeam: (org: string, name: string) => apiFetch<{ name: string; org: string }>('/api/v1/admin/teams', { body: { org, name } }),
  orgTtlDefault: (org: string, signal?: AbortSignal) => apiFetch<{ organization: string; seconds: number | null }>(`/api/v1/admin/orgs/${seg(org)}/ttl-default`, { signal }),
  previewOrgTtlDefault: (org: string, seconds: number | null) =>
    apiFetch<OrgTtlPreview>(`/api/v1/admin/orgs/${seg(org)}/ttl-default-preview${seconds === null ? '' : `?value=${seconds}`}`),
  setOrgTtlDefault: (org: string, seconds: number | null) =>
    apiFetch<{ organization: string; seconds: number | null }>(`/api/v1/admin/orgs/${seg(org)}/ttl-default`, { method: 'PUT', body: { seconds } }),
  protectedAliases: (orgEntity: string, registryProject: string) =>
    gql<{ registryProtectedAliases: string[] }>('query($e: String!, $p: String!) { registryProtectedAliases(entityName: $e, projectName: $p) }', { e: orgEntity, p: registryProject }),
  setProtectedAliases: (orgEntity: string, registryProject: string, aliases: string[] | null) =>
    gql<{ setRegistryProtectedAliases: { aliases: string[] } }>(
      'mutation($i: SetRegistryProtectedAliasesInput!) { setRegistryProtectedAliases(input: $i) { aliases } }',
      { i: { entityName: orgEntity, projectName: registryProject, aliases } },
    ),
};

/** "staging, production ,  prod" → ["staging", "production", "prod"]; empty entries and repeats dropped. */
export function parseAliasList(text: string): string[] {
  return [...new Set(text.split(',').map((a) => a.trim()).filter((a) => a !== ''))];
}
