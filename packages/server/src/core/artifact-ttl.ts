import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { Artifact, ArtifactStore, MetaStore, OrganizationId, Project, TtlDefaults } from './ports.js';

/** The SDK's wire values (artifact.py `_ttl_duration_seconds_to_gql`): -1 = inherit, -2 = no TTL. */
const WIRE_INHERIT = -1;
const WIRE_DISABLED = -2;

/** A version's own TTL setting: inherited from its collection/project, or its own (seconds null = never expires). */
export interface TtlSetting { inherited: boolean; seconds: number | null }

/**
 * `ttlDurationSeconds` of createArtifact/updateArtifact → the setting. null (the SDK did not touch the TTL) and
 * -1 (`ArtifactTTL.INHERIT`) inherit; -2 (`ttl = None`) is "never expire", even under a default; > 0 is the TTL.
 */
export function ttlFromWire(value: number | null): TtlSetting {
  if (value === null || value === WIRE_INHERIT) return { inherited: true, seconds: null };
  if (value === WIRE_DISABLED) return { inherited: false, seconds: null };
  if (Number.isSafeInteger(value) && value > 0) return { inherited: false, seconds: value };
  throw invalidInput(`ttlDurationSeconds must be a positive number of seconds, -1 (inherit) or -2 (no TTL); got ${value}`);
}

/**
 * The TTL that applies to a version. Precedence, nearest wins: its own TTL, else its collection's default, else
 * its project's, else its organization's (org entity and team projects only). The first level that is set
 * decides, and 0 there means "never expire" (a project can opt out of its organization's default).
 */
export function effectiveTtl(own: TtlSetting, defaults: TtlDefaults): number | null {
  if (!own.inherited) return own.seconds;
  const inherited = defaults.collection ?? defaults.project ?? defaults.organization;
  return inherited !== null && inherited > 0 ? inherited : null;
}

/** What GraphQL reports: seconds, or W&B's -2 for "no TTL" (the SDK maps any value <= 0 to None). */
export const ttlToWire = (seconds: number | null) => seconds ?? WIRE_DISABLED;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 7 * 86_400 };

/** `30d`, `12h`, `90m`, `3600s`, `2w` or plain seconds → seconds (> 0). */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhdw]?)$/.exec(text.trim().toLowerCase());
  const seconds = m ? Number(m[1]) * UNITS[m[2] || 's']! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw invalidInput(`not a duration: ${JSON.stringify(text)} (use e.g. 30d, 12h, 90m, 3600s)`);
  }
  return seconds;
}

/** A default TTL as the operator gives it: a duration, `none` (never expire, overriding wider defaults) or `unset`. */
export function parseTtlDefault(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'unset') return null;
  if (t === 'none') return 0;
  return parseDuration(t);
}

/**
 * TTLs as versions see them: their own, or inherited from their collection's default, else their project's.
 * Inheritance is live: changing a default changes when every inheriting version expires (counted from its
 * commit), which the retention job (artifact-retention.ts) then applies.
 */
export class ArtifactTtlService {
  constructor(private readonly meta: MetaStore, private readonly store: ArtifactStore) {}

  /** The TTL a version has now (seconds, or null for none) and whether it comes from a default. */
  async of(artifact: Artifact): Promise<{ seconds: number | null; inherited: boolean }> {
    const own = { inherited: artifact.ttlInherited, seconds: artifact.ttlSeconds };
    if (!own.inherited) return { seconds: own.seconds, inherited: false };
    return { seconds: effectiveTtl(own, await this.store.ttlDefaults(artifact.projectId, artifact.sequenceId)), inherited: true };
  }

  /**
   * Operator action (the `cairn` CLI, no viewer): sets or clears the default of `entity/project` or
   * `entity/project/collection`. Returns the defaults now in force there.
   */
  async setDefault(target: string, value: number | null): Promise<TtlDefaults> {
    const { projectId, collectionId } = await this.resolve(target);
    await this.store.setTtlDefault(projectId, collectionId, value);
    return this.store.ttlDefaults(projectId, collectionId);
  }

  async defaults(target: string): Promise<TtlDefaults> {
    const { projectId, collectionId } = await this.resolve(target);
    return this.store.ttlDefaults(projectId, collectionId);
  }

  /** An organization's default (seconds, 0 = never expire, null = unset); NOT_FOUND for no such organization. */
  async orgDefault(orgName: string): Promise<{ orgId: OrganizationId; seconds: number | null }> {
    const org = await this.meta.findOrganizationByName(orgName);
    if (!org) throw new DomainError(ErrorCodes.NOT_FOUND, `no organization ${orgName}`);
    return { orgId: org.id, seconds: await this.store.orgTtlDefault(org.id) };
  }

  /** Sets or clears an organization's default (the caller checked who may). Live, like the other defaults. */
  async setOrgDefault(orgName: string, value: number | null): Promise<number | null> {
    if (value !== null && (!Number.isSafeInteger(value) || value < 0)) throw invalidInput('value must be seconds ≥ 0 (0 = never expire) or null (unset)');
    const { orgId } = await this.orgDefault(orgName);
    await this.store.setOrgTtlDefault(orgId, value);
    return value;
  }

  /** The projects an organization's default reaches: its org entity's and its teams'. */
  async orgProjects(orgId: OrganizationId): Promise<Project[]> {
    const org = await this.meta.findOrganizationById(orgId);
    if (!org) return [];
    const entities = [org.entityId, ...(await this.meta.listTeamsOfOrganization(orgId)).map((t) => t.id)];
    return (await Promise.all(entities.map((id) => this.meta.listProjects(id)))).flat();
  }

  private async resolve(target: string) {
    const parts = target.split('/');
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
      throw invalidInput(`expected entity/project or entity/project/collection, got ${JSON.stringify(target)}`);
    }
    const [entityName, projectName, collectionName] = parts as [string, string, string | undefined];
    const entity = await this.meta.findEntityByName(entityName);
    const project = entity ? await this.meta.findProject(entity.id, projectName) : null;
    if (!project) throw new DomainError(ErrorCodes.PROJECT_NOT_FOUND, `project ${entityName}/${projectName} not found`);
    if (collectionName === undefined) return { projectId: project.id, collectionId: 0 };
    const collection = await this.store.findCollection(project.id, collectionName);
    if (!collection) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact collection ${target} not found`);
    return { projectId: project.id, collectionId: collection.id };
  }
}
