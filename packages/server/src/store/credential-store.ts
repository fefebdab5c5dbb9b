import type { Selectable } from 'kysely';
import type { UserId } from '@cairn/shared';
import type { AuditRecord, CredentialStore, SessionRecord } from '../core/security-ports.js';
import type { Database } from './schema.js';
import type { SqlDatabase } from './sql-database.js';

const toSession = (r: Selectable<Database['sessions']>): SessionRecord => ({
  tokenHash: r.token_hash, userId: r.user_id as UserId, createdAt: new Date(r.created_at),
  lastSeenAt: new Date(r.last_seen_at), expiresAt: new Date(r.expires_at), ip: r.ip, userAgent: r.user_agent,
});

const toAudit = (r: Selectable<Database['audit_log']>): AuditRecord => ({
  id: r.id, at: new Date(r.at), actor: r.actor, action: r.action, target: r.target, ip: r.ip,
  detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
});

/** CredentialStore on SQLite or PostgreSQL (portable SQL only). */
export class KyselyCredentialStore implements CredentialStore {
  private readonly db;
  constructor(sqlDb: SqlDatabase) {
    this.db = sqlDb.db;
  }

  async getPasswordHash(userId: UserId) {
    const r = await this.db.selectFrom('users').select('password_hash').where('id', '=', userId)
      .where('deleted_at', 'is', null).executeTakeFirst();
    return r?.password_hash ?? null;
  }
  async setPasswordHash(userId: UserId, hash: string | null) {
    await this.db.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute();
  }

  async insertSession(s: SessionRecord) {
    await this.db.insertInto('sessions').values({
      token_hash: s.tokenHash, user_id: s.userId, created_at: s.createdAt.getTime(), last_seen_at: s.lastSeenAt.getTime(),
      expires_at: s.expiresAt.getTime(), ip: s.ip, user_agent: s.userAgent,
    }).execute();
  }
  async findSession(tokenHash: string) {
    const r = await this.db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return r ? toSession(r) : null;
  }
  async touchSession(tokenHash: string, at: Date) {
    await this.db.updateTable('sessions').set({ last_seen_at: at.getTime() }).where('token_hash', '=', tokenHash).execute();
  }
  async deleteSession(tokenHash: string) {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }
  async deleteSessionsOfUser(userId: UserId) {
    const r = await this.db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
  async deleteExpiredSessions(now: Date, idleBefore: Date) {
    const r = await this.db.deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', now.getTime()), eb('last_seen_at', '<=', idleBefore.getTime())]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async revokeApiKeyOfUser(userId: UserId, keyId: number) {
    await this.db.updateTable('api_keys').set({ revoked_at: Date.now() }).where('id', '=', keyId)
      .where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    const r = await this.db.selectFrom('api_keys').select('id').where('id', '=', keyId).where('user_id', '=', userId)
      .executeTakeFirst();
    return r !== undefined;
  }

  async appendAudit(e: { at: Date; actor: string | null; action: string; target?: string | null; ip?: string | null; detail?: Record<string, unknown> | null }) {
    await this.db.insertInto('audit_log').values({
      at: e.at.getTime(), actor: e.actor, action: e.action, target: e.target ?? null, ip: e.ip ?? null,
      detail: e.detail ? JSON.stringify(e.detail) : null,
    }).execute();
  }
  async listAudit(limit: number) {
    const rows = await this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toAudit);
  }
}
