import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from './app.js';
import { openRuntime, type Runtime } from './cli/runtime.js';
import { loadConfig, type Config } from './config.js';

/**
 * The real app in-process: the composition root's SQLite + fs adapters in a fresh temp data dir, an admin
 * with a known key, driven with app.inject(). For tests under http/ that must see real storage (fuzzing),
 * kept outside http/ so http/ itself still never imports adapters.
 */
export interface RealApp {
  app: FastifyInstance;
  runtime: Runtime;
  /** A fresh temp folder holding only dataDir: anything else that appears in it escaped the data dir. */
  sandboxDir: string;
  dataDir: string;
  /** Where the fs BlobStore keeps blobs. */
  blobDir: string;
  entity: string;
  headers(extra?: Record<string, string>): Record<string, string>;
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>;
  gql(query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: any }>;
  /** Creates (or re-upserts) a run through GraphQL, as the SDK does. */
  createRun(project: string, name: string): Promise<void>;
  close(): Promise<void>;
}

export const ADMIN_KEY = `local-${'f'.repeat(40)}`;

/** `settings`: config values beyond the defaults (e.g. webhookAllowCidrs). */
export async function openRealApp(settings: Partial<Record<keyof Config, unknown>> = {}): Promise<RealApp> {
  const sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-realapp-'));
  const dataDir = path.join(sandboxDir, 'data');
  const config = loadConfig({ ...settings, dataDir, adminKey: ADMIN_KEY, logLevel: 'silent' }, {});
  const runtime = await openRuntime(config);
  await runtime.services.auth.bootstrapAdmin(config.adminUsername, config.adminKey);
  const app = await buildApp({ services: runtime.services, fileStreamBodyLimit: config.fileStreamBodyLimit, logger: runtime.logger });
  const headers = (extra: Record<string, string> = {}) => ({
    authorization: `Basic ${Buffer.from(`api:${ADMIN_KEY}`).toString('base64')}`,
    'content-type': 'application/json',
    ...extra,
  });
  const inject = (opts: InjectOptions) => app.inject(opts) as Promise<LightMyRequestResponse>;
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await inject({ method: 'POST', url: '/graphql', headers: headers(), payload: JSON.stringify({ query, variables }) });
    return { status: res.statusCode, body: res.json() };
  };
  const entity = config.adminUsername;
  return {
    app, runtime, sandboxDir, dataDir, blobDir: path.join(dataDir, 'blobs'), entity, headers, inject, gql,
    async createRun(project, name) {
      const res = await gql(
        'mutation($input: UpsertBucketInput!) { upsertBucket(input: $input) { bucket { id } } }',
        { input: { entityName: entity, modelName: project, name } },
      );
      if (res.status !== 200) throw new Error(`upsertBucket failed: ${res.status} ${JSON.stringify(res.body)}`);
    },
    async close() {
      await app.close();
      await runtime.close();
      fs.rmSync(sandboxDir, { recursive: true, force: true });
    },
  };
}

/** numRuns for a property: the CI default, or CAIRN_FUZZ_RUNS (bench/fuzz-long.sh) when set. */
export function fuzzRuns(ciDefault: number): number {
  const fromEnv = Number(process.env['CAIRN_FUZZ_RUNS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : ciDefault;
}

/** Every file under dir (recursively), as absolute real paths. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}
