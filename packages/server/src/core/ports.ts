import type { Readable } from 'node:stream';
import type { EntityId, ProjectId, RunId, StepBucketPlan, Summary, UserId } from '@cairn/shared';

// ---------- MetaStore: users, keys, entities, projects, runs, run files ----------

export type EntityType = 'user' | 'team' | 'organization';
export interface Entity { id: EntityId; name: string; type: EntityType; createdAt: Date }
export interface User {
  id: UserId; username: string; email: string | null; admin: boolean; entityId: EntityId;
  createdAt: Date; deletedAt: Date | null;
}
export interface ApiKeyRecord {
  id: number; userId: UserId; keyHash: string; prefix: string; name: string | null;
  createdAt: Date; revokedAt: Date | null;
}
export interface Project {
  id: ProjectId; entityId: EntityId; name: string; description: string | null;
  createdAt: Date; updatedAt: Date; runCount: number;
}

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
  'stopRequested' | 'heartbeatAt'>>;

export interface NewRun extends RunPatch { projectId: ProjectId; name: string; userId: UserId | null }

export interface RunFile {
  runId: RunId; name: string; blobKey: string; sizeBytes: number; md5: string | null;
  mimetype: string | null; uploaded: boolean; updatedAt: Date;
}

// ---------- Run queries: MongoDB-style filters parsed by core/run-filter.ts ----------

export type RunColumn =
  | 'state' | 'name' | 'displayName' | 'tags' | 'group' | 'jobType' | 'createdAt' | 'updatedAt' | 'heartbeatAt'
  | 'host' | 'username' | 'notes' | 'sweep';

export type FieldRef =
  | { kind: 'column'; column: RunColumn }
  /** A path into the wrapped config (`{"lr": {"value": 0.1}}` → ["lr", "value"]). */
  | { kind: 'config'; path: string[] }
  | { kind: 'summary'; path: string[] };

export type Scalar = string | number | boolean | null;
export type CompareOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte';

export type FilterNode =
  | { type: 'and' | 'or' | 'nor'; children: FilterNode[] }
  | { type: 'not'; child: FilterNode }
  | { type: 'compare'; field: FieldRef; op: CompareOp; value: Scalar }
  | { type: 'in'; field: FieldRef; values: Scalar[]; negate: boolean }
  | { type: 'exists'; field: FieldRef; exists: boolean }
  | { type: 'regex'; field: FieldRef; pattern: string; caseInsensitive: boolean }
  | { type: 'true' };

export interface RunOrder { field: FieldRef; descending: boolean }

export interface RunQuery { filter: FilterNode; order: RunOrder; offset: number; limit: number }

export interface MetaStore {
  // entities and users
  findEntityByName(name: string): Promise<Entity | null>;
  findEntityById(id: EntityId): Promise<Entity | null>;
  createEntity(name: string, type: EntityType): Promise<Entity>;
  findUserByUsername(username: string): Promise<User | null>;
  findUserById(id: UserId): Promise<User | null>;
  /** Creates the user and its personal entity (same name) atomically. */
  createUser(input: { username: string; email: string | null; admin: boolean }): Promise<User>;
  deleteUser(id: UserId): Promise<void>;
  countUsers(): Promise<number>;
  /** Entities the user can write to as a member: their own and their teams' (W&B's `viewer.teams`). */
  listTeamsOfUser(userId: UserId): Promise<Entity[]>;
  addMember(entityId: EntityId, userId: UserId, role: string): Promise<void>;
  isMember(entityId: EntityId, userId: UserId): Promise<boolean>;
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
  findStaleRuns(states: RunState[], before: Date): Promise<Run[]>;
  /** Moves a run from one of `from` to `to` only if it is still stale: no lost revival races. */
  markStale(id: RunId, from: RunState[], to: RunState, before: Date): Promise<boolean>;
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
  description: string | null; metadata: string | null; ttlSeconds: number | null; historyStep: number | null;
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
export interface ContentObject { md5Hex: string; size: number | null; birthArtifactId: number; stored: boolean }
export interface NewArtifact {
  projectId: ProjectId; sequenceId: number; typeId: number; digest: string; description: string | null;
  metadata: string | null; ttlSeconds: number | null; historyStep: number | null; createdByRunId: RunId | null;
  clientId: string | null; distributedId: string | null; requestedAliases: string[]; tags: string[];
}

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
  findPendingByDistributedId(sequenceId: number, distributedId: string): Promise<Artifact | null>;
  insertArtifact(input: NewArtifact): Promise<Artifact>;
  upsertManifest(record: ArtifactManifestRecord): Promise<void>;
  findManifest(artifactId: number): Promise<ArtifactManifestRecord | null>;
  /** The content object for these bytes, recording `birthArtifactId` as its first owner when new. */
  claimContent(md5Hex: string, birthArtifactId: number): Promise<ContentObject>;
  findContent(md5Hex: string): Promise<ContentObject | null>;
  markContentStored(md5Hex: string, size: number): Promise<void>;
  /**
   * Commits a pending artifact atomically: next version index in its sequence, files, `latest` and the
   * requested aliases moved to it, state COMMITTED.
   */
  commit(artifactId: number, files: Omit<ArtifactFileEntry, 'artifactId'>[], commitHash: string): Promise<Artifact>;
  /** Points aliases of a collection at an artifact (an alias is unique in its collection: it moves). */
  setAliases(collectionId: number, artifactId: number, aliases: string[]): Promise<void>;
  removeAliases(collectionId: number, artifactId: number, aliases: string[]): Promise<void>;
  listAliases(artifactId: number): Promise<ArtifactAliasRecord[]>;
  listTags(artifactId: number): Promise<string[]>;
  /** The member of a collection by version index or alias, with its version index there. */
  findMembership(collectionId: number, by: { versionIndex: number } | { alias: string }): Promise<{ artifact: Artifact; versionIndex: number } | null>;
  membershipsOf(artifactId: number): Promise<{ collectionId: number; versionIndex: number }[]>;
  listVersions(collectionId: number, offset: number, limit: number): Promise<{ artifact: Artifact; versionIndex: number }[]>;
  listFiles(artifactId: number, opts: { names?: string[]; offset: number; limit: number }): Promise<ArtifactFileEntry[]>;
  countFiles(artifactId: number, names?: string[]): Promise<number>;
  recordUsage(runId: RunId, artifactId: number, usedAs: string | null): Promise<void>;
  listOutputs(runId: RunId): Promise<Artifact[]>;
  listInputs(runId: RunId): Promise<Artifact[]>;
  usedBy(artifactId: number): Promise<RunId[]>;
  updateArtifact(id: number, patch: { description?: string | null; metadata?: string | null; ttlSeconds?: number | null }): Promise<Artifact>;
  addTags(artifactId: number, tags: string[]): Promise<void>;
  removeTags(artifactId: number, tags: string[]): Promise<void>;
  /** Soft delete: the version disappears from every read; its bytes stay until the purge job. */
  markDeleted(artifactId: number): Promise<void>;
  listProjectCollections(projectId: ProjectId): Promise<ArtifactCollection[]>;
  /** Committed versions whose TTL ran out by `now` (epoch ms), never registry-linked ones. */
  findExpired(now: number, limit: number): Promise<Artifact[]>;
  softDelete(artifactId: number, now: number): Promise<void>;
  restore(artifactId: number): Promise<boolean>;
  findPurgeable(deletedBefore: number, limit: number): Promise<Artifact[]>;
  purge(artifactId: number): Promise<string[]>;
  storageUsage(projectId: ProjectId): Promise<{ logicalBytes: number; storedBytes: number; collections: { name: string; logicalBytes: number; versions: number }[] }>;
}

// ---------- HistoryStore: metric rows, system metrics, console lines ----------

export type LineStream = 'history' | 'events';

export interface AppendResult {
  /** Lines newly stored (a re-sent chunk stores none). */
  stored: number;
  /** Total lines the stream holds for this writer after the append: the SDK's next offset. */
  lineCount: number;
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

export interface BlobStore {
  /** Streams `body` to `key`; verifies size/MD5 when given and leaves nothing behind on mismatch. */
  put(key: string, body: Readable, expect?: { size?: number; md5?: string }): Promise<BlobInfo>;
  get(key: string, range?: { start: number; end?: number }): Promise<Readable>;
  head(key: string): Promise<BlobInfo | null>;
  delete(key: string): Promise<void>;
  list(prefix: string): AsyncIterable<string>;
  close(): Promise<void>;
}
