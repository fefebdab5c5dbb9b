import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../core/ports.js';
import { PgJobLocks } from './pg-job-locks.js';
import { MAX_NOTIFY_BYTES, PgLiveEvents } from './pg-live-events.js';
import { PgQuotaCounter } from './pg-quota-counter.js';
import { openPostgresDatabase } from './postgres.js';
import { migrateToLatest } from './sql-database.js';

/**
 * LiveEvents and JobLocks across processes on real PostgreSQL (CAIRN_TEST_DATABASE_URL, as scripts/with-postgres.sh
 * sets it). A "process" is one pool plus its own dedicated sessions, exactly what each `cairn serve` opens; a process
 * dying is its sessions being terminated by the server (what PostgreSQL sees when a process is SIGKILLed).
 */
const url = process.env.CAIRN_TEST_DATABASE_URL;

const waitFor = async (what: string, cond: () => boolean | Promise<boolean>, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.skipIf(!url)('cluster coordination conformance: postgres', () => {
  const closers: (() => Promise<unknown>)[] = [];
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  });
  afterAll(() => admin.end());

  /** Terminates the sessions a process opened under this application_name (the process "dies" for PostgreSQL). */
  const terminate = async (appName: string) => {
    const r = await admin.query('select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1', [appName]);
    expect(r.rows.length).toBeGreaterThan(0);
  };

  /** Drops a test database once its pools have closed (no FORCE: terminating a closing client is an unhandled error). */
  const dropDatabase = async (name: string) => {
    for (let i = 0; ; i++) {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name}`);
        return;
      } catch (e) {
        if (i > 50 || (e as { code?: string }).code !== '55006') throw e; // 55006: still in use, a moment longer
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  const channel = () => `cairn_test_${randomBytes(6).toString('hex')}`;
  const tag = () => `cairn-test-${randomBytes(6).toString('hex')}`;

  /** One process's live events: its own pool for NOTIFY, its own LISTEN session. */
  const liveProcess = async (ch: string, appName = tag()) => {
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) });
    const live = await PgLiveEvents.open({
      db, channel: ch, reconnectMinMs: 20, reconnectMaxMs: 100,
      connect: () => new pg.Client({ connectionString: url, application_name: appName }),
    });
    closers.push(() => db.destroy(), () => live.close());
    return { live, appName };
  };

  const lockProcess = (appName = tag()) => {
    const errors: unknown[] = [];
    const locks = new PgJobLocks({
      connect: () => new pg.Client({ connectionString: url, application_name: appName }),
      onError: (e) => errors.push(e),
    });
    closers.push(() => locks.close());
    return { locks, appName, errors };
  };

  describe('LiveEvents (LISTEN/NOTIFY)', () => {
    it('delivers an event published by one process to the other process and locally, once each', async () => {
      const ch = channel();
      const a = await liveProcess(ch);
      const b = await liveProcess(ch);
      const gotA: LiveEvent[] = [];
      const gotB: LiveEvent[] = [];
      const gotOther: LiveEvent[] = [];
      a.live.subscribe('run:1', (e) => gotA.push(e));
      b.live.subscribe('run:1', (e) => gotB.push(e));
      b.live.subscribe('run:2', (e) => gotOther.push(e));
      const data = { step: 3, keys: ['loss', 'acc'], note: 'ünïcødé "quoted"' };
      await a.live.publish({ topic: 'run:1', data });
      await waitFor('B to receive', () => gotB.length > 0);
      // A marker sent after: once B has it, B had its chance to see a duplicate of the first.
      await a.live.publish({ topic: 'run:1', data: { marker: true } });
      await waitFor('B to receive the marker', () => gotB.length > 1);
      expect(gotB).toEqual([{ topic: 'run:1', data }, { topic: 'run:1', data: { marker: true } }]);
      expect(gotA).toEqual([{ topic: 'run:1', data }, { topic: 'run:1', data: { marker: true } }]);
      expect(gotOther).toEqual([]);
    });

    it('stops delivering after unsubscribe, and other channels (installations) stay apart', async () => {
      const ch = channel();
      const a = await liveProcess(ch);
      const b = await liveProcess(ch);
      const elsewhere = await liveProcess(channel());
      const gotB: unknown[] = [];
      const gotElsewhere: unknown[] = [];
      const off = b.live.subscribe('t', (e) => gotB.push(e.data));
      elsewhere.live.subscribe('t', (e) => gotElsewhere.push(e.data));
      await a.live.publish({ topic: 't', data: { n: 1 } });
      await waitFor('first event', () => gotB.length === 1);
      off();
      const marker: unknown[] = [];
      b.live.subscribe('marker', (e) => marker.push(e.data));
      await a.live.publish({ topic: 't', data: { n: 2 } });
      await a.live.publish({ topic: 'marker', data: {} });
      await waitFor('marker', () => marker.length === 1);
      expect(gotB).toEqual([{ n: 1 }]);
      expect(gotElsewhere).toEqual([]);
    });

    it('sends an event too big for NOTIFY as a truncated marker (local subscribers still get it whole)', async () => {
      const ch = channel();
      const a = await liveProcess(ch);
      const b = await liveProcess(ch);
      const gotA: unknown[] = [];
      const gotB: unknown[] = [];
      a.live.subscribe('big', (e) => gotA.push(e.data));
      b.live.subscribe('big', (e) => gotB.push(e.data));
      const big = { text: 'x'.repeat(MAX_NOTIFY_BYTES) };
      await a.live.publish({ topic: 'big', data: big });
      await waitFor('the marker', () => gotB.length === 1);
      expect(gotB).toEqual([{ truncated: true }]);
      expect(gotA).toEqual([big]);
    });

    it('re-opens the LISTEN session after it is dropped and delivers again', async () => {
      const ch = channel();
      const a = await liveProcess(ch);
      const b = await liveProcess(ch);
      const gotB: unknown[] = [];
      b.live.subscribe('t', (e) => gotB.push(e.data));
      await terminate(b.appName);
      await waitFor('B to notice the drop', () => !b.live.listening);
      await waitFor('B to listen again', () => b.live.listening);
      await a.live.publish({ topic: 't', data: { after: 'reconnect' } });
      await waitFor('delivery after reconnect', () => gotB.length === 1);
      expect(gotB).toEqual([{ after: 'reconnect' }]);
    });
  });

  describe('JobLocks (advisory locks)', () => {
    const gate = () => {
      let open!: () => void;
      const opened = new Promise<void>((r) => { open = r; });
      return { open, opened };
    };

    it('runs a named job in one process at a time; other names are free; released after the job', async () => {
      const a = lockProcess();
      const b = lockProcess();
      const g = gate();
      const started = gate();
      const running = a.locks.runExclusive('sweep', async () => { started.open(); await g.opened; return 'a-done'; });
      await started.opened; // the job body runs only once A holds the lock
      expect(await b.locks.runExclusive('sweep', async () => 'b')).toEqual({ ran: false });
      expect(await b.locks.runExclusive('other-job', async () => 'b-other')).toEqual({ ran: true, value: 'b-other' });
      // The same process asking again while its job runs: refused too (advisory locks alone are re-entrant).
      expect(await a.locks.runExclusive('sweep', async () => 'again')).toEqual({ ran: false });
      g.open();
      expect(await running).toEqual({ ran: true, value: 'a-done' });
      expect(await b.locks.runExclusive('sweep', async () => 'b')).toEqual({ ran: true, value: 'b' });
    });

    it('releases the lock when the job throws', async () => {
      const a = lockProcess();
      const b = lockProcess();
      await expect(a.locks.runExclusive('job', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
      expect(await b.locks.runExclusive('job', async () => 1)).toEqual({ ran: true, value: 1 });
      expect(await a.locks.runExclusive('job', async () => 2)).toEqual({ ran: true, value: 2 });
    });

    it('hands the lock to another process when the holder dies mid-job, and the dead one reconnects later', async () => {
      const a = lockProcess();
      const b = lockProcess();
      const g = gate();
      const started = gate();
      const stuck = a.locks.runExclusive('purge', async () => { started.open(); await g.opened; return 'late'; });
      await started.opened;
      expect(await b.locks.runExclusive('purge', async () => 'b')).toEqual({ ran: false });
      await terminate(a.appName); // what PostgreSQL sees when A is SIGKILLed
      await waitFor('B to take over', async () => (await b.locks.runExclusive('purge', async () => 'b')).ran);
      g.open();
      expect(await stuck).toEqual({ ran: true, value: 'late' }); // its unlock finds the session gone: no error
      expect(a.errors.length).toBeGreaterThan(0);
      expect(await a.locks.runExclusive('purge', async () => 'a-again')).toEqual({ ran: true, value: 'a-again' });
    });
  });

  describe('QuotaCounter (login throttling across processes)', () => {
    it('counts hits from every process in one window, only looks with cost 0, and starts over when the window ends', async () => {
      const name = `cairn_quota_${process.pid}_${randomBytes(5).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${name}`);
      const dbUrl = new URL(url!);
      dbUrl.pathname = `/${name}`;
      const [pa, pb] = [openPostgresDatabase(dbUrl.toString(), 2), openPostgresDatabase(dbUrl.toString(), 2)];
      try {
        await migrateToLatest(pa);
        let now = 1_000_000;
        const a = new PgQuotaCounter(pa.db, 'login-user', 3, 60_000, () => now);
        const b = new PgQuotaCounter(pb.db, 'login-user', 3, 60_000, () => now);
        const ipCounter = new PgQuotaCounter(pb.db, 'login-ip', 3, 60_000, () => now);
        expect((await a.add('alice')).used).toBe(1);
        expect((await b.add('alice')).used).toBe(2);
        expect(await b.add('alice', 0)).toMatchObject({ used: 2, remaining: 1, exceeded: false });
        // Concurrent hits from both processes: none lost.
        const both = await Promise.all([a.add('alice'), b.add('alice')]);
        expect(both.map((s) => s.used).sort()).toEqual([3, 4]);
        expect(await a.add('alice', 0)).toMatchObject({ used: 4, remaining: 0, exceeded: true, resetSeconds: 60 });
        // Other keys and other namespaces count apart.
        expect((await a.add('bob')).used).toBe(1);
        expect((await ipCounter.add('alice')).used).toBe(1);
        now += 30_000;
        expect(await b.add('alice', 0)).toMatchObject({ used: 4, resetSeconds: 30 });
        now += 30_000; // the window is over
        expect(await b.add('alice')).toMatchObject({ used: 1, exceeded: false, resetSeconds: 60 });
      } finally {
        await pa.close();
        await pb.close();
        await dropDatabase(name);
      }
    });
  });

  describe('migrations', () => {
    it('several processes migrating one fresh database at once all succeed and leave it migrated once', async () => {
      const name = `cairn_mig_${process.pid}_${randomBytes(5).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${name}`);
      const dbUrl = new URL(url!);
      dbUrl.pathname = `/${name}`;
      const procs = [0, 1, 2].map(() => openPostgresDatabase(dbUrl.toString(), 2));
      try {
        await Promise.all(procs.map((p) => migrateToLatest(p)));
        const applied = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(procs[0]!.db);
        const distinct = await sql<{ n: number }>`select count(distinct name)::int as n from kysely_migration`.execute(procs[0]!.db);
        expect(applied.rows[0]!.n).toBeGreaterThan(10);
        expect(applied.rows[0]!.n).toBe(distinct.rows[0]!.n);
      } finally {
        for (const p of procs) await p.close();
        await dropDatabase(name);
      }
    });
  });
});
