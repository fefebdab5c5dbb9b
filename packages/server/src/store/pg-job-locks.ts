import { createHash } from 'node:crypto';
import type { JobLocks } from '../core/ports.js';

/** The slice of a `pg.Client` the locks use: one dedicated session (advisory locks belong to a session). */
export interface LockClient {
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeAllListeners(): unknown;
}

export interface PgJobLocksOptions {
  /** Makes a fresh, unconnected client; called again when the last one dropped. */
  connect: () => LockClient;
  onError?: (err: unknown, what: string) => void;
}

/** Advisory lock keys are (int4 namespace, int4 key): a fixed namespace keeps Cairn's apart from anyone else's. */
const NAMESPACE = 0x43414952; // "CAIR"

/** A stable int4 for a job name (first 4 bytes of its SHA-256). */
export function lockKeyOf(name: string): number {
  return createHash('sha256').update(name).digest().readInt32BE(0);
}

/**
 * JobLocks across processes with PostgreSQL session advisory locks (pg_try_advisory_lock) on one dedicated
 * connection: a job runs only in the process that got the lock, the lock is released after the job, and
 * PostgreSQL releases it by itself when the holder's connection ends — a process that dies (SIGKILL, crash,
 * lost network) lets the next tick of another process take over. Jobs must therefore be safe to redo from the
 * start (they are: each step is a conditional update or a leased claim).
 * If the lock connection drops while a job is still running here, the lock is gone and another process may start
 * the same job: rare, and harmless for the same reason; the connection is re-opened on the next call.
 */
export class PgJobLocks implements JobLocks {
  private client: Promise<LockClient> | null = null;
  /** Advisory locks are re-entrant within a session: this set keeps two same-named jobs of this process apart. */
  private readonly held = new Set<string>();
  private closed = false;

  constructor(private readonly options: PgJobLocksOptions) {}

  async runExclusive<T>(name: string, job: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    if (this.closed || this.held.has(name)) return { ran: false };
    this.held.add(name);
    try {
      const key = lockKeyOf(name);
      let got;
      let client: LockClient;
      try {
        client = await this.session();
        got = await client.query('select pg_try_advisory_lock($1, $2) as got', [NAMESPACE, key]);
      } catch (e) {
        if (this.closed) return { ran: false }; // shutting down: the tick simply does not run
        throw e;
      }
      if (got.rows[0]?.got !== true) return { ran: false };
      try {
        return { ran: true, value: await job() };
      } finally {
        // A dropped connection has released the lock already: nothing to undo then.
        await client.query('select pg_advisory_unlock($1, $2)', [NAMESPACE, key]).catch(() => {});
      }
    } finally {
      this.held.delete(name);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    if (client) await client.then((c) => c.end(), () => {}).catch(() => {});
  }

  private session(): Promise<LockClient> {
    if (this.client) return this.client;
    const c = this.options.connect();
    const forget = () => {
      c.removeAllListeners();
      c.on('error', () => {}); // a late socket error must not crash the process
      if (this.client === opened) this.client = null;
    };
    c.on('error', (err) => {
      forget();
      if (!this.closed) this.options.onError?.(err, 'job locks: lock connection lost (its locks are released)');
    });
    c.on('end', forget);
    const opened: Promise<LockClient> = c.connect().then(() => c, (e: unknown) => {
      forget();
      throw e;
    });
    this.client = opened;
    return opened;
  }
}
