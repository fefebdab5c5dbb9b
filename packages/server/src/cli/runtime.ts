import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { FsBlobStore } from '../blob/fs.js';
import { S3BlobStore } from '../blob/s3.js';
import type { Config } from '../config.js';
import type { BlobStore } from '../core/ports.js';
import { InMemoryQuotaCounter } from '../core/quota.js';
import { createServices, type Services } from '../core/services.js';
import { KyselyCredentialStore } from '../store/credential-store.js';
import { SqlHistoryStore } from '../store/history-store.js';
import { KyselyArtifactStore } from '../store/artifact-store.js';
import { KyselyPromotionStore } from '../store/promotion-store.js';
import { KyselyAlertStore } from '../store/alert-store.js';
import { KyselyRegistryStore } from '../store/registry-store.js';
import { KyselyMetaStore } from '../store/meta-store.js';
import { openPostgresDatabase } from '../store/postgres.js';
import { migrateToLatest, type SqlDatabase } from '../store/sql-database.js';
import { openSqliteDatabase } from '../store/sqlite.js';

/** The composition root: picks adapters from config, runs migrations, wires core. */
export interface Runtime {
  services: Services;
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
    fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
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
  const services = createServices({
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
    webhooks: {
      allowCidrs: config.webhookAllowCidrs, retryBaseMs: config.webhookRetryBaseSeconds * 1000,
      maxAttempts: config.webhookMaxAttempts, timeoutMs: 10_000,
    },
    webAuth: { sessionTtlSeconds: config.sessionTtlSeconds, sessionIdleSeconds: config.sessionIdleSeconds },
    // In-memory counters: right for one process; several processes would share one (e.g. Redis) instead.
    loginThrottle: {
      perUser: new InMemoryQuotaCounter(config.loginMaxFailuresPerUser, config.loginWindowSeconds * 1000),
      perIp: new InMemoryQuotaCounter(config.loginMaxFailuresPerIp, config.loginWindowSeconds * 1000),
    },
  });
  return {
    services, sqlDb, logger,
    close: async () => {
      services.crashMonitor.stop();
      services.retention.stop();
      await services.webhooks.stop();
      await blobs.close();
      await history.close();
      await meta.close();
      await sqlDb.close();
    },
  };
}
