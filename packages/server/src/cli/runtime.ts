import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { FsBlobStore } from '../blob/fs.js';
import { S3BlobStore } from '../blob/s3.js';
import type { Config } from '../config.js';
import type { BlobStore } from '../core/ports.js';
import { InMemoryQuotaCounter, type QuotaCounter } from '../core/quota.js';
import { createServices, type Services } from '../core/services.js';
import { KyselyCredentialStore } from '../store/credential-store.js';
import { SqlHistoryStore } from '../store/history-store.js';
import { KyselyArtifactStore } from '../store/artifact-store.js';
import { KyselyPromotionStore } from '../store/promotion-store.js';
import { KyselyAlertStore } from '../store/alert-store.js';
import { KyselyWorkspaceLayoutStore } from '../store/workspace-layout-store.js';
import { KyselyViewStore } from '../store/view-store.js';
import { KyselyRegistryStore } from '../store/registry-store.js';
import { KyselyMetaStore } from '../store/meta-store.js';
import { openPostgresDatabase } from '../store/postgres.js';
import { PgJobLocks } from '../store/pg-job-locks.js';
import { PgLiveEvents } from '../store/pg-live-events.js';
import { PgQuotaCounter } from '../store/pg-quota-counter.js';
import pg from 'pg';
import { migrateToLatest, type SqlDatabase } from '../store/sql-database.js';
import { openSqliteDatabase } from '../store/sqlite.js';

/** The composition root: picks adapters from config, runs migrations, wires core. */
export interface Runtime {
  services: Services;
  /**
   * A fixed-window counter every process shares (PostgreSQL: table quota_windows), in memory for SQLite (one
   * process); `namespace` keeps counters with different limits apart.
   */
  quotaCounter(namespace: string, limit: number, windowMs: number): QuotaCounter;
  sqlDb: SqlDatabase;
  logger: pino.Logger;
  close(): Promise<void>;
}

function signingSecret(config: Config): string {
  if (config.urlSigningSecret) return config.urlSigningSecret;
  const file = path.join(config.dataDir, 'url-signing.secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const secret = randomBytes(32).toString('hex');
    fs.mkdirSync(config.dataDir, { recursive: true });
    // Written in full under a temp name, then linked in: of two processes starting on one data dir, the second
    // finds the first's whole file (link fails with EEXIST) and uses it.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, secret, { mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
      return secret;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return fs.readFileSync(file, 'utf8').trim();
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
}

/** fs: files under dataDir/blobs; s3: one bucket of an S3-compatible store (several processes can share it). */
export function openBlobStore(config: Config): BlobStore {
  if (config.blobBackend === 'fs') return new FsBlobStore(path.join(config.dataDir, 'blobs'));
  return new S3BlobStore({
    bucket: config.s3Bucket!,
    region: config.s3Region,
    forcePathStyle: config.s3ForcePathStyle,
    prefix: config.s3Prefix,
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
    ...(config.s3PublicEndpoint ? { publicEndpoint: config.s3PublicEndpoint } : {}),
    ...(config.s3AccessKeyId && config.s3SecretAccessKey
      ? { credentials: { accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey } }
      : {}),
  });
}

async function openPgCluster(url: string, sqlDb: SqlDatabase, logger: pino.Logger) {
  const client = (role: string) => new pg.Client({ connectionString: url, keepAlive: true, application_name: `cairn-${role}` });
  const onError = (err: unknown, what: string) => logger.warn({ err }, what);
  const liveEvents = await PgLiveEvents.open({ db: sqlDb.db, connect: () => client('live-events'), onError });
  return { liveEvents, jobLocks: new PgJobLocks({ connect: () => client('job-locks'), onError }) };
}

export async function openRuntime(config: Config): Promise<Runtime> {
  const logger = pino({ level: config.logLevel });
  fs.mkdirSync(config.dataDir, { recursive: true });
  const sqlDb = config.databaseUrl
    ? openPostgresDatabase(config.databaseUrl)
    : openSqliteDatabase(path.join(config.dataDir, 'cairn.sqlite'));
  await migrateToLatest(sqlDb);
  const meta = new KyselyMetaStore(sqlDb);
  const artifactStore = new KyselyArtifactStore(sqlDb);
  const promotionStore = new KyselyPromotionStore(sqlDb);
  const history = new SqlHistoryStore(sqlDb, { flushIntervalMs: 10_000 });
  const blobs = openBlobStore(config);
  const quotaCounter = (namespace: string, limit: number, windowMs: number): QuotaCounter => (config.databaseUrl
    ? new PgQuotaCounter(sqlDb.db, namespace, limit, windowMs)
    : new InMemoryQuotaCounter(limit, windowMs));
  // PostgreSQL: several processes may share this database, so live events and job locks go through it, each on
  // a dedicated session of its own (LISTEN and advisory locks belong to a session, not to the pool).
  const cluster = config.databaseUrl ? await openPgCluster(config.databaseUrl, sqlDb, logger) : {};
  const services = createServices({
    ...cluster,
    meta, artifactStore, history, blobs, log: logger,
    urlSigningSecret: signingSecret(config),
    signedUrlTtlSeconds: config.signedUrlTtlSeconds,
    heartbeatTimeoutSeconds: config.heartbeatTimeoutSeconds,
    crashCheckIntervalSeconds: config.crashCheckIntervalSeconds,
    artifactGraceSeconds: config.artifactGraceSeconds,
    artifactStorageRegions: config.artifactStorageRegions,
    credentials: new KyselyCredentialStore(sqlDb),
    registryStore: new KyselyRegistryStore(sqlDb),
    promotions: promotionStore, webhookStore: promotionStore, alertStore: new KyselyAlertStore(sqlDb),
    workspaceLayoutStore: new KyselyWorkspaceLayoutStore(sqlDb),
    viewStore: new KyselyViewStore(sqlDb),
    webhooks: {
      allowCidrs: config.webhookAllowCidrs, retryBaseMs: config.webhookRetryBaseSeconds * 1000,
      maxAttempts: config.webhookMaxAttempts, timeoutMs: 10_000,
    },
    webAuth: { sessionTtlSeconds: config.sessionTtlSeconds, sessionIdleSeconds: config.sessionIdleSeconds },
    // Sign-in failures are counted in the database when several processes may share it (an attacker must not get
    // N times the attempts from N processes); in memory for the embedded single process.
    loginThrottle: {
      perUser: quotaCounter('login-user', config.loginMaxFailuresPerUser, config.loginWindowSeconds * 1000),
      perIp: quotaCounter('login-ip', config.loginMaxFailuresPerIp, config.loginWindowSeconds * 1000),
    },
  });
  return {
    services, sqlDb, logger, quotaCounter,
    close: async () => {
      services.crashMonitor.stop();
      services.retention.stop();
      await services.webhooks.stop();
      await services.jobLocks.close();
      await services.liveEvents.close();
      await blobs.close();
      await history.close();
      await meta.close();
      await sqlDb.close();
    },
  };
}
