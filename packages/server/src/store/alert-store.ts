import type { EntityId, RunId } from '@cairn/shared';
import type { Selectable } from 'kysely';
import type { AlertLevel, AlertSettings, AlertSource, AlertStore, NewRunAlert, RunAlert } from '../core/alert-ports.js';
import type { DeliveryStatus, NewWebhookDelivery, WebhookDelivery } from '../core/promotion-ports.js';
import type { Database } from './schema.js';
import type { SqlDatabase } from './sql-database.js';

const toAlert = (r: Selectable<Database['run_alerts']>): RunAlert => ({
  id: Number(r.id), runId: Number(r.run_id) as RunId, title: r.title, text: r.text, level: r.level as AlertLevel,
  waitMs: Number(r.wait_ms), source: r.source as AlertSource, createdAt: new Date(Number(r.created_at)),
});

/** Run alerts and alert settings on SQLite or PostgreSQL; deliveries go to the shared webhook tables. */
export class KyselyAlertStore implements AlertStore {
  private readonly db;
  constructor(sqlDb: SqlDatabase) {
    this.db = sqlDb.db;
  }

  async recordAlert(alert: NewRunAlert, deliveries: (alertId: number) => NewWebhookDelivery[]) {
    return this.db.transaction().execute(async (tx) => {
      const at = alert.at.getTime();
      if (alert.waitMs > 0) {
        const recent = await tx.selectFrom('run_alerts').select('id').where('run_id', '=', alert.runId).where('title', '=', alert.title)
          .where('created_at', '>', at - alert.waitMs).limit(1).executeTakeFirst();
        if (recent) return null;
      }
      const row = await tx.insertInto('run_alerts').values({
        run_id: alert.runId, title: alert.title, text: alert.text, level: alert.level, wait_ms: alert.waitMs, source: alert.source, created_at: at,
        dedupe_key: alert.dedupeKey ?? null,
      }).onConflict((oc) => oc.columns(['run_id', 'dedupe_key']).doNothing()).returningAll().executeTakeFirst();
      if (!row) return null; // already recorded under this key: by a retry, or by another process
      const stored = toAlert(row);
      const queued = deliveries(stored.id);
      if (queued.length > 0) {
        await tx.insertInto('webhook_deliveries').values(queued.map((d) => ({
          webhook_id: d.webhookId, event_type: d.eventType, body: d.body, status: 'pending', next_attempt_at: at, lease_until: null,
          last_status_code: null, last_error: null, created_at: at, delivered_at: null, alert_id: stored.id,
        }))).execute();
      }
      return stored;
    });
  }

  async listRunAlerts(runId: RunId, limit: number) {
    return (await this.db.selectFrom('run_alerts').selectAll().where('run_id', '=', runId).orderBy('id', 'desc').limit(limit).execute()).map(toAlert);
  }

  async listAlertDeliveries(alertIds: number[]): Promise<WebhookDelivery[]> {
    if (alertIds.length === 0) return [];
    const rows = await this.db.selectFrom('webhook_deliveries').selectAll().where('alert_id', 'in', alertIds).orderBy('id').execute();
    return rows.map((r) => ({
      id: Number(r.id), webhookId: Number(r.webhook_id), eventType: r.event_type, body: r.body, status: r.status as DeliveryStatus,
      attempts: Number(r.attempts), nextAttemptAt: new Date(Number(r.next_attempt_at)), lastStatusCode: r.last_status_code,
      lastError: r.last_error, createdAt: new Date(Number(r.created_at)), deliveredAt: r.delivered_at === null ? null : new Date(Number(r.delivered_at)),
      alertId: r.alert_id === null ? null : Number(r.alert_id),
    }));
  }

  async alertSettings(entityId: EntityId): Promise<AlertSettings> {
    const r = await this.db.selectFrom('alert_settings').selectAll().where('entity_id', '=', entityId).executeTakeFirst();
    return { runFinished: Number(r?.run_finished ?? 0) === 1, runFailed: Number(r?.run_failed ?? 0) === 1, runCrashed: Number(r?.run_crashed ?? 0) === 1 };
  }

  async setAlertSettings(entityId: EntityId, s: AlertSettings, at: Date) {
    const values = { run_finished: s.runFinished ? 1 : 0, run_failed: s.runFailed ? 1 : 0, run_crashed: s.runCrashed ? 1 : 0, updated_at: at.getTime() };
    await this.db.insertInto('alert_settings').values({ entity_id: entityId, ...values })
      .onConflict((oc) => oc.column('entity_id').doUpdateSet(values)).execute();
  }
}
