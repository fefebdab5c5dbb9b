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
      // Database first (the released content is queued in the purge's transaction), bytes after: a crash in
      // between leaves queued work for the next pass, never a referenced blob missing.
      for (const a of batch) await this.store.purge(a.id);
      result.purged += batch.length;
      if (batch.length < 500) break;
    }
    result.blobsDeleted = await this.deleteReleasedBlobs();
    if (result.expired || result.purged) this.log.info({ ...result }, 'artifact retention');
    return result;
  }

  /** Deletes the blobs purges released, including those a dead process queued and never got to. */
  private async deleteReleasedBlobs(): Promise<number> {
    let deleted = 0;
    for (;;) {
      const queued = await this.store.queuedBlobDeletions(500);
      for (const hex of queued) {
        // Content stored again since (a new version with the same bytes) keeps its blob.
        if (await this.store.blobStillReleased(hex)) {
          await this.blobs.delete(contentKey(hex));
          deleted++;
        }
        await this.store.dequeueBlobDeletion(hex);
      }
      if (queued.length < 500) return deleted;
    }
  }

  async restore(artifactId: number): Promise<boolean> {
    return this.store.restore(artifactId);
  }

  /**
   * Runs every interval, in one process at a time (`locks`). Each step is idempotent (soft delete, then purge and
   * queueing of released content in one transaction, then blob deletes from the queue), so a pass cut short by a
   * dying process is finished by the next holder.
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
