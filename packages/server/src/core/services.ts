import { AccessPolicy } from './access.js';
import { ApiKeyService } from './api-keys.js';
import { AuditLog } from './audit.js';
import { AuthService } from './auth.js';
import { CrashMonitor } from './crash-monitor.js';
import { FileStreamService } from './file-stream.js';
import { LivePublisher, LiveUpdateService } from './live-updates.js';
import type { Logger } from './logger.js';
import { MediaService } from './media.js';
import { MetricsService } from './metrics.js';
import { OrgService } from './orgs.js';
import { ProjectVisibilityService } from './project-visibility.js';
import { ArtifactRetention } from './artifact-retention.js';
import { ArtifactService } from './artifacts.js';
import { AliasProtection } from './alias-protection.js';
import type { PromotionStore, WebhookStore } from './promotion-ports.js';
import type { AlertStore } from './alert-ports.js';
import { AlertService } from './alerts.js';
import { WorkspaceLayoutService, type WorkspaceLayoutStore } from './workspace-layouts.js';
import type { ViewStore } from './report-ports.js';
import { ReportService } from './reports.js';
import { PromotionService } from './promotions.js';
import { RegistryService } from './registries.js';
import type { RegistryStore } from './registry-ports.js';
import { WebhookAddressPolicy, WebhookService, type WebhookOptions } from './webhooks.js';
import { ArtifactDownloads } from './artifact-downloads.js';
import { ArtifactBrowser } from './artifact-browser.js';
import { ArtifactArchiveService } from './artifact-archive.js';
import { ArtifactTtlService } from './artifact-ttl.js';
import { AdminConsole } from './admin-console.js';
import { TtlPreviewService } from './ttl-preview.js';
import type { ArtifactStore, BlobStore, HistoryStore, JobLocks, LiveEvents, MetaStore } from './ports.js';
import { InProcessJobLocks, InProcessLiveEvents } from './in-process-cluster.js';
import { RunFileService } from './run-files.js';
import type { CredentialStore } from './security-ports.js';
import { RunService, RunStreamReader } from './runs.js';
import { UrlSigner } from './url-signer.js';
import { WebAuthService, type LoginThrottle, type WebAuthOptions } from './web-auth.js';

export interface CoreDeps {
  meta: MetaStore;
  artifactStore: ArtifactStore;
  history: HistoryStore;
  blobs: BlobStore;
  urlSigningSecret: string;
  signedUrlTtlSeconds: number;
  heartbeatTimeoutSeconds: number;
  crashCheckIntervalSeconds: number;
  log: Logger;
  /** How long a deleted or expired artifact version stays restorable before it is purged. */
  artifactGraceSeconds: number;
  /** Storage region names createArtifact accepts (all in the one blob store); default ['default']. */
  artifactStorageRegions?: readonly string[];
  /** Passwords, sessions, key revocation by id, audit log. */
  credentials: CredentialStore;
  webAuth: WebAuthOptions;
  loginThrottle: LoginThrottle;
  /** Registry settings, members and searches. */
  registryStore: RegistryStore;
  /** Promotion history, protected aliases and webhooks (one store implements both ports). */
  promotions: PromotionStore;
  webhookStore: WebhookStore;
  webhooks: Omit<WebhookOptions, 'policy'> & { allowCidrs: string };
  /** Run alerts and their settings (destinations are webhooks on the entity). */
  alertStore: AlertStore;
  /** Workspace layouts per user and project. */
  workspaceLayoutStore: WorkspaceLayoutStore;
  /** Saved views: reports and their drafts. */
  viewStore: ViewStore;
  /** Change notifications for live pages (default: this process only; PostgreSQL deployments fan out across processes). */
  liveEvents?: LiveEvents;
  /** Once-at-a-time background jobs (default: this process only; PostgreSQL deployments use advisory locks). */
  jobLocks?: JobLocks;
}

/** Wires the domain services over the chosen adapters. Nothing here knows which adapters they are. */
export function createServices(deps: CoreDeps) {
  const liveEvents = deps.liveEvents ?? new InProcessLiveEvents();
  const jobLocks = deps.jobLocks ?? new InProcessJobLocks();
  const access = new AccessPolicy(deps.meta);
  const auth = new AuthService(deps.meta);
  const signer = new UrlSigner(deps.urlSigningSecret, deps.signedUrlTtlSeconds);
  const runs = new RunService(deps.meta, deps.history, access);
  const runFiles = new RunFileService(deps.meta, deps.blobs, runs, signer);
  const fileStream = new FileStreamService(deps.meta, deps.history, runs, (runId, names) => runFiles.recordUploaded(runId, names));
  const crashMonitor = new CrashMonitor(
    deps.meta, deps.heartbeatTimeoutSeconds * 1000, deps.crashCheckIntervalSeconds * 1000, deps.log,
  );
  const streams = new RunStreamReader(deps.history);
  const metrics = new MetricsService(deps.meta, deps.history, access);
  const media = new MediaService(deps.meta, deps.history, runs, deps.artifactStore, deps.blobs);
  const audit = new AuditLog(deps.credentials);
  const aliasProtection = new AliasProtection(deps.meta, access, deps.promotions);
  const artifacts = new ArtifactService(deps.meta, deps.artifactStore, deps.blobs, access, signer, aliasProtection, deps.artifactStorageRegions);
  const promotions = new PromotionService(deps.meta, deps.artifactStore, access, aliasProtection, deps.promotions, audit);
  const webhooks = new WebhookService(deps.meta, access, aliasProtection, deps.webhookStore,
    { ...deps.webhooks, policy: new WebhookAddressPolicy(deps.webhooks.allowCidrs) }, deps.log);
  webhooks.addSource(promotions);
  const alerts = new AlertService(deps.meta, access, deps.alertStore, deps.webhookStore, webhooks, deps.log);
  fileStream.onRunEnded(async (run, key) => { await alerts.settleStateAlert(run, key); });
  const livePublisher = new LivePublisher(liveEvents, deps.log);
  runs.useLive(livePublisher);
  fileStream.useLive(livePublisher);
  const live = new LiveUpdateService(liveEvents, access);
  crashMonitor.useLive(livePublisher);
  crashMonitor.onRunEnded(async (run, key) => { await alerts.settleStateAlert(run, key); });
  const workspaceLayouts = new WorkspaceLayoutService(access, deps.workspaceLayoutStore);
  const reports = new ReportService(deps.meta, access, deps.viewStore);
  const artifactDownloads = new ArtifactDownloads(deps.meta, deps.artifactStore, deps.blobs, access);
  const artifactTtl = new ArtifactTtlService(deps.meta, deps.artifactStore);
  const retention = new ArtifactRetention(deps.artifactStore, deps.blobs, deps.artifactGraceSeconds * 1000, deps.log);
  const webAuth = new WebAuthService(deps.meta, deps.credentials, audit, deps.loginThrottle, deps.webAuth);
  const apiKeys = new ApiKeyService(deps.meta, auth, deps.credentials, audit);
  const orgs = new OrgService(deps.meta, auth, access, audit);
  const adminConsole = new AdminConsole(deps.meta, auth, deps.credentials, orgs, audit);
  const projectVisibility = new ProjectVisibilityService(deps.meta, access, audit);
  const registries = new RegistryService(deps.meta, deps.artifactStore, deps.registryStore, access, artifacts, aliasProtection, promotions, audit);
  // Registry projects follow registry roles wherever a project is read or written, and protected aliases ask them.
  access.useProjectRule(registries);
  aliasProtection.useRegistryRoles(async (viewer, orgEntity, project) => (await registries.roleOnProject(viewer, orgEntity, project)) ?? null);
  const artifactBrowser = new ArtifactBrowser(artifacts, access, aliasProtection);
  const artifactArchive = new ArtifactArchiveService(artifacts, deps.blobs);
  const ttlPreview = new TtlPreviewService(artifacts, artifactTtl, access);
  return { adminConsole, ttlPreview, media, reports, artifactBrowser, artifactArchive, workspaceLayouts, liveEvents, live, jobLocks, projectVisibility, alerts, registries, aliasProtection, promotions, webhooks, audit, webAuth, apiKeys, orgs, access, auth, signer, runs, streams, metrics, artifacts, artifactDownloads, artifactTtl, retention, fileStream, runFiles, crashMonitor, meta: deps.meta };
}
export type Services = ReturnType<typeof createServices>;
