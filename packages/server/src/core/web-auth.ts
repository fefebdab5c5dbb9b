import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { UserId } from '@cairn/shared';
import type { AuditLog } from './audit.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import { DEFAULT_SCRYPT, hashPassword, verifyPassword, type ScryptParams } from './passwords.js';
import type { MetaStore, User } from './ports.js';
import type { QuotaCounter } from './quota.js';
import type { CredentialStore } from './security-ports.js';

export interface WebAuthOptions {
  sessionTtlSeconds: number;
  sessionIdleSeconds: number;
  scrypt?: ScryptParams;
}

export interface LoginThrottle {
  perUser: QuotaCounter;
  perIp: QuotaCounter;
}

export type LoginResult =
  | { ok: true; token: string; csrfToken: string; user: User; expiresAt: Date }
  | { ok: false; retryAfterSeconds: number };

export interface SessionContext { viewer: Viewer; csrfToken: string; expiresAt: Date }

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * The CSRF token of a session, derived from its secret token: only a page that was given it can send it back
 * (the cookie is HttpOnly, so other origins' scripts can neither read the cookie nor compute this).
 */
export const csrfTokenFor = (sessionToken: string) =>
  createHash('sha256').update(`cairn-csrf\0${sessionToken}`, 'utf8').digest('base64url');

export function csrfMatches(sessionToken: string, sent: string | undefined): boolean {
  if (!sent) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Passwords, browser sessions and login throttling. API keys stay with AuthService. */
export class WebAuthService {
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly meta: MetaStore,
    private readonly creds: CredentialStore,
    private readonly audit: AuditLog,
    private readonly throttle: LoginThrottle,
    private readonly opts: WebAuthOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sets (or with null, removes) a user's password and ends all their sessions. */
  async setPassword(username: string, password: string | null, actor: string): Promise<void> {
    const user = await this.meta.findUserByUsername(username);
    if (!user) throw new DomainError(ErrorCodes.USER_NOT_FOUND, `no user named ${username}`);
    const hash = password === null ? null : await hashPassword(password, this.opts.scrypt ?? DEFAULT_SCRYPT);
    await this.creds.setPasswordHash(user.id, hash);
    await this.creds.deleteSessionsOfUser(user.id);
    await this.audit.record({ actor, action: password === null ? 'user.password.clear' : 'user.password.set', target: username });
  }

  /**
   * Checks a username and password. Throttled first (before any hashing), per username and per client IP:
   * once either has used up its failures in the window, every attempt answers "retry later", right or wrong.
   */
  async login(input: { username: string; password: string; ip: string | null; userAgent: string | null }): Promise<LoginResult> {
    if (typeof input.username !== 'string' || typeof input.password !== 'string' || input.username === '' || input.password === '') {
      throw invalidInput('send {"username": ..., "password": ...}');
    }
    const userKey = `user:${input.username.toLowerCase()}`;
    const ipKey = `ip:${input.ip ?? 'unknown'}`;
    const [u, i] = await Promise.all([this.throttle.perUser.add(userKey, 0), this.throttle.perIp.add(ipKey, 0)]);
    const blocked = [u, i].filter((s) => s.used >= s.limit);
    if (blocked.length > 0) return { ok: false, retryAfterSeconds: Math.max(...blocked.map((s) => s.resetSeconds)) };

    const user = await this.meta.findUserByUsername(input.username);
    const stored = user ? await this.creds.getPasswordHash(user.id) : null;
    // Hash even when there is nothing to compare against, so timing does not tell which usernames exist.
    const ok = stored ? await verifyPassword(input.password, stored) : (await this.verifyDummy(input.password), false);
    if (!user || !ok) {
      await Promise.all([this.throttle.perUser.add(userKey, 1), this.throttle.perIp.add(ipKey, 1)]);
      await this.audit.record({ actor: null, action: 'login.failure', target: input.username.slice(0, 200), ip: input.ip });
      throw new DomainError(ErrorCodes.UNAUTHENTICATED, 'wrong username or password');
    }
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now + this.opts.sessionTtlSeconds * 1000);
    await this.creds.insertSession({
      tokenHash: hashToken(token), userId: user.id, createdAt: new Date(now), lastSeenAt: new Date(now), expiresAt,
      ip: input.ip, userAgent: input.userAgent?.slice(0, 500) ?? null,
    });
    await this.audit.record({ actor: user.username, action: 'login.success', target: user.username, ip: input.ip });
    // Expired sessions are refused anyway; dropping them here keeps the table small without a timer.
    await this.purgeExpired();
    return { ok: true, token, csrfToken: csrfTokenFor(token), user, expiresAt };
  }

  /** The session's viewer, or null when the token is unknown, expired, idle too long, or its user is gone. */
  async authenticate(token: string | null | undefined): Promise<SessionContext | null> {
    if (!token || token.length > 200) return null;
    const tokenHash = hashToken(token);
    const session = await this.creds.findSession(tokenHash);
    if (!session) return null;
    const now = this.now();
    if (now >= session.expiresAt.getTime() || now - session.lastSeenAt.getTime() >= this.opts.sessionIdleSeconds * 1000) {
      await this.creds.deleteSession(tokenHash);
      return null;
    }
    const user = await this.meta.findUserById(session.userId as UserId);
    if (!user || user.deletedAt !== null) return null;
    // Write last-seen at most every minute (or quarter idle timeout), not on every request.
    if (now - session.lastSeenAt.getTime() >= Math.min(60_000, (this.opts.sessionIdleSeconds * 1000) / 4)) {
      await this.creds.touchSession(tokenHash, new Date(now));
    }
    return { viewer: { user }, csrfToken: csrfTokenFor(token), expiresAt: session.expiresAt };
  }

  async logout(token: string, ip: string | null): Promise<void> {
    const ctx = await this.authenticate(token);
    await this.creds.deleteSession(hashToken(token));
    if (ctx) await this.audit.record({ actor: ctx.viewer.user.username, action: 'logout', target: ctx.viewer.user.username, ip });
  }

  /** Deletes expired and idle sessions (called now and then; expired ones are refused regardless). */
  async purgeExpired(): Promise<number> {
    const now = this.now();
    return this.creds.deleteExpiredSessions(new Date(now), new Date(now - this.opts.sessionIdleSeconds * 1000));
  }

  private async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= hashPassword('not-a-real-password', this.opts.scrypt ?? DEFAULT_SCRYPT);
    await verifyPassword(password, await this.dummyHash);
  }
}
