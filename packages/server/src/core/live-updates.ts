import type { AccessPolicy } from './access.js';
import type { Viewer } from './auth.js';
import type { Logger } from './logger.js';
import type { AppendResult, LiveEvent, LiveEvents, Run, RunState } from './ports.js';

/**
 * Live updates for open pages: what the write paths publish through LiveEvents, and what a browser's stream
 * (GET /api/live/projects/:entity/:project, Server-Sent Events) receives. The one place the shapes are written:
 *
 *   topic `project:<projectId>` (numeric storage id of the project), data one of
 *   - { kind: 'run', run, state, created? }        a run was created, changed state, or its summary/config/tags
 *                                                  changed: refetch that run's row (and the table order).
 *   - { kind: 'history', run, from?, to?, keys? }  history rows with steps from..to were stored. `keys`: the keys
 *                                                  of the newest row when there are few (absent = could be any);
 *                                                  from/to absent when the server numbers the steps (shared mode).
 *   - { kind: 'console', run, from, to }           console lines [from, to) (line indexes of the writer) stored.
 *   - { kind: 'system', run }                      system metric rows (events stream) stored.
 *
 * `run` is the run's name (its id in URLs). Payloads stay far under PostgreSQL's 8 KB NOTIFY limit: keys are
 * sent only while their JSON is under KEYS_BUDGET characters. Delivery is best effort: a page catches up by
 * reading the stores (it refetches when its stream reconnects).
 */
export type LiveUpdate =
  | { kind: 'run'; run: string; state: RunState; created?: true }
  | { kind: 'history'; run: string; from?: number; to?: number; keys?: string[] }
  | { kind: 'console'; run: string; from: number; to: number }
  | { kind: 'system'; run: string };

export const projectTopic = (projectId: number | string) => `project:${projectId}`;

/** Upper bound of the `keys` list's JSON in a history update (the whole payload stays < 8 KB). */
export const KEYS_BUDGET = 4000;
const MAX_KEYS = 100;

/** Publishes LiveUpdates for the write paths; a failing publish is logged and never fails the write. */
export class LivePublisher {
  constructor(private readonly events: LiveEvents, private readonly log?: Logger) {}

  publish(projectId: number | string, update: LiveUpdate): void {
    const event: LiveEvent = { topic: projectTopic(projectId), data: update as unknown as Record<string, unknown> };
    this.events.publish(event).catch((e: unknown) => this.log?.warn({ err: e, topic: event.topic }, 'live update not published'));
  }

  runChanged(run: Run, opts: { created?: boolean } = {}): void {
    this.publish(run.projectId, { kind: 'run', run: run.name, state: run.state, ...(opts.created ? { created: true as const } : {}) });
  }

  /** History rows were stored: their step range and the last row's keys, as the history store reports them. */
  historyAppended(run: Run, appended: AppendResult): void {
    if (appended.stored === 0) return;
    const update: LiveUpdate = { kind: 'history', run: run.name };
    if (appended.steps) {
      update.from = appended.steps.from;
      update.to = appended.steps.to;
    }
    const keys = appended.lastKeys;
    if (keys && keys.length <= MAX_KEYS && JSON.stringify(keys).length <= KEYS_BUDGET) update.keys = keys;
    this.publish(run.projectId, update);
  }

  consoleAppended(run: Run, from: number, count: number): void {
    if (count > 0) this.publish(run.projectId, { kind: 'console', run: run.name, from, to: from + count });
  }

  systemAppended(run: Run): void {
    this.publish(run.projectId, { kind: 'system', run: run.name });
  }
}

/** The browser side: a viewer's subscription to one project's updates, access checked once when it opens. */
export class LiveUpdateService {
  constructor(private readonly events: LiveEvents, private readonly access: AccessPolicy) {}

  /** Not visible (or missing) → the AccessPolicy's not-found error, exactly as for the project's other reads. */
  async subscribeProject(viewer: Viewer, entity: string, projectName: string, handler: (update: LiveUpdate) => void): Promise<() => void> {
    const { project } = await this.access.project(viewer, entity, projectName);
    return this.events.subscribe(projectTopic(project.id), (event) => handler(event.data as unknown as LiveUpdate));
  }
}
