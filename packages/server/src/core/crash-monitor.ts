import type { Logger } from './logger.js';
import type { JobLocks, MetaStore } from './ports.js';
import type { RunEndListener } from './file-stream.js';
import type { LivePublisher } from './live-updates.js';
import { stateAlertKey } from './state-alert-key.js';

/**
 * Marks runs whose SDK went silent: running → crashed, preempting → preempted, after `timeoutMs` without
 * any file_stream request (the SDK heartbeats every 30 s). A later request revives the run. Each sweep also
 * pays the run-state alerts still owed (see state-alert-key.ts).
 */
export class CrashMonitor {
  private timer: NodeJS.Timeout | null = null;
  private endListener: RunEndListener | null = null;
  private live: LivePublisher | null = null;

  /** Browsers watching the project see crashed and preempted runs change state without a reload. */
  useLive(live: LivePublisher): void {
    this.live = live;
  }

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
      // The crash alert is owed from the same UPDATE that marks the run, and paid below.
      if (await this.meta.markStale(run.id, [run.state], to, before, to === 'crashed' ? stateAlertKey(to, now) : null)) {
        changed++;
        this.log.info({ runId: run.id, to }, 'run went silent');
        this.live?.runChanged({ ...run, state: to });
      }
    }
    // Every alert still owed: the crashes just marked, and endings whose process died before paying theirs.
    for (const { run, key } of await this.meta.findPendingStateAlerts(1000)) await this.endListener?.(run, key);
    return changed;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
