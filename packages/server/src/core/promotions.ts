import type { AccessPolicy } from './access.js';
import { isRegistryProject, REGISTRY_PROJECT_PREFIX, type AliasProtection } from './alias-protection.js';
import type { AuditLog } from './audit.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { Actor } from './orgs.js';
import type { ArtifactCollection, ArtifactStore, Entity, MetaStore, Project } from './ports.js';
import type { PromotionEvent, PromotionStore, WebhookScope } from './promotion-ports.js';
import type { WebhookOutboxSource, WebhookService } from './webhooks.js';

/** A collection located in its project and entity. */
export interface CollectionInProject { entity: Entity; project: Project; collection: ArtifactCollection }

/** What an alias pointed to at a moment: the last alias event at or before it (none: it did not exist yet). */
export interface AliasAtAnswer {
  alias: string;
  at: Date;
  /** The event that set the state in force at `at`; null when the alias had never been set by then. */
  event: PromotionEvent | null;
  /** The version it pointed to (null: it pointed nowhere, removed or never set). */
  artifactId: number | null;
  versionIndex: number | null;
}

const MAX_PAGE = 1000;
const isViewer = (a: Actor): a is Viewer => 'user' in a;

/** Parses a point in time given as ISO-8601 (a zone is required unless it is a date alone) or epoch ms. */
export function parseInstant(value: string): Date {
  const v = value.trim();
  if (/^\d{1,15}$/.test(v)) return new Date(Number(v));
  // A time without a zone would silently mean the server's zone: ask for one.
  if (/T\d{2}:\d{2}/.test(v) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(v)) {
    throw invalidInput(`time ${JSON.stringify(value)} has no time zone: add Z (UTC) or an offset such as +02:00`);
  }
  const d = new Date(v);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(v)) throw invalidInput(`not an ISO-8601 time: ${JSON.stringify(value)}`);
  return d;
}

/**
 * The promotion history of collections and registries: the append-only events the ArtifactStore writes with
 * every link, unlink and alias change, the time-travel question ("what did alias A of collection C point to
 * at T"), registry role changes, and the fan-out of registry alias events to webhooks.
 */
export class PromotionService implements WebhookOutboxSource {
  constructor(
    private readonly meta: MetaStore,
    private readonly artifacts: ArtifactStore,
    private readonly access: AccessPolicy,
    private readonly protection: AliasProtection,
    private readonly store: PromotionStore,
    private readonly audit: AuditLog,
  ) {}

  /**
   * A collection by entity/project/collection names, if the actor may read it (else NOT_FOUND, exactly as if
   * it did not exist). `entityName` may also be an organization's name and `projectName` a registry's bare
   * name (`model` for `wandb-registry-model`), as on the CLI.
   */
  async collection(actor: Actor, entityName: string, projectName: string, collectionName: string): Promise<CollectionInProject> {
    const { entity, project } = await this.project(actor, entityName, projectName);
    const collection = await this.artifacts.findCollection(project.id, collectionName);
    if (!collection) throw new DomainError(ErrorCodes.NOT_FOUND, `collection ${entityName}/${projectName}/${collectionName} not found`);
    return { entity, project, collection };
  }

  async project(actor: Actor, entityName: string, projectName: string): Promise<{ entity: Entity; project: Project }> {
    const notFound = () => new DomainError(ErrorCodes.NOT_FOUND, `project ${entityName}/${projectName} not found`);
    const registry = await this.protection.findRegistry(entityName, projectName);
    let found = registry;
    if (!found) {
      const entity = await this.meta.findEntityByName(entityName);
      const project = entity ? await this.meta.findProject(entity.id, projectName) : null;
      found = entity && project ? { entity, project } : null;
    }
    if (!found) throw notFound();
    if (isViewer(actor)) {
      try {
        await this.access.project(actor, found.entity.name, found.project.name, 'read');
      } catch (e) {
        if (e instanceof DomainError && e.code !== ErrorCodes.FORBIDDEN) throw notFound();
        throw e;
      }
    }
    return found;
  }

  /** A collection's events, oldest first (optionally one alias), after the event id `after`. */
  async history(c: CollectionInProject, opts: { alias?: string | null; after?: number | null; limit?: number | null } = {}): Promise<PromotionEvent[]> {
    return this.store.listEvents({
      projectId: c.project.id, collectionId: c.collection.id, ...(opts.alias ? { alias: opts.alias } : {}),
      ...(opts.after != null ? { afterId: opts.after } : {}), limit: clampLimit(opts.limit),
    });
  }

  /** Every event of a project (a registry): its collections' and its role changes, oldest first. */
  async projectHistory(where: { project: Project }, opts: { after?: number | null; limit?: number | null } = {}): Promise<PromotionEvent[]> {
    return this.store.listEvents({ projectId: where.project.id, ...(opts.after != null ? { afterId: opts.after } : {}), limit: clampLimit(opts.limit) });
  }

  /** What `alias` of the collection pointed to at `at` (default: now). */
  async aliasAt(c: CollectionInProject, alias: string, at: Date = new Date()): Promise<AliasAtAnswer> {
    if (alias.trim() === '') throw invalidInput('name the alias');
    const event = await this.store.lastAliasEventAt(c.collection.id, alias, at);
    return {
      alias, at, event,
      artifactId: event?.toArtifactId ?? null,
      versionIndex: event && event.action !== 'alias_remove' ? event.toVersion : null,
    };
  }

  /** The protected aliases of a registry the actor can see. */
  async protectedAliases(actor: Actor, org: string, registry: string): Promise<{ entity: Entity; project: Project; aliases: string[] }> {
    const where = await this.registry(actor, org, registry);
    return { ...where, aliases: await this.protection.protectedAliases(where.project) };
  }

  /** Sets (null: resets to the defaults) a registry's protected aliases; registry admins only. */
  async setProtectedAliases(actor: Actor, org: string, registry: string, aliases: string[] | null) {
    const where = await this.registry(actor, org, registry);
    const list = await this.protection.setProtectedAliases(isViewer(actor) ? actor : { system: actor.system }, where, aliases);
    await this.audit.record({
      actor: isViewer(actor) ? actor.user.username : actor.system, action: 'registry.protected-aliases',
      target: `${where.entity.name}/${where.project.name}`, detail: { aliases: list, reset: aliases === null },
    });
    return { ...where, aliases: list };
  }

  private async registry(actor: Actor, org: string, registry: string) {
    const where = await this.project(actor, org, registry);
    if (!isRegistryProject(where.entity, where.project)) throw new DomainError(ErrorCodes.NOT_FOUND, `registry ${org}/${registry} not found`);
    return where;
  }

  // ---------- webhook fan-out (WebhookOutboxSource) ----------

  /**
   * Turns pending registry alias events into webhook deliveries: one per webhook on the registry or its
   * organization, each with the event as its JSON body. Events outside registries are dropped from the outbox.
   */
  async pumpOutbox(webhooks: WebhookService, limit = 100): Promise<number> {
    let queued = 0;
    for (const event of await this.store.pendingOutbox(limit)) {
      const body = await this.webhookBody(event);
      const scopes: WebhookScope[] = [];
      if (body) {
        scopes.push({ kind: 'registry', id: event.projectId });
        if (body.scope.orgId !== null) scopes.push({ kind: 'organization', id: body.scope.orgId });
      }
      // Only webhooks that existed when it happened: adding one does not replay a backlog.
      const hooks = scopes.length > 0 ? (await webhooks.listFor(scopes)).filter((h) => h.createdAt <= event.at) : [];
      const text = body ? JSON.stringify(body.payload) : '';
      if (await this.store.fanOut(event.id, hooks.map((h) => ({ webhookId: h.id, eventType: 'promotion', body: text })))) queued += hooks.length;
    }
    return queued;
  }

  private async webhookBody(event: PromotionEvent) {
    if (event.collectionId === null) return null;
    const project = await this.meta.findProjectById(event.projectId);
    const entity = project ? await this.meta.findEntityById(project.entityId) : null;
    const collection = await this.artifacts.findCollectionById(event.collectionId);
    if (!project || !entity || !collection || !isRegistryProject(entity, project)) return null;
    const org = entity.orgId !== null ? await this.meta.findOrganizationById(entity.orgId) : null;
    const registry = project.name.slice(REGISTRY_PROJECT_PREFIX.length);
    const version = (artifactId: number | null, index: number | null) => (artifactId === null ? null : {
      version: index === null ? null : `v${index}`, versionIndex: index, artifactId,
      path: index === null ? null : `${entity.name}/${project.name}/${collection.name}:v${index}`,
    });
    return {
      scope: { orgId: entity.orgId },
      payload: {
        type: 'promotion',
        event: {
          id: event.id, at: event.at.toISOString(), action: event.action, alias: event.alias,
          organization: org?.name ?? null, entity: entity.name, registry, project: project.name, collection: collection.name,
          from: version(event.fromArtifactId, event.fromVersion), to: version(event.toArtifactId, event.toVersion),
          actor: { username: event.actorName, userId: event.actorUserId }, detail: event.detail,
        },
      },
    };
  }
}

function clampLimit(limit: number | null | undefined) {
  if (limit == null) return MAX_PAGE;
  if (!Number.isInteger(limit) || limit < 1) throw invalidInput('limit must be a positive integer');
  return Math.min(limit, MAX_PAGE);
}
