import type { AccessPolicy } from './access.js';
import { effectiveTtl, ttlFromWire, type ArtifactTtlService } from './artifact-ttl.js';
import type { ArtifactService } from './artifacts.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { ProjectId } from '@cairn/shared';
import type { Artifact, ArtifactCollection, TtlDefaults } from './ports.js';

/** A TTL as a version would have it: seconds (null: never expires), whether inherited, and the expiry it gives. */
export interface TtlOutcome { seconds: number | null; inherited: boolean; expiresAt: string | null }

export interface DefaultTtlPreview {
  /** Versions that follow the default (their own TTL is "inherit"); the others keep their own. */
  inheriting: number;
  /** Of those, how many would have an expiry, and how many are already past it (gone at the next retention pass). */
  wouldExpire: number;
  pastDue: number;
  /** Whose expiry changes compared with now. */
  changed: number;
  earliest: string | null;
  latest: string | null;
  /** The first few, soonest first, for the table under the control. */
  soonest: { collection: string; version: number; expiresAt: string }[];
}

const expiry = (artifact: Artifact, seconds: number | null) =>
  seconds === null ? null : new Date(artifact.createdAt.getTime() + seconds * 1000).toISOString();

const PAGE = 1000;
/** A dry run reads at most this many versions; beyond it the answer says it stopped (truncated). */
const MAX_VERSIONS = 100_000;

/**
 * "What would this TTL change do?" without doing it: the new expiry of one version (updateArtifact's
 * ttlDurationSeconds), and for a collection or project default how many inheriting versions would expire and
 * when. Reading needs read access; applying stays with updateArtifact / the operator, which check writes.
 */
export class TtlPreviewService {
  constructor(
    private readonly artifacts: ArtifactService,
    private readonly ttl: ArtifactTtlService,
    private readonly access: AccessPolicy,
  ) {}

  /** `wire` is the SDK's value: seconds > 0, -1 inherit, -2 never expire. */
  async version(viewer: Viewer, artifactGqlId: string, wire: number): Promise<{ current: TtlOutcome; proposed: TtlOutcome }> {
    const found = await this.artifacts.byId(viewer, artifactGqlId);
    if (!found) throw new DomainError(ErrorCodes.NOT_FOUND, 'artifact not found');
    const { artifact } = found;
    const own = ttlFromWire(wire);
    const current = await this.ttl.of(artifact);
    const defaults = await this.artifacts.artifactStore.ttlDefaults(artifact.projectId, artifact.sequenceId);
    const seconds = effectiveTtl(own, defaults);
    return {
      current: { ...current, expiresAt: expiry(artifact, current.seconds) },
      proposed: { seconds, inherited: own.inherited, expiresAt: expiry(artifact, seconds) },
    };
  }

  /**
   * A default of `entity/project` (collection null) or one collection set to `value` (seconds; 0 = never expire;
   * null = unset): the effect on the versions that inherit it. `now` is the reference for "past due".
   */
  async defaultChange(viewer: Viewer, entityName: string, projectName: string, collection: string | null, value: number | null, now = new Date()) {
    if (value !== null && (!Number.isSafeInteger(value) || value < 0)) throw invalidInput('value must be seconds ≥ 0 (0 = never expire) or null (unset)');
    const { project } = await this.access.project(viewer, entityName, projectName);
    const store = this.artifacts.artifactStore;
    let collections;
    if (collection !== null) {
      const c = await store.findCollection(project.id, collection);
      if (!c) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact collection ${collection} not found`);
      collections = [c];
    } else {
      collections = [];
      for (const t of await store.listTypes(project.id)) collections.push(...await store.listCollections(project.id, t.id));
    }
    const items = collections.map((c) => ({ projectId: project.id, collection: c }));
    return this.tally(items, (before) => (collection !== null ? { ...before, collection: value } : { ...before, project: value }), now);
  }

  /**
   * An organization's default set to `value` (seconds; 0 = never expire; null = unset) over every project it
   * reaches (its org entity's and its teams'). The caller checked the viewer may administer it.
   */
  async orgDefaultChange(orgName: string, value: number | null, now = new Date()) {
    if (value !== null && (!Number.isSafeInteger(value) || value < 0)) throw invalidInput('value must be seconds ≥ 0 (0 = never expire) or null (unset)');
    const { orgId } = await this.ttl.orgDefault(orgName);
    const store = this.artifacts.artifactStore;
    const items = [];
    for (const p of await this.ttl.orgProjects(orgId)) {
      for (const t of await store.listTypes(p.id)) {
        // Registry collections only link versions (which never expire); the versions live in their own projects.
        for (const c of await store.listCollections(p.id, t.id)) if (c.kind !== 'portfolio') items.push({ projectId: p.id, collection: c });
      }
    }
    return this.tally(items, (before) => ({ ...before, organization: value }), now);
  }

  /** The inheriting versions of these collections, their expiry under today's defaults and under `change`'s. */
  private async tally(items: { projectId: ProjectId; collection: ArtifactCollection }[], change: (before: TtlDefaults) => TtlDefaults, now: Date) {
    const store = this.artifacts.artifactStore;
    const out: DefaultTtlPreview & { truncated: boolean } = {
      inheriting: 0, wouldExpire: 0, pastDue: 0, changed: 0, earliest: null, latest: null, soonest: [], truncated: false,
    };
    const all: { collection: string; version: number; expiresAt: string }[] = [];
    let read = 0;
    for (const { projectId, collection: c } of items) {
      const before = await store.ttlDefaults(projectId, c.id);
      const after = change(before);
      for (let offset = 0; ; offset += PAGE) {
        const page = await store.listVersions(c.id, offset, PAGE);
        for (const { artifact, versionIndex } of page) {
          if (artifact.state !== 'COMMITTED' || !artifact.ttlInherited) continue;
          out.inheriting++;
          const own = { inherited: true, seconds: null };
          const was = expiry(artifact, effectiveTtl(own, before));
          const will = expiry(artifact, effectiveTtl(own, after));
          if (was !== will) out.changed++;
          if (will === null) continue;
          out.wouldExpire++;
          if (Date.parse(will) <= now.getTime()) out.pastDue++;
          all.push({ collection: c.name, version: versionIndex, expiresAt: will });
        }
        read += page.length;
        if (page.length < PAGE) break;
        if (read >= MAX_VERSIONS) { out.truncated = true; break; }
      }
      if (out.truncated) break;
    }
    all.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
    out.earliest = all[0]?.expiresAt ?? null;
    out.latest = all.at(-1)?.expiresAt ?? null;
    out.soonest = all.slice(0, 20);
    return out;
  }
}
