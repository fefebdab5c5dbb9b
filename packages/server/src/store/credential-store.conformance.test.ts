import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../core/api-keys.js';
import { AuditLog } from '../core/audit.js';
import { AuthService } from '../core/auth.js';
import { DomainError } from '../core/errors.js';
import { InMemoryQuotaCounter } from '../core/quota.js';
import { csrfMatches, csrfTokenFor, WebAuthService } from '../core/web-auth.js';
import { KyselyCredentialStore } from './credential-store.js';
import { KyselyMetaStore } from './meta-store.js';
import type { SqlDatabase } from './sql-database.js';
import { sqlBackends } from './sql-backends.test-support.js';

const FAST = { N: 1024, r: 8, p: 1 };
const TTL = 3600;
const IDLE = 600;

for (const backend of sqlBackends()) {
  describe(`web sign-in over the real store: ${backend.name}`, () => {
    let sqlDb: SqlDatabase;
    let dispose: () => Promise<void>;
    let now: number;
    let meta: KyselyMetaStore;
    let creds: KyselyCredentialStore;
    let audit: AuditLog;
    let web: WebAuthService;
    const login = (username: string, password: string, ip = '10.0.0.1') =>
      web.login({ username, password, ip, userAgent: 'vitest' });

    beforeEach(async () => {
      ({ sqlDb, dispose } = await backend.open());
      now = 1_700_000_000_000;
      meta = new KyselyMetaStore(sqlDb);
      creds = new KyselyCredentialStore(sqlDb);
      audit = new AuditLog(creds, () => now);
      const throttle = {
        perUser: new InMemoryQuotaCounter(3, 60_000, () => now),
        perIp: new InMemoryQuotaCounter(5, 60_000, () => now),
      };
      web = new WebAuthService(meta, creds, audit, throttle, { sessionTtlSeconds: TTL, sessionIdleSeconds: IDLE, scrypt: FAST }, () => now);
      await meta.createUser({ username: 'alice', email: null, admin: false });
      await web.setPassword('alice', 'alice-password', 'test');
    });
    afterEach(() => dispose());

    it('signs in with the right password; the session authenticates; only a hash of the token is stored', async () => {
      const r = await login('alice', 'alice-password');
      if (!r.ok) throw new Error('throttled');
      expect(r.user.username).toBe('alice');
      expect(r.csrfToken).toBe(csrfTokenFor(r.token));
      const ctx = await web.authenticate(r.token);
      expect(ctx?.viewer.user.username).toBe('alice');
      const rows = await sqlDb.db.selectFrom('sessions').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(r.token);
      const stored = await creds.getPasswordHash(r.user.id);
      expect(stored).toMatch(/^scrypt\$/);
      expect(stored).not.toContain('alice-password');
    });

    it('refuses a wrong password and an unknown user alike, and audits both', async () => {
      const wrong = await login('alice', 'nope-nope-nope').catch((e: unknown) => e);
      const unknown = await login('mallory', 'whatever-pw').catch((e: unknown) => e);
      for (const e of [wrong, unknown]) {
        expect(e).toBeInstanceOf(DomainError);
        expect((e as DomainError).code).toBe('UNAUTHENTICATED');
        expect((e as DomainError).message).toBe('wrong username or password');
      }
      const log = await audit.list(10);
      expect(log.map((e) => [e.action, e.target, e.ip])).toEqual([
        ['login.failure', 'mallory', '10.0.0.1'], ['login.failure', 'alice', '10.0.0.1'], ['user.password.set', 'alice', null],
      ]);
    });

    it('throttles a username after 3 failures (even the right password), until the window ends', async () => {
      for (let i = 0; i < 3; i++) await expect(login('alice', `wrong-${i}-xxxx`, `10.0.1.${i}`)).rejects.toThrow(DomainError);
      const throttled = await login('alice', 'alice-password', '10.0.2.1');
      expect(throttled).toEqual({ ok: false, retryAfterSeconds: 60 });
      now += 30_000;
      expect(await login('alice', 'alice-password')).toEqual({ ok: false, retryAfterSeconds: 30 });
      now += 30_000;
      expect((await login('alice', 'alice-password')).ok).toBe(true);
    });

    it('throttles a client IP after 5 failures across usernames', async () => {
      for (let i = 0; i < 5; i++) await expect(login(`user${i}`, 'wrong-password', '10.9.9.9')).rejects.toThrow(DomainError);
      expect((await login('alice', 'alice-password', '10.9.9.9')).ok).toBe(false);
      expect((await login('alice', 'alice-password', '10.9.9.8')).ok).toBe(true);
    });

    it('ends a session after its lifetime and after the idle timeout', async () => {
      const a = await login('alice', 'alice-password');
      const b = await login('alice', 'alice-password');
      if (!a.ok || !b.ok) throw new Error('throttled');
      // b stays active every 5 minutes; a idles.
      for (let t = 0; t < 3; t++) {
        now += 300_000;
        expect(await web.authenticate(b.token)).not.toBeNull();
      }
      expect(await web.authenticate(a.token)).toBeNull();
      // b outlives no TTL even when active.
      while (now < a.expiresAt.getTime() - 300_000) {
        now += 300_000;
        expect(await web.authenticate(b.token)).not.toBeNull();
      }
      now = b.expiresAt.getTime();
      expect(await web.authenticate(b.token)).toBeNull();
      expect(await sqlDb.db.selectFrom('sessions').selectAll().execute()).toHaveLength(0);
    });

    it('logout and a password change end sessions', async () => {
      const a = await login('alice', 'alice-password');
      const b = await login('alice', 'alice-password');
      if (!a.ok || !b.ok) throw new Error('throttled');
      await web.logout(a.token, null);
      expect(await web.authenticate(a.token)).toBeNull();
      expect(await web.authenticate(b.token)).not.toBeNull();
      await web.setPassword('alice', 'a-new-password', 'test');
      expect(await web.authenticate(b.token)).toBeNull();
      await expect(login('alice', 'alice-password')).rejects.toThrow(/wrong username or password/);
      expect((await login('alice', 'a-new-password')).ok).toBe(true);
    });

    it('checks CSRF tokens against the session token', async () => {
      const r = await login('alice', 'alice-password');
      if (!r.ok) throw new Error('throttled');
      expect(csrfMatches(r.token, r.csrfToken)).toBe(true);
      expect(csrfMatches(r.token, undefined)).toBe(false);
      expect(csrfMatches(r.token, '')).toBe(false);
      expect(csrfMatches(r.token, csrfTokenFor('another-session'))).toBe(false);
    });

    it('API keys: listed, created once, revoked by id only by their owner, and refused right after', async () => {
      const auth = new AuthService(meta);
      const keys = new ApiKeyService(meta, auth, creds, audit);
      const alice = { user: (await meta.findUserByUsername('alice'))! };
      const bob = { user: await meta.createUser({ username: 'bob', email: null, admin: false }) };
      const created = await keys.create(alice, 'laptop', '10.0.0.1');
      expect(created.key).toMatch(/^local-[0-9a-f]{40}$/);
      expect(await auth.authenticate(created.key)).not.toBeNull();
      expect(await keys.list(alice)).toEqual([{ id: created.id, name: 'laptop', prefix: created.key.slice(0, 10), createdAt: created.createdAt, revokedAt: null }]);
      expect(JSON.stringify(await keys.list(alice))).not.toContain(created.key);
      await expect(keys.revoke(bob, created.id, null)).rejects.toThrow(/no API key/);
      expect(await auth.authenticate(created.key)).not.toBeNull();
      const revoked = await keys.revoke(alice, created.id, null);
      expect(revoked.revokedAt).toBeInstanceOf(Date);
      expect(await auth.authenticate(created.key)).toBeNull();
      expect((await audit.list(2)).map((e) => [e.actor, e.action])).toEqual([['alice', 'key.revoke'], ['alice', 'key.create']]);
    });

    it('the audit log is append-only in the database itself', async () => {
      await audit.record({ actor: 'x', action: 'test.event', target: 't', detail: { n: 1 } });
      expect((await audit.list(1))[0]).toMatchObject({ actor: 'x', action: 'test.event', target: 't', detail: { n: 1 } });
      await expect(sql`UPDATE audit_log SET actor = 'someone else'`.execute(sqlDb.db)).rejects.toThrow(/append-only/);
      await expect(sql`DELETE FROM audit_log`.execute(sqlDb.db)).rejects.toThrow(/append-only/);
      expect((await audit.list(1))[0]?.actor).toBe('x');
    });
  });
}
