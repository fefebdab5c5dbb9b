import path from 'node:path';
import { z } from 'zod';

/** Every setting Cairn reads. Parsed once at start (flags > CAIRN_* env > defaults), frozen, passed down. */
export const Config = z.object({
  host: z.string().default('0.0.0.0'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  dataDir: z.string().default('.cairn-data'),
  /** postgres://… selects PostgreSQL for metadata and history; unset = embedded SQLite in dataDir. */
  databaseUrl: z.string().optional(),
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
});
export type Config = Readonly<z.infer<typeof Config>>;

const ENV_KEYS: Record<string, keyof z.input<typeof Config>> = {
  CAIRN_HOST: 'host',
  CAIRN_PORT: 'port',
  CAIRN_DATA_DIR: 'dataDir',
  CAIRN_DATABASE_URL: 'databaseUrl',
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
  CAIRN_ARTIFACT_GRACE_SECONDS: 'artifactGraceSeconds',
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
  return Object.freeze({ ...parsed, dataDir: path.resolve(parsed.dataDir) });
}
