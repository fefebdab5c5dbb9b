import type { AuditLog } from './audit.js';
import { hashApiKey, type AuthService, type Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { OrgService } from './orgs.js';
import type { MetaStore, User } from './ports.js';
import type { CredentialStore } from './security-ports.js';

/** What a non-admin gets from any admin route: the same answer as a page that does not exist (no names leak). */
export const notAllowed = () => new DomainError(ErrorCodes.NOT_FOUND, 'not found');

export interface KeyInfo { id: number; name: string | null; prefix: string; createdAt: Date; revokedAt: Date | null }

/**
 * The administration pages' reads and the few actions no other service offers to a signed-in site admin:
 * listing everyone, organizations with their teams, and the API keys of service accounts. Membership changes
 * go through OrgService (its invariants and audit), which this only gates on the site-admin flag.
 */
export class AdminConsole {
  constructor(
    private readonly meta: MetaStore,
    private readonly auth: AuthService,
    private readonly creds: CredentialStore,
    private readonly orgs: OrgService,
    private readonly audit: AuditLog,
  ) {}

  requireSiteAdmin(viewer: Viewer): void {
    if (!viewer.user.admin) throw notAllowed();
  }

  async users(viewer: Viewer, query = ''): Promise<User[]> {
    this.requireSiteAdmin(viewer);
    return this.meta.searchUsers(query, 500);
  }

  /** Makes a user a site admin or takes it back; an admin cannot take their own (so one always remains). */
  async setSiteAdmin(viewer: Viewer, username: string, admin: boolean): Promise<User> {
    this.requireSiteAdmin(viewer);
    const user = await this.meta.findUserByUsername(username);
    if (!user || user.deletedAt) throw new DomainError(ErrorCodes.USER_NOT_FOUND, `no user ${username}`);
    if (user.serviceAccount && admin) throw invalidInput('service accounts cannot be site admins');
    if (user.id === viewer.user.id && !admin) throw new DomainError(ErrorCodes.CONFLICT, 'you cannot take away your own site admin role: ask another admin');
    if (user.admin !== admin) {
      await this.meta.setUserAdmin(user.id, admin);
      await this.audit.record({ actor: viewer.user.username, action: 'user.admin', target: user.username, detail: { admin } });
    }
    return { ...user, admin };
  }

  async organizations(viewer: Viewer) {
    this.requireSiteAdmin(viewer);
    const orgs = await this.meta.listOrganizations();
    return Promise.all(orgs.map(async (org) => {
      const orgEntity = await this.meta.findEntityById(org.entityId);
      const teams = await this.meta.listTeamsOfOrganization(org.id);
      return { name: org.name, entityName: orgEntity?.name ?? org.name, teams: teams.map((t) => t.name) };
    }));
  }

  /** A service account by username; any other user (or none) is "not found", so keys of people stay theirs. */
  private async serviceAccount(viewer: Viewer, username: string): Promise<User> {
    this.requireSiteAdmin(viewer);
    const user = await this.meta.findUserByUsername(username);
    if (!user || !user.serviceAccount) throw new DomainError(ErrorCodes.USER_NOT_FOUND, `no service account ${username}`);
    return user;
  }

  async serviceAccountKeys(viewer: Viewer, username: string): Promise<KeyInfo[]> {
    const user = await this.serviceAccount(viewer, username);
    return (await this.meta.listApiKeys(user.id)).map(({ id, name, prefix, createdAt, revokedAt }) => ({ id, name, prefix, createdAt, revokedAt }));
  }

  /** A new key for a service account; the key itself is in this answer only. */
  async createServiceAccountKey(viewer: Viewer, username: string, name: unknown, ip: string | null): Promise<KeyInfo & { key: string }> {
    const user = await this.serviceAccount(viewer, username);
    if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > 200)) {
      throw invalidInput('name must be a string of at most 200 characters');
    }
    const key = await this.auth.createApiKey(user.id, { name: (name as string | null | undefined) ?? null });
    const record = await this.meta.findApiKeyByHash(hashApiKey(key));
    if (!record) throw new Error('API key vanished right after it was created');
    await this.audit.record({ actor: viewer.user.username, action: 'key.create', target: record.prefix, ip, detail: { keyId: record.id, user: user.username } });
    return { id: record.id, name: record.name, prefix: record.prefix, createdAt: record.createdAt, revokedAt: null, key };
  }

  async revokeServiceAccountKey(viewer: Viewer, username: string, id: number, ip: string | null): Promise<void> {
    const user = await this.serviceAccount(viewer, username);
    if (!Number.isSafeInteger(id) || id <= 0 || !(await this.creds.revokeApiKeyOfUser(user.id, id))) {
      throw new DomainError(ErrorCodes.NOT_FOUND, `no API key ${id} of ${username}`);
    }
    await this.audit.record({ actor: viewer.user.username, action: 'key.revoke', target: String(id), ip, detail: { keyId: id, user: user.username } });
  }

  async members(viewer: Viewer, target: string) {
    this.requireSiteAdmin(viewer);
    return this.orgs.listMembers(viewer, target);
  }
}
