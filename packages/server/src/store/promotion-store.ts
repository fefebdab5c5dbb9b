import type { EntityId, ProjectId, UserId } from '@cairn/shared';
import type { Selectable } from 'kysely';
import type { OrganizationId } from '../core/ports.js';
import type {
  DeliveryStatus, NewWebhookDelivery, PromotionAction, PromotionEvent, PromotionStore, Webhook, WebhookDelivery,
  WebhookFormat, WebhookScope, WebhookStore,
} from '../core/promotion-ports.js';
import type { Database } from './schema.js';
import type { SqlDatabase } from './sql-database.js';

const toEvent = (r: Selectable<Database['promotion_events']>): PromotionEvent => ({
  id: Number(r.id), at: new Date(Number(r.at)), projectId: Number(r.project_id) as ProjectId,
  collectionId: r.collection_id === null ? null : Number(r.collection_id), action: r.action as PromotionAction, alias: r.alias,
  fromArtifactId: r.from_artifact_id === null ? null : Number(r.from_artifact_id), fromVersion: r.from_version === null ? null : Number(r.from_version),
  toArtifactId: r.to_artifact_id === null ? null : Number(r.to_artifact_id), toVersion: r.to_version === null ? null : Number(r.to_version),
  actorUserId: r.actor_user_id === null ? null : (Number(r.actor_user_id) as UserId), actorName: r.actor_name,
  detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
});
const toWebhook = (r: Selectable<Database['webhooks']>): Webhook => ({
  id: Number(r.id),
  scope: r.scope_kind === 'organization'
    ? { kind: 'organization', id: Number(r.scope_id) as OrganizationId }
    : r.scope_kind === 'entity' ? { kind: 'entity', id: Number(r.scope_id) as EntityId }
      : { kind: 'registry', id: Number(r.scope_id) as ProjectId },
  format: r.format === 'slack' ? 'slack' : 'generic',
  url: r.url, secret: r.secret, description: r.description, createdBy: r.created_by, createdAt: new Date(Number(r.created_at)),
  disabledAt: r.disabled_at === null ? null : new Date(Number(r.disabled_at)),
});
const toDelivery = (r: Selectable<Database['webhook_deliveries']>): WebhookDelivery => ({
  id: Number(r.id), webhookId: Number(r.webhook_id), eventType: r.event_type, body: r.body, status: r.status as DeliveryStatus,
  attempts: Number(r.attempts), nextAttemptAt: new Date(Number(r.next_attempt_at)), lastStatusCode: r.last_status_code,
  lastError: r.last_error, createdAt: new Date(Number(r.created_at)), deliveredAt: r.delivered_at === null ? null : new Date(Number(r.delivered_at)),
  alertId: r.alert_id === null ? null : Number(r.alert_id),
});

/** Promotion history, protected-alias settings and webhooks on SQLite or PostgreSQL (portable SQL only). */
export class KyselyPromotionStore implements PromotionStore, WebhookStore {
  private readonly db;
  constructor(sqlDb: SqlDatabase) {
    this.db = sqlDb.db;
  }

  async listEvents(filter: { projectId: ProjectId; collectionId?: number; alias?: string; afterId?: number; limit: number }) {
    let q = this.db.selectFrom('promotion_events').selectAll().where('project_id', '=', filter.projectId);
    if (filter.collectionId !== undefined) q = q.where('collection_id', '=', filter.collectionId);
    if (filter.alias !== undefined) q = q.where('alias', '=', filter.alias);
    if (filter.afterId !== undefined) q = q.where('id', '>', filter.afterId);
    return (await q.orderBy('id').limit(filter.limit).execute()).map(toEvent);
  }

  async lastAliasEventAt(collectionId: number, alias: string, at: Date) {
    const r = await this.db.selectFrom('promotion_events').selectAll().where('collection_id', '=', collectionId).where('alias', '=', alias)
      .where('action', 'in', ['alias_add', 'alias_move', 'alias_remove']).where('at', '<=', at.getTime())
      .orderBy('at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return r ? toEvent(r) : null;
  }

  async protectedAliases(projectId: ProjectId) {
    const r = await this.db.selectFrom('registry_alias_policies').select('protected_aliases').where('project_id', '=', projectId).executeTakeFirst();
    return r ? (JSON.parse(r.protected_aliases) as string[]) : null;
  }

  async setProtectedAliases(projectId: ProjectId, aliases: string[] | null, by: string) {
    if (aliases === null) {
      await this.db.deleteFrom('registry_alias_policies').where('project_id', '=', projectId).execute();
      return;
    }
    const values = { project_id: projectId, protected_aliases: JSON.stringify(aliases), updated_at: Date.now(), updated_by: by };
    await this.db.insertInto('registry_alias_policies').values(values).onConflict((oc) => oc.column('project_id').doUpdateSet({
      protected_aliases: values.protected_aliases, updated_at: values.updated_at, updated_by: values.updated_by,
    })).execute();
  }

  async pendingOutbox(limit: number) {
    return (await this.db.selectFrom('promotion_outbox').innerJoin('promotion_events', 'promotion_events.id', 'promotion_outbox.event_id')
      .selectAll('promotion_events').orderBy('promotion_events.id').limit(limit).execute()).map(toEvent);
  }

  async fanOut(eventId: number, deliveries: NewWebhookDelivery[]) {
    return this.db.transaction().execute(async (tx) => {
      // Deleting first claims the event: a concurrent dispatcher's delete waits, then finds nothing.
      const taken = await tx.deleteFrom('promotion_outbox').where('event_id', '=', eventId).executeTakeFirst();
      if (Number(taken.numDeletedRows) !== 1) return false;
      const now = Date.now();
      if (deliveries.length > 0) {
        await tx.insertInto('webhook_deliveries').values(deliveries.map((d) => ({
          webhook_id: d.webhookId, event_type: d.eventType, body: d.body, status: 'pending', next_attempt_at: now, lease_until: null,
          last_status_code: null, last_error: null, created_at: now, delivered_at: null,
        }))).execute();
      }
      return true;
    });
  }

  async createWebhook(input: { scope: WebhookScope; url: string; secret: string; description: string | null; createdBy: string; format?: WebhookFormat }) {
    const r = await this.db.insertInto('webhooks').values({
      scope_kind: input.scope.kind, scope_id: input.scope.id, url: input.url, secret: input.secret, description: input.description,
      created_by: input.createdBy, created_at: Date.now(), disabled_at: null, format: input.format ?? 'generic',
    }).returningAll().executeTakeFirstOrThrow();
    return toWebhook(r);
  }

  async findWebhook(id: number) {
    const r = await this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toWebhook(r) : null;
  }

  async listWebhooks(scopes: WebhookScope[]) {
    if (scopes.length === 0) return [];
    const rows = await this.db.selectFrom('webhooks').selectAll().where('disabled_at', 'is', null)
      .where((eb) => eb.or(scopes.map((s) => eb.and([eb('scope_kind', '=', s.kind), eb('scope_id', '=', s.id)]))))
      .orderBy('id').execute();
    return rows.map(toWebhook);
  }

  async disableWebhook(id: number, at: Date) {
    return this.db.transaction().execute(async (tx) => {
      const r = await tx.updateTable('webhooks').set({ disabled_at: at.getTime() }).where('id', '=', id).where('disabled_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await tx.updateTable('webhook_deliveries').set({ status: 'failed', last_error: 'webhook removed' })
        .where('webhook_id', '=', id).where('status', '=', 'pending').execute();
      return true;
    });
  }

  async enqueueDeliveries(deliveries: NewWebhookDelivery[], now: Date) {
    if (deliveries.length === 0) return;
    await this.db.insertInto('webhook_deliveries').values(deliveries.map((d) => ({
      webhook_id: d.webhookId, event_type: d.eventType, body: d.body, status: 'pending', next_attempt_at: now.getTime(), lease_until: null,
      last_status_code: null, last_error: null, created_at: now.getTime(), delivered_at: null, alert_id: d.alertId ?? null,
    }))).execute();
  }

  async claimDue(now: Date, leaseMs: number, limit: number) {
    const t = now.getTime();
    const due = await this.db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'pending').where('next_attempt_at', '<=', t)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', t)])).orderBy('id').limit(limit).execute();
    const claimed: { delivery: WebhookDelivery; webhook: Webhook }[] = [];
    for (const { id } of due) {
      // Conditional update = compare-and-set: of two processes eyeing one delivery, only one gets the lease.
      const r = await this.db.updateTable('webhook_deliveries').set({ lease_until: t + leaseMs }).where('id', '=', id).where('status', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', t)])).returningAll().executeTakeFirst();
      if (!r) continue;
      const webhook = await this.findWebhook(Number(r.webhook_id));
      if (webhook) claimed.push({ delivery: toDelivery(r), webhook });
    }
    return claimed;
  }

  async recordAttempt(id: number, o: { delivered: boolean; statusCode: number | null; error: string | null; retryAt: Date | null; at: Date }) {
    const status: DeliveryStatus = o.delivered ? 'delivered' : o.retryAt ? 'pending' : 'failed';
    await this.db.updateTable('webhook_deliveries').set((eb) => ({
      status, attempts: eb('attempts', '+', 1), lease_until: null, last_status_code: o.statusCode, last_error: o.error,
      next_attempt_at: o.retryAt ? o.retryAt.getTime() : o.at.getTime(), delivered_at: o.delivered ? o.at.getTime() : null,
    })).where('id', '=', id).execute();
  }

  async listDeliveries(webhookId: number, limit: number) {
    return (await this.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).orderBy('id', 'desc').limit(limit).execute())
      .map(toDelivery);
  }
}
