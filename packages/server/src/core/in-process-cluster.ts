import type { JobLocks, LiveEvent, LiveEvents } from './ports.js';

/** LiveEvents for the embedded single process: subscribers are in this process, so publishing is a local call. */
export class InProcessLiveEvents implements LiveEvents {
  private readonly handlers = new Map<string, Set<(event: LiveEvent) => void>>();

  async publish(event: LiveEvent): Promise<void> {
    for (const handler of this.handlers.get(event.topic) ?? []) {
      try { handler(event); } catch { /* one broken subscriber must not stop the others or the writer */ }
    }
  }

  subscribe(topic: string, handler: (event: LiveEvent) => void): () => void {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0) this.handlers.delete(topic);
    };
  }

  async close(): Promise<void> { this.handlers.clear(); }
}

/** JobLocks for one process: a job never overlaps itself (an interval firing while the last run is still going). */
export class InProcessJobLocks implements JobLocks {
  private readonly held = new Set<string>();

  async runExclusive<T>(name: string, job: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    if (this.held.has(name)) return { ran: false };
    this.held.add(name);
    try {
      return { ran: true, value: await job() };
    } finally {
      this.held.delete(name);
    }
  }

  async close(): Promise<void> { /* nothing held across processes */ }
}
