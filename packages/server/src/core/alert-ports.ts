import type { EntityId, RunId } from '@cairn/shared';
import type { NewWebhookDelivery, WebhookDelivery } from './promotion-ports.js';

/** W&B's AlertSeverity values. */
export const ALERT_LEVELS = ['INFO', 'WARN', 'ERROR'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];
/** 'script': run.alert(); 'run_state': a run finished, failed or crashed and its entity asked to be told. */
export type AlertSource = 'script' | 'run_state';

export interface RunAlert {
  id: number; runId: RunId; title: string; text: string; level: AlertLevel; waitMs: number; source: AlertSource; createdAt: Date;
}

/** Which run-state alerts an entity switched on (all off by default). */
export interface AlertSettings { runFinished: boolean; runFailed: boolean; runCrashed: boolean }

export interface NewRunAlert {
  runId: RunId; title: string; text: string; level: AlertLevel; waitMs: number; source: AlertSource; at: Date;
  /** Recorded at most once per run and key (run-state alerts redelivered after a process died). */
  dedupeKey?: string;
}

export interface AlertStore {
  /**
   * Stores the alert and queues its deliveries in one transaction, unless an alert with the same run and
   * title was stored within the last `waitMs` (then nothing is written and null comes back).
   */
  recordAlert(alert: NewRunAlert, deliveries: (alertId: number) => NewWebhookDelivery[]): Promise<RunAlert | null>;
  /** A run's alerts, newest first. */
  listRunAlerts(runId: RunId, limit: number): Promise<RunAlert[]>;
  /** The deliveries of these alerts, oldest first. */
  listAlertDeliveries(alertIds: number[]): Promise<WebhookDelivery[]>;
  alertSettings(entityId: EntityId): Promise<AlertSettings>;
  setAlertSettings(entityId: EntityId, settings: AlertSettings, at: Date): Promise<void>;
}
