import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { UserId } from '@cairn/shared';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { MetaStore, User } from './ports.js';

/** Who is calling: resolved once per request from the API key, passed to every core service. */
export interface Viewer { user: User }

export const hashApiKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/** `local-<40 hex>`: the SDK splits on the first '-' and wants ≥ 40 [\w-] chars after it (protocol §1.2). */
export const generateApiKey = () => `local-${randomBytes(20).toString('hex')}`;

/** Users, teams and org entities share one namespace and these name rules. */
export const ENTITY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Parses `Authorization: Basic base64(api:KEY)` (or `Bearer KEY`); returns the key or null. */
export function apiKeyFromAuthorization(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.split(' ', 2);
  if (!value) return null;
  if (scheme?.toLowerCase() === 'bearer') return value.trim() || null;
  if (scheme?.toLowerCase() !== 'basic') return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  if (sep < 0) return null;
  return decoded.slice(sep + 1) || null;
}

export class AuthService {
  constructor(private readonly meta: MetaStore) {}

  /** The viewer for an API key, or null when the key is unknown, revoked, or its user is gone. */
  async authenticate(key: string | null): Promise<Viewer | null> {
    if (!key) return null;
    const hash = hashApiKey(key);
    const record = await this.meta.findApiKeyByHash(hash);
    if (!record || record.revokedAt !== null) return null;
    if (!timingSafeEqual(Buffer.from(record.keyHash), Buffer.from(hash))) return null;
    const user = await this.meta.findUserById(record.userId);
    if (!user || user.deletedAt !== null) return null;
    return { user };
  }

  async createUser(input: { username: string; email?: string | null; admin?: boolean; serviceAccount?: boolean }): Promise<User> {
    if (!ENTITY_NAME.test(input.username)) {
      throw invalidInput(`invalid username ${JSON.stringify(input.username)}: use letters, digits, '_', '.', '-'`);
    }
    if (await this.meta.findEntityByName(input.username)) {
      throw new DomainError(ErrorCodes.ALREADY_EXISTS, `the name ${input.username} is already taken`);
    }
    return this.meta.createUser({
      username: input.username, email: input.email ?? null, admin: input.admin ?? false, serviceAccount: input.serviceAccount ?? false,
    });
  }

  async getUser(username: string): Promise<User> {
    const user = await this.meta.findUserByUsername(username);
    if (!user) throw new DomainError(ErrorCodes.USER_NOT_FOUND, `no user named ${username}`);
    return user;
  }

  /**
   * Issues a key for a user and returns it; only its hash is stored. `key` lets automation choose it
   * (CAIRN_ADMIN_KEY, the upstream test fixtures); it must still be long enough for the SDK to accept.
   */
  async createApiKey(userId: UserId, opts: { name?: string | null; key?: string } = {}): Promise<string> {
    const key = opts.key ?? generateApiKey();
    if (key.length < 40 || !/^[\w-]+$/.test(key)) throw invalidInput('an API key needs at least 40 characters of [A-Za-z0-9_-]');
    const hash = hashApiKey(key);
    if (!(await this.meta.findApiKeyByHash(hash))) {
      await this.meta.insertApiKey({ userId, keyHash: hash, prefix: key.slice(0, 10), name: opts.name ?? null });
    }
    return key;
  }

  async revokeApiKey(key: string): Promise<void> {
    if (!(await this.meta.revokeApiKey(hashApiKey(key)))) {
      throw new DomainError(ErrorCodes.NOT_FOUND, 'no such active API key');
    }
  }

  /**
   * First start: create the admin user and a key (CAIRN_ADMIN_KEY when given). Returns the new key, or
   * null when users already exist (then CAIRN_ADMIN_KEY is only made sure of, never printed).
   */
  async bootstrapAdmin(username: string, adminKey: string | undefined): Promise<string | null> {
    if ((await this.meta.countUsers()) > 0) {
      if (adminKey) {
        const admin = await this.meta.findUserByUsername(username);
        if (admin) await this.createApiKey(admin.id, { key: adminKey, name: 'CAIRN_ADMIN_KEY' });
      }
      return null;
    }
    const admin = await this.createUser({ username, admin: true });
    return this.createApiKey(admin.id, { name: 'first start', ...(adminKey ? { key: adminKey } : {}) });
  }
}
