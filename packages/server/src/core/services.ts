import { AccessPolicy } from './access.js';
import { AuthService } from './auth.js';
import { CrashMonitor } from './crash-monitor.js';
import { FileStreamService } from './file-stream.js';
import type { Logger } from './logger.js';
import { MetricsService } from './metrics.js';
import type { BlobStore, HistoryStore, MetaStore } from './ports.js';
import { RunFileService } from './run-files.js';
import { RunService, RunStreamReader } from './runs.js';
import { UrlSigner } from './url-signer.js';

export interface CoreDeps {
  meta: MetaStore;
  history: HistoryStore;
  blobs: BlobStore;
  urlSigningSecret: string;
  signedUrlTtlSeconds: number;
  heartbeatTimeoutSeconds: number;
  crashCheckIntervalSeconds: number;
  log: Logger;
}

/** Wires the domain services over the chosen adapters. Nothing here knows which adapters they are. */
export function createServices(deps: CoreDeps) {
  const access = new AccessPolicy(deps.meta);
  const auth = new AuthService(deps.meta);
  const signer = new UrlSigner(deps.urlSigningSecret, deps.signedUrlTtlSeconds);
  const runs = new RunService(deps.meta, deps.history, access);
  const fileStream = new FileStreamService(deps.meta, deps.history, runs);
  const runFiles = new RunFileService(deps.meta, deps.blobs, runs, signer);
  const crashMonitor = new CrashMonitor(
    deps.meta, deps.heartbeatTimeoutSeconds * 1000, deps.crashCheckIntervalSeconds * 1000, deps.log,
  );
  const streams = new RunStreamReader(deps.history);
  const metrics = new MetricsService(deps.meta, deps.history, access);
  return { access, auth, signer, runs, streams, metrics, fileStream, runFiles, crashMonitor, meta: deps.meta };
}
export type Services = ReturnType<typeof createServices>;
