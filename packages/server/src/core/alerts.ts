import { randomBytes } from 'node:crypto';
import type { AccessPolicy } from './access.js';
import { ALERT_LEVELS, type AlertLevel, type AlertSettings, type AlertStore, type RunAlert } from './alert-ports.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { Logger } from './logger.js';
import type { Actor } from './orgs.js';
import type { Entity, MetaStore, Project, Run } from './ports.js';
import type { NewWebhookDelivery, Webhook, WebhookDelivery, WebhookFormat, WebhookStore } from './promotion-ports.js';
import type { WebhookService } from './webhooks.js';
import type { Viewer } from './auth.js';
import { stateOfAlertKey, type AlertedEndState } from './state-alert-key.js';

/**
 * Run alerts: `run.alert()` (GraphQL notifyScriptableRunAlert) and the run-state alerts an entity switched on
 * (finished, failed, crashed). An alert is stored with its deliveries in one transaction and sent by the
 * shared WebhookService in the background (signed, retried, logged), so a slow or failing destination never
 * holds up the run's requests nor the other destinations. Destinations are webhooks on the run's entity:
 * generic (Cairn's signed JSON) or Slack incoming webhooks.
 */

export const ALERT_EVENT = 'run.alert';
/** What the SDK sends when wait_duration is not given (one minute). */
const DEFAULT_WAIT_MS = 60_000;
const MAX_WAIT_MS = 366 * 24 * 3_600_000;
const MAX_TITLE = 1_000;
const MAX_TEXT = 30_000;

export type DestinationKind = 'slack' | 'webhook';
export interface AlertWithDeliveries extends RunAlert { deliveries: WebhookDelivery[] }
export interface NotifyInput { entityName: string; projectName: string; runName: string; title: string; text: string; severity: unknown; waitMs: unknown }

const isViewer = (a: Actor): a is Viewer => 'user' in a;

export function parseAlertLevel(v: unknown): AlertLevel {
  if (v === undefined || v === null) return 'INFO';
  const s = String(v).toUpperCase();
  if (!(ALERT_LEVELS as readonly string[]).includes(s)) throw invalidInput(`unknown alert level ${JSON.stringify(v)}: use one of ${ALERT_LEVELS.join(', ')}`);
  return s as AlertLevel;
}

interface AlertContext { entity: Entity; project: Project; run: Run }

/** The JSON body a generic destination receives (signed like every webhook). */
export function genericAlertBody(a: RunAlert, c: AlertContext): string {
  return JSON.stringify({
    event: ALERT_EVENT,
    alert: { id: a.id, title: a.title, text: a.text, level: a.level, source: a.source, waitDurationMs: a.waitMs, createdAt: a.createdAt.toISOString() },
    run: { entity: c.entity.name, project: c.project.name, id: c.run.name, displayName: c.run.displayName, state: c.run.state,
      path: `/${c.entity.name}/${c.project.name}/runs/${c.run.name}` },
  });
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const LEVEL_EMOJI: Record<AlertLevel, string> = { INFO: ':information_source:', WARN: ':warning:', ERROR: ':rotating_light:' };

/** A Slack incoming-webhook message: `text` (notifications, fallbacks) plus blocks within Slack's size limits. */
export function slackAlertBody(a: RunAlert, c: AlertContext): string {
  const where = `${c.entity.name}/${c.project.name}/${c.run.name}`;
  return JSON.stringify({
    text: clip(`[${a.level}] ${a.title}: ${a.text} (run ${c.run.displayName} in ${where})`, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(a.title, 150), emoji: true } },
      ...(a.text ? [{ type: 'section', text: { type: 'mrkdwn', text: clip(a.text, 3000) } }] : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(`${LEVEL_EMOJI[a.level]} *${a.level}* · run *${c.run.displayName}* (${where})`, 3000) }] },
    ],
  });
}

export class AlertService {
  constructor(
    private readonly meta: MetaStore,
    private readonly access: AccessPolicy,
    private readonly store: AlertStore,
    private readonly webhookStore: WebhookStore,
    private readonly webhooks: WebhookService,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ---------- destinations and settings ----------

  /** The entity, when the actor may manage its alerts (admin role; one's own user entity); NOT_FOUND/FORBIDDEN otherwise. */
  async manageable(actor: Actor, entityName: string): Promise<Entity> {
    const entity = await this.meta.findEntityByName(entityName);
    if (!entity) throw new DomainError(ErrorCodes.ENTITY_NOT_FOUND, `entity ${entityName} not found`);
    if (isViewer(actor)) await this.access.require(actor, entity, 'admin', () => new DomainError(ErrorCodes.ENTITY_NOT_FOUND, `entity ${entityName} not found`));
    return entity;
  }

  /** Adds a destination after checking its URL (nothing is sent). A generic webhook needs a secret of 16+ characters. */
  async addDestination(actor: Actor, entityName: string, input: { kind: DestinationKind; url: string; secret?: string | null; description?: string | null }): Promise<Webhook> {
    const entity = await this.manageable(actor, entityName);
    if (input.kind !== 'slack' && input.kind !== 'webhook') throw invalidInput(`unknown destination kind ${JSON.stringify(input.kind)}: use slack or webhook`);
    const format: WebhookFormat = input.kind === 'slack' ? 'slack' : 'generic';
    if (format === 'generic' && !input.secret) throw invalidInput('a webhook destination needs a signing secret (16 characters or more)');
    // Slack authenticates by the secret URL itself; the signature header it ignores is still keyed.
    const secret = input.secret || randomBytes(24).toString('hex');
    return this.webhooks.addChecked({
      scope: { kind: 'entity', id: entity.id }, url: input.url, secret, format, description: input.description ?? null,
      createdBy: isViewer(actor) ? actor.user.username : actor.system,
    });
  }

  async listDestinations(actor: Actor, entityName: string): Promise<Webhook[]> {
    const entity = await this.manageable(actor, entityName);
    return this.webhookStore.listWebhooks([{ kind: 'entity', id: entity.id }]);
  }

  /** Stops a destination of the entity (its pending deliveries are dropped; the log stays). */
  async removeDestination(actor: Actor, entityName: string, id: number): Promise<void> {
    const entity = await this.manageable(actor, entityName);
    const w = Number.isSafeInteger(id) ? await this.webhookStore.findWebhook(id) : null;
    if (!w || w.disabledAt !== null || w.scope.kind !== 'entity' || w.scope.id !== entity.id) {
      throw new DomainError(ErrorCodes.NOT_FOUND, `alert destination ${id} not found in ${entityName}`);
    }
    await this.webhookStore.disableWebhook(id, this.now());
  }

  async settings(actor: Actor, entityName: string): Promise<AlertSettings> {
    return this.store.alertSettings((await this.manageable(actor, entityName)).id);
  }

  async updateSettings(actor: Actor, entityName: string, patch: Partial<AlertSettings>): Promise<AlertSettings> {
    const entity = await this.manageable(actor, entityName);
    const next = { ...(await this.store.alertSettings(entity.id)), ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
    await this.store.setAlertSettings(entity.id, next, this.now());
    return next;
  }

  // ---------- alerts ----------

  /** run.alert(): needs write access to the run's project. Returns the stored alert, or null when suppressed. */
  async notify(viewer: Viewer, input: NotifyInput): Promise<RunAlert | null> {
    const level = parseAlertLevel(input.severity);
    const title = String(input.title ?? '');
    const text = String(input.text ?? '');
    if (title.trim() === '') throw invalidInput('an alert needs a title');
    if (title.length > MAX_TITLE) throw invalidInput(`an alert title is at most ${MAX_TITLE} characters`);
    if (text.length > MAX_TEXT) throw invalidInput(`an alert text is at most ${MAX_TEXT} characters`);
    const waitMs = input.waitMs === undefined || input.waitMs === null ? DEFAULT_WAIT_MS : Number(input.waitMs);
    if (!Number.isSafeInteger(waitMs) || waitMs < 0 || waitMs > MAX_WAIT_MS) throw invalidInput('waitDuration must be a whole number of milliseconds, 0 to one year');
    const { entity, project } = await this.access.project(viewer, input.entityName, input.projectName, 'write');
    const run = await this.meta.findRun(project.id, input.runName);
    if (!run) throw new DomainError(ErrorCodes.RUN_NOT_FOUND, `run ${entity.name}/${project.name}/${input.runName} not found`);
    return this.send({ entity, project, run }, { title, text, level, waitMs, source: 'script' });
  }

  /** Called when a run ends: finished, failed, or crashed (heartbeat lost). Never throws (a run's request must not fail for it). */
  /**
   * Pays the run-state alert a run owes (`key` from stateAlertKey, stored with the state change): records it if the
   * entity wants it, at most once per key, then clears the debt. False when that failed: the debt stays for the
   * crash monitor's next sweep, which retries it (also after the process that ended the run died).
   */
  async settleStateAlert(run: Run, key: string): Promise<boolean> {
    const to = stateOfAlertKey(key);
    try {
      if (to) await this.recordStateAlert(run, to, key);
      await this.meta.clearStateAlertPending(run.id, key);
      return true;
    } catch (e) {
      this.log.error({ err: e, runId: run.id, key }, 'run-state alert failed; retried by the next sweep');
      return false;
    }
  }

  private async recordStateAlert(run: Run, to: AlertedEndState, key: string): Promise<void> {
    const project = await this.meta.findProjectById(run.projectId);
    const entity = project ? await this.meta.findEntityById(project.entityId) : null;
    if (!project || !entity) return;
    const s = await this.store.alertSettings(entity.id);
    const wanted = to === 'finished' ? s.runFinished : to === 'failed' ? s.runFailed : s.runCrashed;
    if (!wanted) return;
    const text = to === 'finished' ? `Run ${run.displayName} finished.`
      : to === 'failed' ? `Run ${run.displayName} failed${run.exitCode !== null ? ` (exit code ${run.exitCode})` : ''}.`
        : `Run ${run.displayName} stopped sending heartbeats and was marked crashed.`;
    await this.send({ entity, project, run: { ...run, state: to } }, {
      title: `Run ${to}: ${run.displayName}`, text, level: to === 'finished' ? 'INFO' : 'ERROR', waitMs: 0, source: 'run_state',
    }, key);
  }

  private async send(c: AlertContext, a: Pick<RunAlert, 'title' | 'text' | 'level' | 'waitMs' | 'source'>, dedupeKey?: string): Promise<RunAlert | null> {
    const destinations = await this.webhookStore.listWebhooks([{ kind: 'entity', id: c.entity.id }]);
    const at = this.now();
    const stored = await this.store.recordAlert({ runId: c.run.id, ...a, at, ...(dedupeKey ? { dedupeKey } : {}) }, (alertId): NewWebhookDelivery[] => {
      const alert: RunAlert = { id: alertId, runId: c.run.id, ...a, createdAt: at };
      return destinations.map((w) => ({
        webhookId: w.id, eventType: ALERT_EVENT, alertId, body: w.format === 'slack' ? slackAlertBody(alert, c) : genericAlertBody(alert, c),
      }));
    });
    // Deliver now rather than at the next poll; in the background, never on this request's path.
    if (stored && destinations.length > 0) void this.webhooks.tick();
    return stored;
  }

  /** The alerts of `<entity>/<project>/<run>` as an actor may read them (the CLI reads everything). */
  async forRunPath(actor: Actor, entityName: string, projectName: string, runName: string, limit = 100): Promise<AlertWithDeliveries[]> {
    let project: Project | null;
    if (isViewer(actor)) project = (await this.access.project(actor, entityName, projectName, 'read')).project;
    else {
      const entity = await this.meta.findEntityByName(entityName);
      project = entity ? await this.meta.findProject(entity.id, projectName) : null;
    }
    const run = project ? await this.meta.findRun(project.id, runName) : null;
    if (!run) throw new DomainError(ErrorCodes.RUN_NOT_FOUND, `run ${entityName}/${projectName}/${runName} not found`);
    return this.forRun(run, limit);
  }

  /** A run's alerts, newest first, each with its deliveries (for the run page). */
  async forRun(run: Run, limit = 100): Promise<AlertWithDeliveries[]> {
    const alerts = await this.store.listRunAlerts(run.id, Math.max(1, Math.min(limit, 1000)));
    const deliveries = await this.store.listAlertDeliveries(alerts.map((a) => a.id));
    return alerts.map((a) => ({ ...a, deliveries: deliveries.filter((d) => d.alertId === a.id) }));
  }
}
