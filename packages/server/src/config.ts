import path from 'node:path';
import { z } from 'zod';
import { parseCidrList } from './core/webhooks.js';

/** Every setting Cairn reads. Parsed once at start (flags > CAIRN_* env > defaults), frozen, passed down. */
export const Config = z.object({
  host: z.string().default('0.0.0.0'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  dataDir: z.string().default('.cairn-data'),
  /** postgres://… selects PostgreSQL for metadata and history; unset = embedded SQLite in dataDir. */
  databaseUrl: z.string().optional(),
  /** Where run files and artifact contents live: fs = dataDir/blobs; s3 = an S3-compatible bucket (s3* below). */
  blobBackend: z.enum(['fs', 's3']).default('fs'),
  s3Bucket: z.string().min(1).optional(),
  /** Any S3-compatible endpoint (http://host:port); unset = AWS S3 in s3Region. */
  s3Endpoint: z.string().url().optional(),
  /** Endpoint written into presigned URLs, when clients reach the store at another address than Cairn does. */
  s3PublicEndpoint: z.string().url().optional(),
  s3Region: z.string().min(1).default('us-east-1'),
  /** Bucket in the URL path (http://host/bucket/key), as most self-hosted stores need, not in the host name. */
  s3ForcePathStyle: z.preprocess((v) => (typeof v === 'string' ? ['1', 'true', 'yes'].includes(v.toLowerCase()) : v), z.boolean()).default(false),
  /** Folder inside the bucket for Cairn's objects ('' = the bucket's root). */
  s3Prefix: z.string().default(''),
  /** Static S3 credentials (both or neither); unset = the AWS default chain (AWS_ACCESS_KEY_ID…, ~/.aws, roles). */
  s3AccessKeyId: z.string().min(1).optional(),
  s3SecretAccessKey: z.string().min(1).optional(),
  /** Absolute URL clients reach this server at; unset = derived from each request's Host header. */
  publicUrl: z.string().url().optional(),
  /** Becomes the admin's API key at first start (automation). */
  adminKey: z.string().optional(),
  adminUsername: z.string().default('admin'),
  /** Seconds without any file_stream request after which a running run is marked crashed. */
  heartbeatTimeoutSeconds: z.coerce.number().positive().default(300),
  /** How often the crash monitor looks. */
  crashCheckIntervalSeconds: z.coerce.number().positive().default(15),
  /** Seconds a deleted or expired artifact version stays restorable before its bytes are purged. */
  artifactGraceSeconds: z.coerce.number().int().min(0).default(7 * 24 * 3600),
  /**
   * Storage region names createArtifact accepts (comma-separated), for clients that name one
   * (`Artifact(storage_region=...)`); all of them are stored in the one blob store. Others are refused.
   * `default` is what the SDK says when no region is set.
   */
  artifactStorageRegions: z.preprocess(
    (v) => (typeof v === 'string' ? v.split(',').map((r) => r.trim()).filter((r) => r !== '') : v),
    z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'storage region names: letters, digits, _ . -')).min(1),
  ).default(['default']),
  /** How often expired artifacts are deleted and old deletions purged. */
  retentionIntervalSeconds: z.coerce.number().positive().default(3600),
  /** Seconds a signed upload/download URL stays valid. */
  signedUrlTtlSeconds: z.coerce.number().int().positive().default(24 * 3600),
  /** Secret for signed URLs; unset = generated once and kept in dataDir. */
  urlSigningSecret: z.string().optional(),
  /** Port of the upstream system-test fixture service (protocol §10.2); off when unset. */
  testFixturesPort: z.coerce.number().int().min(0).max(65535).optional(),
  /** Largest file_stream request body accepted, bytes (the SDK sends up to ~10 MiB). */
  fileStreamBodyLimit: z.coerce.number().int().positive().default(64 * 1024 * 1024),
  /** Behind a reverse proxy: believe X-Forwarded-For/-Proto/-Host (client IP, TLS, public host). */
  trustProxy: z.preprocess((v) => (typeof v === 'string' ? ['1', 'true', 'yes'].includes(v.toLowerCase()) : v), z.boolean()).default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Graceful shutdown (SIGTERM/SIGINT): /ready answers 503 at once, requests keep being served for shutdownDelaySeconds
   * (time for a load balancer that polls /ready to stop sending), then the listener closes and in-flight requests
   * (file_stream included) finish; after shutdownTimeoutSeconds more the process exits anyway.
   */
  shutdownDelaySeconds: z.coerce.number().min(0).default(0),
  shutdownTimeoutSeconds: z.coerce.number().positive().default(30),
  /** Web sessions: absolute lifetime and idle timeout, seconds. */
  sessionTtlSeconds: z.coerce.number().int().positive().default(7 * 24 * 3600),
  sessionIdleSeconds: z.coerce.number().int().positive().default(24 * 3600),
  /** Failed sign-ins allowed per username and per client IP within loginWindowSeconds; then 429. */
  loginMaxFailuresPerUser: z.coerce.number().int().positive().default(10),
  loginMaxFailuresPerIp: z.coerce.number().int().positive().default(50),
  loginWindowSeconds: z.coerce.number().int().positive().default(15 * 60),
  /** Requests per credential (API key or session) per window on /graphql, file_stream and /api; 0 = off. */
  rateLimitRequests: z.coerce.number().int().min(0).default(20_000),
  rateLimitWindowSeconds: z.coerce.number().int().positive().default(60),
  /** Concurrent in-flight requests beyond which Cairn answers 429 instead of queueing. */
  maxInflightFileStream: z.coerce.number().int().positive().default(128),
  maxInflightGraphql: z.coerce.number().int().positive().default(256),
  /** Bearer token Prometheus sends to read GET /metrics; unset = no /metrics (404). At least 16 characters. */
  metricsToken: z.string().min(16, 'CAIRN_METRICS_TOKEN must be at least 16 characters').optional(),
  /** The built web UI to serve (index.html + assets/); unset = packages/web/dist beside this server, when built. */
  webDir: z.string().min(1).optional(),
  /**
   * Address ranges webhooks may call besides public addresses (comma-separated CIDRs, e.g. 10.0.0.0/8,::1/128).
   * Empty: private, loopback and link-local addresses are refused.
   */
  webhookAllowCidrs: z.string().default('').refine((v) => {
    try {
      parseCidrList(v);
      return true;
    } catch {
      return false;
    }
  }, 'CAIRN_WEBHOOK_ALLOW_CIDRS must be comma-separated address ranges such as 10.0.0.0/8 or ::1/128'),
  /** Delay before a failed webhook delivery is retried (doubling per attempt, at most an hour), and attempts in all. */
  webhookRetryBaseSeconds: z.coerce.number().positive().default(10),
  webhookMaxAttempts: z.coerce.number().int().min(1).max(30).default(8),
  /** How often pending webhook deliveries are looked for. */
  webhookPollSeconds: z.coerce.number().positive().default(1),
});
export type Config = Readonly<z.infer<typeof Config>>;

const ENV_KEYS: Record<string, keyof z.input<typeof Config>> = {
  CAIRN_HOST: 'host',
  CAIRN_PORT: 'port',
  CAIRN_DATA_DIR: 'dataDir',
  CAIRN_DATABASE_URL: 'databaseUrl',
  CAIRN_BLOB_BACKEND: 'blobBackend',
  CAIRN_S3_BUCKET: 's3Bucket',
  CAIRN_S3_ENDPOINT: 's3Endpoint',
  CAIRN_S3_PUBLIC_ENDPOINT: 's3PublicEndpoint',
  CAIRN_S3_REGION: 's3Region',
  CAIRN_S3_FORCE_PATH_STYLE: 's3ForcePathStyle',
  CAIRN_S3_PREFIX: 's3Prefix',
  CAIRN_S3_ACCESS_KEY_ID: 's3AccessKeyId',
  CAIRN_S3_SECRET_ACCESS_KEY: 's3SecretAccessKey',
  CAIRN_PUBLIC_URL: 'publicUrl',
  CAIRN_ADMIN_KEY: 'adminKey',
  CAIRN_ADMIN_USERNAME: 'adminUsername',
  CAIRN_HEARTBEAT_TIMEOUT_SECONDS: 'heartbeatTimeoutSeconds',
  CAIRN_CRASH_CHECK_INTERVAL_SECONDS: 'crashCheckIntervalSeconds',
  CAIRN_SIGNED_URL_TTL_SECONDS: 'signedUrlTtlSeconds',
  CAIRN_URL_SIGNING_SECRET: 'urlSigningSecret',
  CAIRN_TEST_FIXTURES_PORT: 'testFixturesPort',
  CAIRN_FILE_STREAM_BODY_LIMIT: 'fileStreamBodyLimit',
  CAIRN_LOG_LEVEL: 'logLevel',
  CAIRN_TRUST_PROXY: 'trustProxy',
  CAIRN_SHUTDOWN_DELAY_SECONDS: 'shutdownDelaySeconds',
  CAIRN_SHUTDOWN_TIMEOUT_SECONDS: 'shutdownTimeoutSeconds',
  CAIRN_ARTIFACT_GRACE_SECONDS: 'artifactGraceSeconds',
  CAIRN_ARTIFACT_STORAGE_REGIONS: 'artifactStorageRegions',
  CAIRN_RETENTION_INTERVAL_SECONDS: 'retentionIntervalSeconds',
  CAIRN_SESSION_TTL_SECONDS: 'sessionTtlSeconds',
  CAIRN_SESSION_IDLE_SECONDS: 'sessionIdleSeconds',
  CAIRN_LOGIN_MAX_FAILURES_PER_USER: 'loginMaxFailuresPerUser',
  CAIRN_LOGIN_MAX_FAILURES_PER_IP: 'loginMaxFailuresPerIp',
  CAIRN_LOGIN_WINDOW_SECONDS: 'loginWindowSeconds',
  CAIRN_RATE_LIMIT_REQUESTS: 'rateLimitRequests',
  CAIRN_RATE_LIMIT_WINDOW_SECONDS: 'rateLimitWindowSeconds',
  CAIRN_MAX_INFLIGHT_FILE_STREAM: 'maxInflightFileStream',
  CAIRN_MAX_INFLIGHT_GRAPHQL: 'maxInflightGraphql',
  CAIRN_METRICS_TOKEN: 'metricsToken',
  CAIRN_WEB_DIR: 'webDir',
  CAIRN_WEBHOOK_ALLOW_CIDRS: 'webhookAllowCidrs',
  CAIRN_WEBHOOK_RETRY_BASE_SECONDS: 'webhookRetryBaseSeconds',
  CAIRN_WEBHOOK_MAX_ATTEMPTS: 'webhookMaxAttempts',
  CAIRN_WEBHOOK_POLL_SECONDS: 'webhookPollSeconds',
};

/** Merges flags over env over defaults. `flags` holds only what the user actually passed. */
export function loadConfig(flags: Partial<Record<keyof Config, unknown>>, env: NodeJS.ProcessEnv): Config {
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  const parsed = Config.parse({ ...fromEnv, ...defined });
  if (parsed.blobBackend === 's3' && !parsed.s3Bucket) throw new Error('CAIRN_BLOB_BACKEND=s3 needs CAIRN_S3_BUCKET');
  if ((parsed.s3AccessKeyId === undefined) !== (parsed.s3SecretAccessKey === undefined)) {
    throw new Error('CAIRN_S3_ACCESS_KEY_ID and CAIRN_S3_SECRET_ACCESS_KEY go together: set both or neither');
  }
  return Object.freeze({ ...parsed, dataDir: path.resolve(parsed.dataDir) });
}
