import type { AuditLog } from './audit.js';
import { hashApiKey, type AuthService, type Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { MetaStore } from './ports.js';
import type { CredentialStore } from './security-ports.js';

export interface ApiKeyInfo { id: number; name: string | null; prefix: string; createdAt: Date; revokedAt: Date | null }

/** A user's own API keys, for the web UI: list, create (the key is shown once), revoke (effective at once). */
export class ApiKeyService {
  constructor(
    private readonly meta: MetaStore,
    private readonly auth: AuthService,
    private readonly creds: CredentialStore,
    private readonly audit: AuditLog,
  ) {}

  async list(viewer: Viewer): Promise<ApiKeyInfo[]> {
    return (await this.meta.listApiKeys(viewer.user.id)).map(({ id, name, prefix, createdAt, revokedAt }) => ({
      id, name, prefix, createdAt, revokedAt,
    }));
  }

  async create(viewer: Viewer, name: unknown, ip: string | null): Promise<ApiKeyInfo & { key: string }> {
    if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > 200)) {
      throw invalidInput('name must be a string of at most 200 characters');
    }
    const key = await this.auth.createApiKey(viewer.user.id, { name: (name as string | null | undefined) ?? null });
    const record = await this.meta.findApiKeyByHash(hashApiKey(key));
    if (!record) throw new Error('API key vanished right after it was created');
    await this.audit.record({ actor: viewer.user.username, action: 'key.create', target: record.prefix, ip, detail: { keyId: record.id } });
    return { id: record.id, name: record.name, prefix: record.prefix, createdAt: record.createdAt, revokedAt: null, key };
  }

  /** Revokes one of the viewer's own keys; someone else's key answers exactly like a missing one. */
  async revoke(viewer: Viewer, id: number, ip: string | null): Promise<ApiKeyInfo> {
    if (!Number.isSafeInteger(id) || id <= 0) throw invalidInput('key id must be a positive integer');
    if (!(await this.creds.revokeApiKeyOfUser(viewer.user.id, id))) {
      throw new DomainError(ErrorCodes.NOT_FOUND, `no API key ${id}`);
    }
    const info = (await this.list(viewer)).find((k) => k.id === id);
    if (!info) throw new DomainError(ErrorCodes.NOT_FOUND, `no API key ${id}`);
    await this.audit.record({ actor: viewer.user.username, action: 'key.revoke', target: info.prefix, ip, detail: { keyId: id } });
    return info;
  }
}
