import type { UserId } from '@cairn/shared';

/**
 * Storage ports for web sign-in: password hashes, server-side sessions (keyed by a hash of the token, never
 * the token), key revocation by id, and the append-only audit log. Implemented in store/credential-store.ts.
 */
export interface SessionRecord {
  tokenHash: string; userId: UserId; createdAt: Date; lastSeenAt: Date; expiresAt: Date;
  ip: string | null; userAgent: string | null;
}

export interface AuditEvent {
  /** Who acted: a username, 'cli' for the command line, or null when unknown (failed sign-in). */
  actor: string | null;
  /** What happened, dotted: login.success, login.failure, key.create, key.revoke, user.create, user.password, … */
  action: string;
  /** What it happened to: a username, a key prefix, … */
  target?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown> | null;
}
export interface AuditRecord extends Required<Omit<AuditEvent, 'detail'>> { id: number; at: Date; detail: Record<string, unknown> | null }

export interface CredentialStore {
  getPasswordHash(userId: UserId): Promise<string | null>;
  setPasswordHash(userId: UserId, hash: string | null): Promise<void>;
  insertSession(session: SessionRecord): Promise<void>;
  findSession(tokenHash: string): Promise<SessionRecord | null>;
  touchSession(tokenHash: string, at: Date): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Removes every session of a user (password change); returns how many. */
  deleteSessionsOfUser(userId: UserId): Promise<number>;
  deleteExpiredSessions(now: Date, idleBefore: Date): Promise<number>;
  /** Revokes one of the user's keys by id; false when the user has no such key. Already revoked keys stay as they are. */
  revokeApiKeyOfUser(userId: UserId, keyId: number): Promise<boolean>;
  appendAudit(event: AuditEvent & { at: Date }): Promise<void>;
  /** The newest `limit` audit records, newest first. */
  listAudit(limit: number): Promise<AuditRecord[]>;
}
