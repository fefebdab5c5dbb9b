import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('uses defaults when nothing is given', () => {
    const c = loadConfig({}, {});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toBe(path.resolve('.cairn-data'));
    expect(c.logLevel).toBe('info');
  });

  it('reads CAIRN_* env over defaults, coercing numbers', () => {
    const c = loadConfig({}, { CAIRN_PORT: '9001', CAIRN_DATABASE_URL: 'postgres://x/y', CAIRN_HEARTBEAT_TIMEOUT_SECONDS: '2.5' });
    expect(c.port).toBe(9001);
    expect(c.databaseUrl).toBe('postgres://x/y');
    expect(c.heartbeatTimeoutSeconds).toBe(2.5);
  });

  it('reads webhook address ranges and refuses malformed ones at start', () => {
    expect(loadConfig({}, {}).webhookAllowCidrs).toBe('');
    expect(loadConfig({}, { CAIRN_WEBHOOK_ALLOW_CIDRS: '127.0.0.0/8, ::1/128' }).webhookAllowCidrs).toBe('127.0.0.0/8, ::1/128');
    expect(() => loadConfig({}, { CAIRN_WEBHOOK_ALLOW_CIDRS: '10.0.0.0/40' })).toThrow(/CAIRN_WEBHOOK_ALLOW_CIDRS/);
    expect(() => loadConfig({}, { CAIRN_WEBHOOK_ALLOW_CIDRS: 'intranet' })).toThrow(/CAIRN_WEBHOOK_ALLOW_CIDRS/);
  });

  it('flags win over env', () => {
    const c = loadConfig({ port: 7000, dataDir: '/tmp/flag-dir' }, { CAIRN_PORT: '9001', CAIRN_DATA_DIR: '/tmp/env-dir' });
    expect(c.port).toBe(7000);
    expect(c.dataDir).toBe('/tmp/flag-dir');
  });

  it('ignores flags left undefined and empty env values', () => {
    const c = loadConfig({ port: undefined }, { CAIRN_PORT: '9001', CAIRN_LOG_LEVEL: '' });
    expect(c.port).toBe(9001);
    expect(c.logLevel).toBe('info');
  });

  it('reads artifact storage regions as a comma-separated list, "default" when unset', () => {
    expect(loadConfig({}, {}).artifactStorageRegions).toEqual(['default']);
    expect(loadConfig({}, { CAIRN_ARTIFACT_STORAGE_REGIONS: 'default, minio-local,' }).artifactStorageRegions).toEqual(['default', 'minio-local']);
    expect(() => loadConfig({}, { CAIRN_ARTIFACT_STORAGE_REGIONS: 'bad region' })).toThrow(/storage region/);
  });

  it('ignores env vars it does not know', () => {
    expect(loadConfig({}, { PORT: '1234', CAIRN_NOPE: 'x' }).port).toBe(8080);
  });

  it('makes dataDir absolute', () => {
    expect(path.isAbsolute(loadConfig({ dataDir: 'rel/dir' }, {}).dataDir)).toBe(true);
  });

  it('blobs on fs by default; S3 settings from CAIRN_S3_*', () => {
    expect(loadConfig({}, {}).blobBackend).toBe('fs');
    const c = loadConfig({}, {
      CAIRN_BLOB_BACKEND: 's3', CAIRN_S3_BUCKET: 'b', CAIRN_S3_ENDPOINT: 'http://127.0.0.1:9000', CAIRN_S3_FORCE_PATH_STYLE: 'true',
      CAIRN_S3_ACCESS_KEY_ID: 'k', CAIRN_S3_SECRET_ACCESS_KEY: 's',
    });
    expect(c).toMatchObject({ blobBackend: 's3', s3Bucket: 'b', s3Endpoint: 'http://127.0.0.1:9000', s3ForcePathStyle: true, s3Region: 'us-east-1', s3AccessKeyId: 'k' });
  });

  it('refuses an S3 backend without a bucket, half a credential, or an unknown backend', () => {
    expect(() => loadConfig({}, { CAIRN_BLOB_BACKEND: 's3' })).toThrow(/CAIRN_S3_BUCKET/);
    expect(() => loadConfig({}, { CAIRN_BLOB_BACKEND: 's3', CAIRN_S3_BUCKET: 'b', CAIRN_S3_ACCESS_KEY_ID: 'k' })).toThrow(/both or neither/);
    expect(() => loadConfig({}, { CAIRN_BLOB_BACKEND: 'gcs' })).toThrow();
  });

  it('is frozen', () => {
    const c = loadConfig({}, {});
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    [{ CAIRN_PORT: 'abc' }],
    [{ CAIRN_PORT: '70000' }],
    [{ CAIRN_LOG_LEVEL: 'loud' }],
    [{ CAIRN_PUBLIC_URL: 'not a url' }],
    [{ CAIRN_HEARTBEAT_TIMEOUT_SECONDS: '0' }],
  ])('rejects invalid settings %j', (env) => {
    expect(() => loadConfig({}, env)).toThrow();
  });
});
