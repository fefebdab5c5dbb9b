import type { EntityId, ProjectId, UserId } from '@cairn/shared';
import type { OrganizationId } from './ports.js';

// ---------- Promotion history ----------

/**
 * What happened to a collection (or, for role changes, a registry):
 * - link / unlink: a version joined or left a portfolio collection;
 * - alias_add / alias_move / alias_remove: an alias started pointing at a version, moved from one to another,
 *   or stopped pointing anywhere;
 * - role_change: someone's role on a registry changed (detail: user, from, to).
 */
export type PromotionAction = 'link' | 'unlink' | 'alias_add' | 'alias_move' | 'alias_remove' | 'role_change';
export const ALIAS_ACTIONS: readonly PromotionAction[] = ['alias_add', 'alias_move', 'alias_remove'];

export interface PromotionEvent {
  id: number;
  at: Date;
  projectId: ProjectId;
  /** null for registry-level events (role changes). */
  collectionId: number | null;
  action: PromotionAction;
  alias: string | null;
  fromArtifactId: number | null;
  fromVersion: number | null;
  toArtifactId: number | null;
  toVersion: number | null;
  actorUserId: UserId | null;
  actorName: string;
  detail: Record<string, unknown> | null;
}

/**
 * Reads of the history and the settings around it. Events themselves are written by the stores that make the
 * changes (ArtifactStore, RegistryStore), inside the same transaction (store/promotion-events.ts).
 */
export interface PromotionStore {
  /** Events of a project (optionally one collection, one alias), oldest first, ids above `afterId`. */
  listEvents(filter: { projectId: ProjectId; collectionId?: number; alias?: string; afterId?: number; limit: number }): Promise<PromotionEvent[]>;
  /** The last alias event of (collection, alias) at or before `at` (ties broken by id), or null when none. */
  lastAliasEventAt(collectionId: number, alias: string, at: Date): Promise<PromotionEvent | null>;
  /** A registry's protected aliases; null when it never set them (the defaults apply). */
  protectedAliases(projectId: ProjectId): Promise<string[] | null>;
  /** Sets them (null: back to the defaults). */
  setProtectedAliases(projectId: ProjectId, aliases: string[] | null, by: string): Promise<void>;
  /** Alias events of portfolio collections still waiting to be fanned out to webhooks, oldest first. */
  pendingOutbox(limit: number): Promise<PromotionEvent[]>;
  /**
   * Takes the event off the outbox and queues its deliveries, atomically; false (nothing queued) when another
   * process took it first.
   */
  fanOut(eventId: number, deliveries: NewWebhookDelivery[]): Promise<boolean>;
}

// ---------- Webhooks (generic: promotions now, run alerts later) ----------

/**
 * Where a webhook listens: every registry of an organization, or one registry (its project); or, for run
 * alerts, the runs of an entity (a user's or a team's).
 */
export type WebhookScope = { kind: 'organization'; id: OrganizationId } | { kind: 'registry'; id: ProjectId } | { kind: 'entity'; id: EntityId };
/** The body a webhook takes: Cairn's signed JSON, or a Slack incoming-webhook message ({ text, blocks }). */
export type WebhookFormat = 'generic' | 'slack';

export interface Webhook {
  id: number; scope: WebhookScope; url: string; secret: string; description: string | null;
  createdBy: string; createdAt: Date; disabledAt: Date | null; format: WebhookFormat;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';
export interface WebhookDelivery {
  id: number; webhookId: number; eventType: string; body: string; status: DeliveryStatus; attempts: number;
  nextAttemptAt: Date; lastStatusCode: number | null; lastError: string | null; createdAt: Date; deliveredAt: Date | null;
  alertId: number | null;
}
export interface NewWebhookDelivery { webhookId: number; eventType: string; body: string; alertId?: number }

export interface WebhookStore {
  createWebhook(input: { scope: WebhookScope; url: string; secret: string; description: string | null; createdBy: string; format?: WebhookFormat }): Promise<Webhook>;
  findWebhook(id: number): Promise<Webhook | null>;
  /** Live (not removed) webhooks listening on any of these scopes. */
  listWebhooks(scopes: WebhookScope[]): Promise<Webhook[]>;
  /** Stops a webhook: no new deliveries; its pending ones are dropped (marked failed). Its log stays. */
  disableWebhook(id: number, at: Date): Promise<boolean>;
  enqueueDeliveries(deliveries: NewWebhookDelivery[], now: Date): Promise<void>;
  /**
   * Pending deliveries due by `now`, each leased to the caller until now + leaseMs (another process skips it
   * meanwhile), with their webhook.
   */
  claimDue(now: Date, leaseMs: number, limit: number): Promise<{ delivery: WebhookDelivery; webhook: Webhook }[]>;
  /** The outcome of one attempt: delivered, retry at `retryAt`, or failed for good (retryAt null). */
  recordAttempt(id: number, outcome: { delivered: boolean; statusCode: number | null; error: string | null; retryAt: Date | null; at: Date }): Promise<void>;
  listDeliveries(webhookId: number, limit: number): Promise<WebhookDelivery[]>;
}
