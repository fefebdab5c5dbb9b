/**
 * Requests asked for in the same task, sent together: callers each ask for one item (a chart's series query, a
 * run's key list) and get exactly their item's answer, while the items of one task go out as one request per
 * group (a project), split to the server's bounds. Identical items share one entry. A caller that gives up is
 * answered at once; the request itself is cancelled only when nobody in it still waits.
 */

export interface MicroBatchSpec<Q, A> {
  /** Items of different groups never share a request (e.g. per project). */
  groupOf(item: Q): string;
  /** Identical items (same id) are asked once. */
  idOf(item: Q): string;
  /** Splits one group's items into requests (the server's bounds). */
  split(items: Q[]): Q[][];
  /** One request: an answer or an error per item, in the items' order. */
  send(items: Q[], signal: AbortSignal): Promise<(A | Error)[]>;
}

interface Waiter<A> { resolve(a: A): void; reject(e: unknown): void }
interface Pending<Q, A> { item: Q; waiters: Waiter<A>[]; sent: { items: Pending<Q, A>[]; controller: AbortController } | null }

const abortError = () => new DOMException('The request was aborted', 'AbortError');

/**
 * `schedule`: when to send what was asked so far. Default: a microtask, once the code running now is done —
 * React runs one commit's effects together, so one commit's askers share a request, and it goes out before the
 * redraws they queued.
 */
export function createMicroBatcher<Q, A>(spec: MicroBatchSpec<Q, A>, schedule: (flush: () => void) => void = queueMicrotask) {
  let queued = new Map<string, Map<string, Pending<Q, A>>>();
  let scheduled = false;

  const send = (items: Pending<Q, A>[]) => {
    const sent = { items, controller: new AbortController() };
    for (const p of items) p.sent = sent;
    const settle = (fn: (w: Waiter<A>, i: number) => void) => items.forEach((p, i) => p.waiters.splice(0).forEach((w) => fn(w, i)));
    spec.send(items.map((p) => p.item), sent.controller.signal).then((answers) => {
      settle((w, i) => {
        const a = answers[i];
        if (a === undefined) w.reject(new Error('batch: missing answer'));
        else if (a instanceof Error) w.reject(a);
        else w.resolve(a);
      });
    }, (e: unknown) => settle((w) => w.reject(e)));
  };

  const flush = () => {
    scheduled = false;
    const groups = queued;
    queued = new Map();
    for (const byId of groups.values()) {
      // Items whose callers all gave up before the flush are not sent.
      const live = [...byId.values()].filter((p) => p.waiters.length > 0);
      const byItem = new Map(live.map((p) => [p.item, p]));
      for (const part of spec.split(live.map((p) => p.item))) if (part.length > 0) send(part.map((q) => byItem.get(q)!));
    }
  };

  return function ask(item: Q, signal?: AbortSignal): Promise<A> {
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<A>((resolve, reject) => {
      const group = spec.groupOf(item);
      let byId = queued.get(group);
      if (!byId) queued.set(group, (byId = new Map()));
      const id = spec.idOf(item);
      let pending = byId.get(id);
      if (!pending) byId.set(id, (pending = { item, waiters: [], sent: null }));
      const p = pending;
      const waiter: Waiter<A> = { resolve, reject };
      p.waiters.push(waiter);
      signal?.addEventListener('abort', () => {
        const at = p.waiters.indexOf(waiter);
        if (at < 0) return; // already answered
        p.waiters.splice(at, 1);
        reject(abortError());
        if (p.sent && p.sent.items.every((q) => q.waiters.length === 0)) p.sent.controller.abort();
      }, { once: true });
      if (!scheduled) {
        scheduled = true;
        schedule(flush);
      }
    });
  };
}
