import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { InProcessLiveEvents } from '../core/in-process-cluster.js';
import type { LiveEvent, LiveEvents } from '../core/ports.js';

/** The slice of a `pg.Client` the listener uses (a dedicated connection, never a pooled one: LISTEN is per session). */
export interface ListenClient {
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (msg: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeAllListeners(): unknown;
}

export interface PgLiveEventsOptions {
  /** Publishes with pg_notify through the shared pool (any connection will do for NOTIFY). */
  db: Kysely<any>;
  /** Makes a fresh, unconnected client for LISTEN; called again after every drop. */
  connect: () => ListenClient;
  /** One channel per installation; tests give each database its own. */
  channel?: string;
  /** Called when the listening connection drops or a reconnect fails (the logger). */
  onError?: (err: unknown, what: string) => void;
  /** Backoff between reconnect attempts: doubles from min to max. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

/** PostgreSQL's NOTIFY payload limit is 8000 bytes (compiled in); stay under it with room for the envelope. */
export const MAX_NOTIFY_BYTES = 7999;

interface Envelope { o: string; t: string; d: Record<string, unknown> }

/**
 * LiveEvents across processes with PostgreSQL LISTEN/NOTIFY: the database every process already talks to is the
 * pub/sub, no extra service. Local subscribers get events at once (no round trip); other processes get them via
 * NOTIFY on one channel, each payload `{"o": origin, "t": topic, "d": data}` as JSON. A payload too big for NOTIFY
 * goes out as `{ truncated: true }`: subscribers re-read the stores (the port's catch-up rule).
 * The listening connection is re-opened after a drop with backoff; events sent while it was down are missed
 * (at-most-once, as the port says).
 */
export class PgLiveEvents implements LiveEvents {
  private readonly origin = randomUUID();
  private readonly channel: string;
  /** This process's subscribers: local fan-out is the in-process bus; NOTIFY carries events to the others. */
  private readonly local = new InProcessLiveEvents();
  private client: ListenClient | null = null;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private backoffMs: number;

  private constructor(private readonly options: PgLiveEventsOptions) {
    this.channel = options.channel ?? 'cairn_live';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.channel)) throw new Error(`bad LISTEN channel name ${JSON.stringify(this.channel)}`);
    this.backoffMs = options.reconnectMinMs ?? 200;
  }

  /** Connects and LISTENs before returning: a server that cannot listen fails at start, not silently later. */
  static async open(options: PgLiveEventsOptions): Promise<PgLiveEvents> {
    const live = new PgLiveEvents(options);
    await live.listen();
    return live;
  }

  /** True while the LISTEN connection is up (readiness and tests). */
  get listening(): boolean {
    return this.client !== null;
  }

  async publish(event: LiveEvent): Promise<void> {
    await this.local.publish(event);
    let payload = JSON.stringify({ o: this.origin, t: event.topic, d: event.data } satisfies Envelope);
    if (Buffer.byteLength(payload) > MAX_NOTIFY_BYTES) {
      payload = JSON.stringify({ o: this.origin, t: event.topic, d: { truncated: true } } satisfies Envelope);
      if (Buffer.byteLength(payload) > MAX_NOTIFY_BYTES) throw new Error('live event topic too long for NOTIFY');
    }
    await sql`select pg_notify(${this.channel}, ${payload})`.execute(this.options.db);
  }

  subscribe(topic: string, handler: (event: LiveEvent) => void): () => void {
    return this.local.subscribe(topic, handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.client;
    this.client = null;
    await this.local.close();
    if (client) {
      client.removeAllListeners();
      client.on('error', () => {}); // a late socket error after end() must not crash the process
      await client.end().catch(() => {});
    }
  }

  private onNotification(msg: { channel: string; payload?: string }): void {
    if (msg.channel !== this.channel || !msg.payload) return;
    let env: Envelope;
    try {
      env = JSON.parse(msg.payload) as Envelope;
    } catch {
      return; // someone else NOTIFYing on our channel: not ours to interpret
    }
    if (env.o === this.origin || typeof env.t !== 'string' || typeof env.d !== 'object' || env.d === null) return;
    void this.local.publish({ topic: env.t, data: env.d });
  }

  private async listen(): Promise<void> {
    const client = this.options.connect();
    let dropped = false;
    const drop = (err: unknown) => {
      if (dropped) return;
      dropped = true;
      client.removeAllListeners();
      client.on('error', () => {});
      void client.end().catch(() => {});
      if (this.client === client) this.client = null;
      if (this.closed) return;
      this.options.onError?.(err, 'live events: LISTEN connection lost, reconnecting');
      this.scheduleReconnect();
    };
    client.on('error', drop);
    client.on('end', () => drop(new Error('connection ended')));
    client.on('notification', (msg) => this.onNotification(msg));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (e) {
      dropped = true;
      client.removeAllListeners();
      client.on('error', () => {});
      await client.end().catch(() => {});
      throw e;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.backoffMs = this.options.reconnectMinMs ?? 200;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.reconnectMaxMs ?? 5_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.listen().catch((e: unknown) => {
        if (this.closed) return;
        this.options.onError?.(e, 'live events: reconnect failed, retrying');
        this.scheduleReconnect();
      });
    }, delay);
    this.reconnectTimer.unref();
  }
}
