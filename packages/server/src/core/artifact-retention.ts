import { contentKey } from './artifacts.js';
import type { Logger } from './logger.js';
import type { ArtifactStore, BlobStore, JobLocks } from './ports.js';

export interface RetentionResult { expired: number; purged: number; blobsDeleted: number }

/**
 * Artifact retention: versions past their TTL are soft-deleted (invisible, restorable), and versions deleted
 * longer than the grace period are purged together with the bytes no remaining version references.
 */
export class ArtifactRetention {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: ArtifactStore,
    private readonly blobs: BlobStore,
    private readonly graceMs: number,
    private readonly log: Logger,
  ) {}

  async run(now = Date.now()): Promise<RetentionResult> {
    const result: RetentionResult = { expired: 0, purged: 0, blobsDeleted: 0 };
    for (;;) {
      const batch = await this.store.findExpired(now, 500);
      for (const a of batch) await this.store.softDelete(a.id, now);
      result.expired += batch.length;
      if (batch.length < 500) break;
    }
    for (;;) {
      const batch = await this.store.findPurgeable(now - this.graceMs, 500);
      for (const a of batch) {
        // Database first: a crash between the two leaves an unreferenced blob (harmless), never a
        // referenced one missing.
        for (const hex of await this.store.purge(a.id)) {
          await this.blobs.delete(contentKey(hex));
          result.blobsDeleted++;
        }
      }
      result.purged += batch.length;
      if (batch.length < 500) break;
    }
    if (result.expired || result.purged) this.log.info({ ...result }, 'artifact retention');
    return result;
  }

  async restore(artifactId: number): Promise<boolean> {
    return this.store.restore(artifactId);
  }

  /**
   * Runs every interval, in one process at a time (`locks`). Each step is idempotent (soft delete, then purge in
   * one transaction, then blob deletes), so a pass cut short by a dying process is finished by the next holder;
   * only blobs whose purge committed just before the death stay behind unreferenced.
   */
  start(intervalMs: number, locks: JobLocks): void {
    this.timer = setInterval(() => {
      locks.runExclusive('artifact-retention', () => this.run()).catch((e: unknown) => this.log.error({ err: e }, 'artifact retention failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
