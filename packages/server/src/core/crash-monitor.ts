import type { Logger } from './logger.js';
import type { JobLocks, MetaStore } from './ports.js';
import type { RunEndListener } from './file-stream.js';

/**
 * Marks runs whose SDK went silent: running → crashed, preempting → preempted, after `timeoutMs` without
 * any file_stream request (the SDK heartbeats every 30 s). A later request revives the run.
 */
export class CrashMonitor {
  private timer: NodeJS.Timeout | null = null;
  private endListener: RunEndListener | null = null;

  onRunEnded(listener: RunEndListener): void {
    this.endListener = listener;
  }

  constructor(
    private readonly meta: MetaStore,
    private readonly timeoutMs: number,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  /** Sweeps every interval, in one process at a time (`locks`); a sweep cut short is simply redone by the next. */
  start(locks: JobLocks): void {
    this.timer = setInterval(() => {
      locks.runExclusive('crash-monitor', () => this.sweep())
        .catch((e: unknown) => this.log.error({ err: e }, 'crash monitor sweep failed'));
    }, this.intervalMs);
    this.timer.unref();
  }

  async sweep(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.timeoutMs);
    let changed = 0;
    for (const run of await this.meta.findStaleRuns(['running', 'preempting'], before)) {
      const to = run.state === 'preempting' ? 'preempted' : 'crashed';
      if (await this.meta.markStale(run.id, [run.state], to, before)) {
        changed++;
        this.log.info({ runId: run.id, to }, 'run went silent');
        if (to === 'crashed') await this.endListener?.({ ...run, state: to }, to);
      }
    }
    return changed;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
