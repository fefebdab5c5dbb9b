import type { Readable } from 'node:stream';
import type { Brand, EntityId, ProjectId, RunId, StepBucketPlan, Summary, UserId } from '@cairn/shared';

// ---------- MetaStore: users, keys, entities, projects, runs, run files ----------

export type EntityType = 'user' | 'team' | 'organization';
export type OrganizationId = Brand<number, 'OrganizationId'>;
/**
 * A namespace that owns projects. `orgId`: for a team, the organization it belongs to; for an org entity, its
 * organization; for a personal entity, the one organization it belongs to (if any).
 */
export interface Entity { id: EntityId; name: string; type: EntityType; createdAt: Date; orgId: OrganizationId | null }
export interface User {
  id: UserId; username: string; email: string | null; admin: boolean; entityId: EntityId;
  createdAt: Date; deletedAt: Date | null;
  /** A non-human user (CI, automation): signs in with API keys only and belongs to a team. */
  serviceAccount: boolean;
}
/** Roles on an organization or a team: admins manage members; members read and write; viewers only read. */
export type Role = 'admin' | 'member' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'member', 'viewer'];
export interface Organization { id: OrganizationId; name: string; entityId: EntityId; createdAt: Date }
export interface Member { user: User; role: Role }
export interface ApiKeyRecord {
  id: number; userId: UserId; keyHash: string; prefix: string; name: string | null;
  createdAt: Date; revokedAt: Date | null;
}
/**
 * Who may read a project (AccessPolicy.roleOnProject): private = its entity's members; organization = also every
 * member of the entity's organization (read-only); restricted = only named project members and entity admins;
 * public = also every signed-in user (read-only).
 */
export type ProjectVisibility = 'private' | 'organization' | 'restricted' | 'public';
export const PROJECT_VISIBILITIES: readonly ProjectVisibility[] = ['private', 'organization', 'restricted', 'public'];

export interface Project {
  id: ProjectId; entityId: EntityId; name: string; description: string | null;
  createdAt: Date; updatedAt: Date; runCount: number; visibility: ProjectVisibility;
}

/** A named member of a (restricted) project. */
export interface ProjectMember { user: User; role: Role; createdAt: Date }

export type RunState = 'running' | 'finished' | 'failed' | 'crashed' | 'killed' | 'preempting' | 'preempted' | 'pending';

export interface Run {
  id: RunId;
  projectId: ProjectId;
  name: string;            // the client's run id (part of the URL)
  displayName: string;
  number: number;          // position in the project; the N of adjective-noun-N
  userId: UserId | null;
  state: RunState;
  config: string;          // JSONString as the SDK sent it: {"k": {"value": v}, "_wandb": {...}}
  summary: string;         // JSONString (extended JSON: may hold NaN/Infinity tokens)
  systemMetrics: string;   // JSONString: last system-metrics sample
  tags: string[];
  notes: string | null;
  description: string | null;
  groupName: string | null;
  jobType: string | null;
  host: string | null;
  program: string | null;
  commit: string | null;
  repo: string | null;
  sweepName: string | null;
  exitCode: number | null;
  stopRequested: boolean;
  createdAt: Date;
  updatedAt: Date;
  heartbeatAt: Date;
}

/** Fields an upsert may change; undefined = leave as is. */
export type RunPatch = Partial<Pick<Run,
  'displayName' | 'state' | 'config' | 'summary' | 'systemMetrics' | 'tags' | 'notes' | 'description' |
  'groupName' | 'jobType' | 'host' | 'program' | 'commit' | 'repo' | 'sweepName' | 'exitCode' |
  'stopRequested' | 'heartbeatAt'>> & {
  /** The run-state alert this change owes (`<state>@<ms>`, see StateAlertKey), written in the same UPDATE. */
  stateAlertPending?: string | null;
};

export interface NewRun extends RunPatch { projectId: ProjectId; name: string; userId: UserId | null }

export interface RunFile {
  runId: RunId; name: string; blobKey: string; sizeBytes: number; md5: string | null;
  mimetype: string | null; uploaded: boolean; updatedAt: Date;
}

// ---------- Run queries: MongoDB-style filters parsed by core/run-filter.ts ----------

export type RunColumn =
  | 'state' | 'name' | 'displayName' | 'tags' | 'group' | 'jobType' | 'createdAt' | 'updatedAt' | 'heartbeatAt'
  | 'host' | 'username' | 'notes' | 'sweep';

/** One group of the runs table: a field's value (typed as stored; null when missing) and how many runs have it. */
export interface RunGroupCount { value: string | number | boolean | null; count: number }

export type FieldRef =
  | { kind: 'column'; column: RunColumn }
  /** A path into the wrapped config (`{"lr": {"value": 0.1}}` → ["lr", "value"]). */
  | { kind: 'config'; path: string[] }
  | { kind: 'summary'; path: string[] };

export type Scalar = string | number | boolean | null;
export type CompareOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte';

/**
 * A parsed MongoDB-style filter over fields of type F (run fields by default; registries use their own field
 * type). `contains`: the string holds the substring (for a list: some element does); `all`: a list holds every value.
 */
export type FilterNode<F = FieldRef> =
  | { type: 'and' | 'or' | 'nor'; children: FilterNode<F>[] }
  | { type: 'not'; child: FilterNode<F> }
  | { type: 'compare'; field: F; op: CompareOp; value: Scalar }
  | { type: 'in'; field: F; values: Scalar[]; negate: boolean }
  | { type: 'exists'; field: F; exists: boolean }
  | { type: 'regex'; field: F; pattern: string; caseInsensitive: boolean }
  | { type: 'contains'; field: F; value: string }
  | { type: 'all'; field: F; values: Scalar[] }
  | { type: 'true' };

export interface RunOrder { field: FieldRef; descending: boolean }

export interface RunQuery { filter: FilterNode; order: RunOrder; offset: number; limit: number }

export interface MetaStore {
  // entities and users
  findEntityByName(name: string): Promise<Entity | null>;
  findEntityById(id: EntityId): Promise<Entity | null>;
  createEntity(name: string, type: EntityType): Promise<Entity>;
  findUserByUsername(username: string): Promise<User | null>;
  /** Live users whose username or email contains `query` (case-insensitive), by username; at most `limit`. */
  searchUsers(query: string, limit: number): Promise<User[]>;
  /** The entity a user chose as default (`updateUser(defaultEntity)`); null: none chosen. */
  findUserDefaultEntityId(userId: UserId): Promise<EntityId | null>;
  setUserDefaultEntityId(userId: UserId, entityId: EntityId | null): Promise<void>;
  findUserById(id: UserId): Promise<User | null>;
  /** Creates the user and its personal entity (same name) atomically. */
  createUser(input: { username: string; email: string | null; admin: boolean; serviceAccount?: boolean }): Promise<User>;
  /** Grants or withdraws site admin. */
  setUserAdmin(id: UserId, admin: boolean): Promise<void>;
  /** A live (not deleted) user by email, compared case-insensitively; null when none or several match. */
  findUserByEmail(email: string): Promise<User | null>;
  deleteUser(id: UserId): Promise<void>;
  countUsers(): Promise<number>;
  /** The user's own entity and the teams they belong to, any role (W&B's `viewer.teams`). */
  listTeamsOfUser(userId: UserId): Promise<Entity[]>;
  /** Adds the member or changes its role. */
  addMember(entityId: EntityId, userId: UserId, role: Role): Promise<void>;
  isMember(entityId: EntityId, userId: UserId): Promise<boolean>;
  /** The user's role on an entity (a team, an org entity, a personal entity), or null when not a member. */
  roleOf(entityId: EntityId, userId: UserId): Promise<Role | null>;
  /** False when the user was not a member. */
  removeMember(entityId: EntityId, userId: UserId): Promise<boolean>;
  /** Members with their roles, in the order they joined (the SDK takes the last as the newest); deleted users left out. */
  listMembers(entityId: EntityId): Promise<Member[]>;
  // organizations and teams
  /** Creates the organization and its org entity (named entityName) atomically. */
  createOrganization(input: { name: string; entityName: string }): Promise<Organization>;
  findOrganizationByName(name: string): Promise<Organization | null>;
  findOrganizationById(id: OrganizationId): Promise<Organization | null>;
  listOrganizations(): Promise<Organization[]>;
  /** Organizations whose org entity has the user as a member, by name. */
  listOrganizationsOfUser(userId: UserId): Promise<Organization[]>;
  /** Creates a team entity inside an organization. */
  createTeam(name: string, orgId: OrganizationId): Promise<Entity>;
  listTeamsOfOrganization(orgId: OrganizationId): Promise<Entity[]>;
  /** Points an entity at an organization (null: none); for personal entities. */
  setEntityOrganization(entityId: EntityId, orgId: OrganizationId | null): Promise<void>;
  /**
   * Removes a team (or, for an organization, the org with its org entity and teams) with their memberships.
   * Refused with 'has-projects' while any of those entities owns a project: runs and artifacts are never dropped
   * as a side effect.
   */
  deleteTeam(entityId: EntityId): Promise<'deleted' | 'has-projects'>;
  deleteOrganization(id: OrganizationId): Promise<'deleted' | 'has-projects'>;
  /** Bytes stored for an entity: its run files and its live artifact versions. */
  storageBytes(entityId: EntityId): Promise<number>;
  // api keys
  insertApiKey(input: { userId: UserId; keyHash: string; prefix: string; name: string | null }): Promise<ApiKeyRecord>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  revokeApiKey(keyHash: string): Promise<boolean>;
  listApiKeys(userId: UserId): Promise<ApiKeyRecord[]>;
  // projects
  findProject(entityId: EntityId, name: string): Promise<Project | null>;
  findProjectById(id: ProjectId): Promise<Project | null>;
  /** Returns the existing project or creates it; safe under concurrent calls. */
  ensureProject(entityId: EntityId, name: string): Promise<Project>;
  listProjects(entityId: EntityId): Promise<Project[]>;
  /** Returns the project with its new visibility. */
  setProjectVisibility(projectId: ProjectId, visibility: ProjectVisibility): Promise<Project>;
  /** Adds the named project member or changes its role. */
  setProjectMember(projectId: ProjectId, userId: UserId, role: Role): Promise<void>;
  /** False when the user was not a named member. */
  removeProjectMember(projectId: ProjectId, userId: UserId): Promise<boolean>;
  /** The user's named role on the project, or null (deleted users have none). */
  projectRoleOf(projectId: ProjectId, userId: UserId): Promise<Role | null>;
  /** Named members in the order they were added; deleted users left out. */
  listProjectMembers(projectId: ProjectId): Promise<ProjectMember[]>;
  // runs
  findRun(projectId: ProjectId, name: string): Promise<Run | null>;
  findRunById(id: RunId): Promise<Run | null>;
  /** The runs of a project with these names (missing names are simply absent). */
  findRuns(projectId: ProjectId, names: string[]): Promise<Run[]>;
  /** Inserts a run with the next number of its project; if it already exists returns it with inserted=false. */
  insertRun(input: NewRun, displayNameFor: (runNumber: number) => string): Promise<{ run: Run; inserted: boolean }>;
  updateRun(id: RunId, patch: RunPatch): Promise<Run>;
  deleteRun(id: RunId): Promise<void>;
  listRuns(projectId: ProjectId): Promise<Run[]>;
  /** Runs in `states` whose heartbeat is older than `before`. */
  /** One page of a project's runs matching a filter, in order (parameterised SQL on every backend). */
  queryRuns(projectId: ProjectId, query: RunQuery): Promise<Run[]>;
  countRuns(projectId: ProjectId, filter: FilterNode): Promise<number>;
  /** Runs matching a filter, counted per value of a field (most distinct values first cut at `limit`). */
  groupRuns(projectId: ProjectId, filter: FilterNode, field: FieldRef, limit: number): Promise<RunGroupCount[]>;
  findStaleRuns(states: RunState[], before: Date): Promise<Run[]>;
  /** Moves a run from one of `from` to `to` only if it is still stale: no lost revival races. */
  markStale(id: RunId, from: RunState[], to: RunState, before: Date, stateAlertPending: string | null): Promise<boolean>;
  /** Runs that still owe a run-state alert (a process died between ending the run and recording it). */
  findPendingStateAlerts(limit: number): Promise<{ run: Run; key: string }[]>;
  /** Clears the owed alert if it is still `key` (a newer ending of the run keeps its own). */
  clearStateAlertPending(id: RunId, key: string): Promise<void>;
  // run files
  upsertRunFile(file: Omit<RunFile, 'updatedAt' | 'uploaded'> & { uploaded?: boolean }): Promise<RunFile>;
  markRunFilesUploaded(runId: RunId, names: string[]): Promise<void>;
  listRunFiles(runId: RunId): Promise<RunFile[]>;
  findRunFile(runId: RunId, name: string): Promise<RunFile | null>;
  close(): Promise<void>;
}

// ---------- ArtifactStore: versioned datasets and models ----------

export type ArtifactState = 'PENDING' | 'COMMITTED' | 'DELETED' | 'PURGED';
export type CollectionKind = 'sequence' | 'portfolio';
export interface ArtifactType { id: number; projectId: ProjectId; name: string; createdAt: Date }
export interface ArtifactCollection {
  id: number; projectId: ProjectId; typeId: number; name: string; kind: CollectionKind; description: string | null;
  createdAt: Date; updatedAt: Date;
}
export interface Artifact {
  id: number; projectId: ProjectId; sequenceId: number; typeId: number; state: ArtifactState; digest: string;
  description: string | null; metadata: string | null; historyStep: number | null;
  /** The version's own TTL (null: never expires) unless ttlInherited, when its collection's or project's default applies. */
  ttlSeconds: number | null; ttlInherited: boolean;
  versionIndex: number | null; commitHash: string | null; size: number; fileCount: number;
  createdByRunId: RunId | null; clientId: string | null; distributedId: string | null; requestedAliases: string[];
  createdAt: Date; updatedAt: Date;
}
export interface ArtifactAliasRecord { id: number; collectionId: number; alias: string; artifactId: number }
export interface ArtifactFileEntry {
  artifactId: number; name: string; digest: string; size: number; ref: string | null; birthArtifactId: number | null;
}
export interface ArtifactManifestRecord {
  artifactId: number; type: string; name: string; digest: string; blobKey: string; baseArtifactId: number | null;
}
/**
 * A partial manifest of a pending version: INCREMENTAL (entries added to or changed in its base version) or
 * PATCH (one distributed writer's entries). The commit merges them, in id order, into the version's manifest.
 */
export interface ArtifactManifestPart {
  id: number; artifactId: number; type: string; name: string; digest: string; blobKey: string; baseArtifactId: number | null;
}
export interface ContentObject { md5Hex: string; size: number | null; birthArtifactId: number; stored: boolean }
/** The manifest a commit made by merging partial manifests, and the digest of its contents (same transaction). */
export interface MergedManifest { digest: string; manifest: ArtifactManifestRecord }
export interface NewArtifact {
  projectId: ProjectId; sequenceId: number; typeId: number; digest: string; description: string | null;
  metadata: string | null; ttlSeconds: number | null; ttlInherited: boolean; historyStep: number | null; createdByRunId: RunId | null;
  clientId: string | null; distributedId: string | null; requestedAliases: string[]; tags: string[];
}
/** Default TTLs at one level: seconds, 0 = "never expire" (overrides a wider default), null = none set here. */
/** Bytes held from `from` until `until` (epoch ms; null = still held). */
export interface StorageSpan { from: number; until: number | null; bytes: number }
/**
 * Default TTLs above a version (seconds; 0 = never expire; null = unset), nearest first: its collection's,
 * its project's, its organization's (projects of an org entity or a team; personal projects have none).
 */
export interface TtlDefaults { project: number | null; collection: number | null; organization: number | null }
/** What the fallback download route may serve: bytes held by a live version in this scope. */
/** Where an artifact file is looked for by digest; projectIds: the projects of an entity the caller may read. */
export type ContentScope = { artifactId: number } | { collectionId: number } | { entityId: EntityId } | { projectIds: ProjectId[] };
/** Artifact storage of one collection (or, with collection null, a whole project) for /metrics. */
export interface StorageReportRow {
  entity: string; project: string; collection: string | null; logicalBytes: number; storedBytes: number; versions: number;
}

/**
 * Who changes a collection's aliases or members, recorded in the promotion history (core/promotion-ports.ts)
 * in the same transaction as the change. userId null: the operator or a background job (username says which).
 */
export interface ChangeActor { userId: UserId | null; username: string }
export const SYSTEM_ACTOR: ChangeActor = { userId: null, username: 'system' };

export interface ArtifactStore {
  ensureType(projectId: ProjectId, name: string): Promise<ArtifactType>;
  findType(projectId: ProjectId, name: string): Promise<ArtifactType | null>;
  findTypeById(id: number): Promise<ArtifactType | null>;
  listTypes(projectId: ProjectId): Promise<ArtifactType[]>;
  /** The sequence (logged versions) of that name, created when missing. */
  ensureSequence(projectId: ProjectId, typeId: number, name: string, clientId: string | null): Promise<ArtifactCollection>;
  findCollection(projectId: ProjectId, name: string): Promise<ArtifactCollection | null>;
  findCollectionById(id: number): Promise<ArtifactCollection | null>;
  listCollections(projectId: ProjectId, typeId: number): Promise<ArtifactCollection[]>;
  findArtifact(id: number): Promise<Artifact | null>;
  findArtifactByClientId(clientId: string): Promise<Artifact | null>;
  findCommittedByDigest(sequenceId: number, digest: string): Promise<Artifact | null>;
  /** The newest pending or committed version of the sequence made under this distributed id. */
  findDistributed(sequenceId: number, distributedId: string): Promise<Artifact | null>;
  /**
   * A new pending version. With a distributed id that a pending version of the sequence already holds (a
   * writer that raced this one), that version is joined instead (see joinDistributed) and returned.
   */
  insertArtifact(input: NewArtifact): Promise<Artifact>;
  /** Another distributed writer joins a pending version: its requested aliases and tags are added. */
  joinDistributed(artifactId: number, aliases: string[], tags: string[]): Promise<Artifact>;
  upsertManifest(record: ArtifactManifestRecord): Promise<void>;
  findManifest(artifactId: number): Promise<ArtifactManifestRecord | null>;
  insertManifestPart(part: Omit<ArtifactManifestPart, 'id'>): Promise<ArtifactManifestPart>;
  findManifestPart(id: number): Promise<ArtifactManifestPart | null>;
  updateManifestPartDigest(id: number, digest: string): Promise<void>;
  /** A version's partial manifests, oldest first (the order they merge in). */
  listManifestParts(artifactId: number): Promise<ArtifactManifestPart[]>;
  /** The content object for these bytes, recording `birthArtifactId` as its first owner when new. */
  claimContent(md5Hex: string, birthArtifactId: number): Promise<ContentObject>;
  findContent(md5Hex: string): Promise<ContentObject | null>;
  markContentStored(md5Hex: string, size: number): Promise<void>;
  /**
   * Commits a pending artifact atomically: next version index in its sequence, files, `latest` and the
   * requested aliases moved to it, state COMMITTED.
   */
  commit(artifactId: number, files: Omit<ArtifactFileEntry, 'artifactId'>[], commitHash: string, merged?: MergedManifest, actor?: ChangeActor): Promise<Artifact>;
  /** Points aliases of a collection at an artifact (an alias is unique in its collection: it moves). */
  setAliases(collectionId: number, artifactId: number, aliases: string[], actor: ChangeActor): Promise<void>;
  removeAliases(collectionId: number, artifactId: number, aliases: string[], actor: ChangeActor): Promise<void>;
  listAliases(artifactId: number): Promise<ArtifactAliasRecord[]>;
  listTags(artifactId: number): Promise<string[]>;
  /** The member of a collection by version index or alias, with its version index there. */
  findMembership(collectionId: number, by: { versionIndex: number } | { alias: string }): Promise<{ artifact: Artifact; versionIndex: number } | null>;
  membershipsOf(artifactId: number): Promise<{ collectionId: number; versionIndex: number }[]>;
  listVersions(collectionId: number, offset: number, limit: number): Promise<{ artifact: Artifact; versionIndex: number }[]>;
  listFiles(artifactId: number, opts: { names?: string[]; offset: number; limit: number }): Promise<ArtifactFileEntry[]>;
  countFiles(artifactId: number, names?: string[]): Promise<number>;
  recordUsage(runId: RunId, artifactId: number, usedAs: string | null): Promise<void>;
  /** The run logged this existing version (its content deduplicated to it): one of the run's outputs. */
  recordOutput(runId: RunId, artifactId: number): Promise<void>;
  /** Committed versions the run created or logged (recordOutput), oldest first. */
  listOutputs(runId: RunId): Promise<Artifact[]>;
  listInputs(runId: RunId): Promise<Artifact[]>;
  usedBy(artifactId: number): Promise<RunId[]>;
  updateArtifact(id: number, patch: { description?: string | null; metadata?: string | null; ttl?: { seconds: number | null; inherited: boolean } }): Promise<Artifact>;
  addTags(artifactId: number, tags: string[]): Promise<void>;
  removeTags(artifactId: number, tags: string[]): Promise<void>;
  /** Soft delete: the version disappears from every read; its bytes stay until the purge job. */
  markDeleted(artifactId: number, actor?: ChangeActor): Promise<void>;
  listProjectCollections(projectId: ProjectId): Promise<ArtifactCollection[]>;
  /** Renames and/or describes a collection; CONFLICT when the new name is taken in its project. */
  updateCollection(id: number, patch: { name?: string; description?: string | null }): Promise<ArtifactCollection>;
  /** Gives a collection and every version in it (they share its type) another type of the same project. */
  moveCollection(id: number, typeId: number): Promise<ArtifactCollection>;
  /** Hides a sequence (its versions are deleted first); logging under its name or restoring a version revives it. */
  markCollectionDeleted(collectionId: number): Promise<void>;
  listCollectionTags(collectionId: number): Promise<string[]>;
  addCollectionTags(collectionId: number, tags: string[]): Promise<void>;
  removeCollectionTags(collectionId: number, tags: string[]): Promise<void>;
  /** Committed versions whose TTL ran out by `now` (epoch ms), never registry-linked ones. */
  findExpired(now: number, limit: number): Promise<Artifact[]>;
  softDelete(artifactId: number, now: number): Promise<void>;
  restore(artifactId: number): Promise<boolean>;
  findPurgeable(deletedBefore: number, limit: number): Promise<Artifact[]>;
  /** Purges a version; content no other version lists is queued for deletion in the same transaction. */
  purge(artifactId: number): Promise<void>;
  /** Content queued by purges, oldest first (md5 hex). */
  queuedBlobDeletions(limit: number): Promise<string[]>;
  /** True while nothing has stored that content again since it was queued: its blob may go. */
  blobStillReleased(md5Hex: string): Promise<boolean>;
  dequeueBlobDeletion(md5Hex: string): Promise<void>;
  storageUsage(projectId: ProjectId): Promise<{ logicalBytes: number; storedBytes: number; collections: { name: string; logicalBytes: number; storedBytes: number; versions: number }[] }>;
  /**
   * What storage history can be rebuilt from: logical bytes by [committed, deleted) span (purged versions
   * included: their rows stay), and deduplicated content bytes by [first referenced, last released) span over
   * versions whose file lists remain (live, or deleted and not yet purged). `until` null = still live.
   */
  storageSpans(projectId: ProjectId): Promise<{ logical: StorageSpan[]; stored: StorageSpan[] }>;
  /** Every project's and collection's storage at once (live versions only), for /metrics. */
  storageReport(): Promise<StorageReportRow[]>;
  /** The defaults a version of this collection would inherit. */
  ttlDefaults(projectId: ProjectId, collectionId: number): Promise<TtlDefaults>;
  /** An organization's default TTL (seconds, 0 = never expire) or null when unset; set null to unset. */
  orgTtlDefault(orgId: OrganizationId): Promise<number | null>;
  setOrgTtlDefault(orgId: OrganizationId, seconds: number | null): Promise<void>;
  /** Sets (seconds; 0 = never expire) or removes (null) the default of a project (collectionId 0) or collection. */
  setTtlDefault(projectId: ProjectId, collectionId: number, seconds: number | null): Promise<void>;
  /** Size of the content with this entry digest (base64 MD5) when a live version in `scope` lists it, else null. */
  contentHeld(digest: string, scope: ContentScope): Promise<{ size: number } | null>;
}

// ---------- HistoryStore: metric rows, system metrics, console lines ----------

export type LineStream = 'history' | 'events';

export interface AppendResult {
  /** Lines newly stored (a re-sent chunk stores none). */
  stored: number;
  /** Total lines the stream holds for this writer after the append: the SDK's next offset. */
  lineCount: number;
  /** History stream, rows newly stored: their step range (as stored, server-assigned in shared mode). */
  steps?: { from: number; to: number };
  /** History stream: the user keys (no `_` prefix) of the last newly stored row. */
  lastKeys?: string[];
  /** History stream: user values (top-level keys without a `_` prefix) in the newly stored rows. */
  values?: number;
}

export interface HistoryRow { seq: number; step: number | null; line: string }

export interface ConsoleLine { writer: string; lineNo: number; level: 'info' | 'error'; label: string | null; ts: string | null; text: string }

export interface HistoryStore {
  /**
   * Stores `lines` at `offset` .. for (run, stream, writer). Idempotent: a line already stored at an
   * index is kept (the SDK re-sends identical chunks on retry). `writer` is '' for ordinary runs and the
   * async client id in shared mode, where the server assigns `_step` to rows that carry none.
   */
  append(run: RunId, stream: LineStream, writer: string, offset: number, lines: string[]): Promise<AppendResult>;
  lineCount(run: RunId, stream: LineStream): Promise<number>;
  /** The last `n` raw lines in storage order. */
  tail(run: RunId, stream: LineStream, n: number): Promise<string[]>;
  /** Rows with minStep <= step < maxStep, in step order, at most `limit`. */
  scan(run: RunId, stream: LineStream, range: { minStep?: number; maxStep?: number; afterSeq?: number; limit: number }): Promise<HistoryRow[]>;
  /** Last step seen (or null) and the keys logged in the history stream: sorted, paged, searchable. */
  keys(run: RunId, opts?: { search?: string; after?: string; limit?: number }): Promise<{ lastStep: number | null; keys: string[] }>;
  /**
   * Per-bucket summaries (count, min, max, last) of one numeric metric of one run, on a plan from
   * planStepBuckets. Costs O(buckets), not O(points).
   */
  buckets(run: RunId, key: string, plan: StepBucketPlan): Promise<Summary[]>;
  /** Lowest and highest step at which any of `runs` logged `key`, or null. */
  stepRange(runs: RunId[], key: string): Promise<{ lo: number; hi: number } | null>;
  /** Like `buckets`, for several runs on one shared plan, in as few reads as the store can. */
  bucketsMany(runs: RunId[], key: string, plan: StepBucketPlan): Promise<Map<RunId, Summary[]>>;
  /** Makes everything appended so far visible to every reader (derived indexes written). */
  flush(): Promise<void>;
  /** Removes history rows with step > `step` (rewind). Returns the remaining line count. */
  truncateAfterStep(run: RunId, step: number): Promise<number>;
  /** Console: a line index may be re-sent with new content (progress bars): upsert by index. */
  upsertConsole(run: RunId, writer: string, offset: number, lines: Omit<ConsoleLine, 'writer' | 'lineNo'>[]): Promise<void>;
  consoleLineCount(run: RunId): Promise<number>;
  readConsole(run: RunId, range: { afterIndex?: number; limit: number; fromEnd?: boolean }): Promise<(ConsoleLine & { index: number })[]>;
  deleteRun(run: RunId): Promise<void>;
  close(): Promise<void>;
}

// ---------- BlobStore: run files, artifact contents ----------

export interface BlobInfo { size: number; md5: string /* base64 */ }

/**
 * The top-level folders of the keys Cairn writes (core/artifacts.ts, core/run-files.ts): an adapter whose objects
 * share a namespace with users' own (an S3 bucket without a prefix) must never describe these to a client.
 */
export const BLOB_KEY_ROOTS: readonly string[] = ['objects', 'artifacts', 'uploads', 'runs'];

export interface BlobStore {
  /** Streams `body` to `key`; verifies size/MD5 when given and leaves nothing behind on mismatch. */
  put(key: string, body: Readable, expect?: { size?: number; md5?: string }): Promise<BlobInfo>;
  get(key: string, range?: { start: number; end?: number }): Promise<Readable>;
  head(key: string): Promise<BlobInfo | null>;
  delete(key: string): Promise<void>;
  list(prefix: string): AsyncIterable<string>;
  close(): Promise<void>;
  /**
   * Only where the backend has URLs of its own (S3): an absolute URL that a client uses straight against the
   * object store, without Cairn in the data path. Absent = Cairn serves its own signed URLs (http/storage-routes).
   */
  presignedUrl?(key: string, method: 'GET' | 'PUT', expiresSec: number, opts?: PresignOptions): Promise<string>;
  /** Only where the backend has them: multipart uploads whose parts go straight to the object store. */
  multipart?: BlobMultipart;
  /**
   * A reference artifact entry's URI (`s3://bucket/key`): when it names an object in this store's own bucket
   * (outside Cairn's own blobs), what the store holds there now, or 'missing'; null = not this store's to check
   * (another scheme or bucket; the fs adapter owns none). `versionId`: that version of the object.
   */
  statReference(uri: string, versionId?: string): Promise<ReferencedObject | 'missing' | null>;
}

/** An object a reference names, as the object store describes it: ETag without quotes, size in bytes. */
export interface ReferencedObject { etag: string; size: number; versionId: string | null }

export interface PresignOptions {
  /** PUT: base64 MD5 the body must have; the store refuses other bytes (the client must send Content-MD5). */
  contentMd5?: string;
  /** GET: the file name a browser saves the download as. */
  downloadName?: string;
}

export interface BlobMultipart {
  /**
   * Opens an upload to `key`. `md5` (base64) is the whole object's, recorded for head(): the store checks each
   * part (see partUrl) but cannot check the joined object without reading it back.
   */
  start(key: string, md5: string): Promise<string /* uploadId */>;
  /** A presigned PUT for one part (1..10000); with `contentMd5` the store checks the part's bytes. */
  partUrl(key: string, uploadId: string, partNumber: number, expiresSec: number, opts?: { contentMd5?: string }): Promise<string>;
  /** Joins the parts (ETags as the store returned them) into the object; the object appears only now. */
  complete(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<BlobInfo>;
  /** Drops the upload and its parts; a no-op when it is already gone. */
  abort(key: string, uploadId: string): Promise<void>;
}

// ---------- Cluster coordination: live events and background-job locks ----------

/**
 * What changed, published by the process that wrote it and delivered to every process's subscribers (the browser's
 * live stream is served by whichever process it is connected to). Payloads are small JSON deltas: subscribers read
 * details from the stores. Delivery is at-most-once and best effort: a subscriber that missed an event catches up by
 * reading the stores (the stores stay the one truth).
 */
export interface LiveEvent { topic: string; data: Record<string, unknown> }
export interface LiveEvents {
  publish(event: LiveEvent): Promise<void>;
  /** Calls `handler` for every event whose topic equals `topic`; returns the unsubscribe function. */
  subscribe(topic: string, handler: (event: LiveEvent) => void): () => void;
  close(): Promise<void>;
}

/**
 * Background jobs (crash detection, TTL expiry, purge, webhook delivery) run once at a time across processes:
 * `runExclusive` runs `job` only when this process holds the named lock (else returns `{ ran: false }` at once),
 * and the lock is released when the job ends or the process dies.
 */
export interface JobLocks {
  runExclusive<T>(name: string, job: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  close(): Promise<void>;
}
