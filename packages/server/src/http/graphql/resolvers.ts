import { encodeGqlId } from '@cairn/shared';
import type { Viewer } from '../../core/auth.js';
import { invalidInput } from '../../core/errors.js';
import type { Entity, Project, RunFile, User } from '../../core/ports.js';
import { wandbConfig, type RunInProject, type UpsertRunInput } from '../../core/runs.js';
import { accessOfVisibility, visibilityFromAccess } from '../../core/project-visibility.js';
import type { Services } from '../../core/services.js';
import { decodeCursor, encodeCursor, page } from './paging.js';
import { DateTime, Duration, Int64, JSONScalar, JSONString } from './scalars.js';

export interface GqlContext {
  viewer: Viewer;
  services: Services;
  /** Absolute base URL the client reached us at, for upload/download URLs. */
  baseUrl: string;
  /** The request came from a shared-mode writer (X-WANDB-USE-ASYNC-FILESTREAM). */
  sharedMode: boolean;
}

interface ProjectRef { project: Project; entity: Entity }
type Args = Record<string, unknown>;
type Resolver<P> = (parent: P, args: Args, ctx: GqlContext) => unknown;

// Server features this build really supports (protocol §2.3): the SDK picks code paths by them.
// The two artifact download features pick the richer /artifactsV2 fallback URLs (http/artifact-download-route.ts).
const SERVER_FEATURES: string[] = [
  'FILESTREAM_GZIP', 'UPDATE_RUN_STATE', 'ARTIFACT_COLLECTION_MEMBERSHIP_FILE_DOWNLOAD_HANDLER', 'ARTIFACT_V2_DOWNLOAD_HANDLER_SUPPORTS_ARTIFACT_ID',
  // artifact.files() asks for FileConnection.totalCount (artifact-resolvers.ts filesConnection counts them).
  'TOTAL_COUNT_IN_FILE_CONNECTION',
  // Registries (registry-resolvers.ts): api.registries()/registry(), api.create_registry(), and linkArtifact
  // answering with the new membership.
  'ARTIFACT_REGISTRY_SEARCH', 'INCLUDE_ARTIFACT_TYPES_IN_REGISTRY_CREATION', 'ARTIFACT_MEMBERSHIP_IN_LINK_ARTIFACT_RESPONSE',
];

const str = (v: unknown) => (typeof v === 'string' ? v : null);
const optStr = (v: unknown) => (typeof v === 'string' ? v : undefined);

async function projectRef(ctx: GqlContext, entityName: unknown, name: unknown): Promise<ProjectRef | null> {
  if (typeof name !== 'string') return null;
  // Visibility decides, not the entity alone: a public or org-visible project of an entity the viewer cannot
  // read is found; a hidden one (restricted, or private elsewhere) is null like a missing one.
  const entity = await ctx.services.meta.findEntityByName(str(entityName) || ctx.viewer.user.username);
  const project = entity ? await ctx.services.meta.findProject(entity.id, name) : null;
  return entity && project && (await ctx.services.access.canReadProject(ctx.viewer, entity, project)) ? { project, entity } : null;
}

const projectResolvers: Record<string, Resolver<ProjectRef>> = {
  id: (p) => encodeGqlId('Project', p.project.id),
  internalId: (p) => encodeGqlId('ProjectInternalId', p.project.id),
  name: (p) => p.project.name,
  entityName: (p) => p.entity.name,
  entity: (p) => p.entity,
  description: (p) => p.project.description,
  createdAt: (p) => p.project.createdAt,
  updatedAt: (p) => p.project.updatedAt,
  isBenchmark: () => false,
  // The viewer role reads but does not write (artifacts check this before saving into a project).
  readOnly: async (p, _a, ctx) => !(await ctx.services.access.canWriteProject(ctx.viewer, p.entity, p.project)),
  access: (p) => accessOfVisibility(p.project.visibility),
  views: () => '{}',
  runCount: (p, args, ctx) => ctx.services.runs.count(ctx.viewer, p.entity.name, p.project.name, str(args.filters)),
  user: () => null,
  run: async (p, args, ctx) => {
    const run = await ctx.services.meta.findRun(p.project.id, String(args.name));
    return run ? { run, project: p.project, entity: p.entity } : null;
  },
  bucket: (p, args, ctx) => projectResolvers.run!(p, args, ctx),
  runs: async (p, args, ctx) => {
    // Offset cursors: the SDK pages with `after: endCursor` and stops when hasNextPage is false.
    const offset = decodeCursor(str(args.after)) + 1;
    const first = Math.min(Math.max((args.first as number | null) ?? 50, 0), 1000);
    const runs = await ctx.services.runs.query(ctx.viewer, p.entity.name, p.project.name, {
      filters: str(args.filters), order: str(args.order), offset, limit: first + 1,
    });
    const slice = runs.slice(0, first);
    return {
      edges: slice.map((node, i) => ({ node, cursor: encodeCursor(offset + i) })),
      pageInfo: {
        endCursor: slice.length > 0 ? encodeCursor(offset + slice.length - 1) : null,
        hasNextPage: runs.length > first, startCursor: slice.length > 0 ? encodeCursor(offset) : null, hasPreviousPage: offset > 0,
      },
      totalCount: () => ctx.services.runs.count(ctx.viewer, p.entity.name, p.project.name, str(args.filters)),
    };
  },
};

const runResolvers: Record<string, Resolver<RunInProject>> = {
  id: (r) => encodeGqlId('Run', r.run.id),
  name: (r) => r.run.name,
  displayName: (r) => r.run.displayName,
  description: (r) => r.run.description,
  notes: (r) => r.run.notes,
  state: (r) => r.run.state,
  config: (r) => r.run.config,
  summaryMetrics: (r) => r.run.summary,
  systemMetrics: (r) => r.run.systemMetrics,
  wandbConfig: (r, args) => JSON.stringify(wandbConfig(r.run.config, args.keys as string[] | null)),
  tags: (r) => r.run.tags,
  group: (r) => r.run.groupName,
  jobType: (r) => r.run.jobType,
  host: (r) => r.run.host,
  commit: (r) => r.run.commit,
  sweepName: (r) => r.run.sweepName,
  exitcode: (r) => r.run.exitCode,
  stopped: (r) => r.run.stopRequested,
  readOnly: async (r, _a, ctx) => !(await ctx.services.access.canWriteProject(ctx.viewer, r.entity, r.project)),
  projectId: (r) => r.project.id,
  project: (r) => ({ project: r.project, entity: r.entity }),
  user: async (r, _a, ctx) => (r.run.userId === null ? null : ctx.services.meta.findUserById(r.run.userId)),
  createdAt: (r) => r.run.createdAt,
  updatedAt: (r) => r.run.updatedAt,
  heartbeatAt: (r) => r.run.heartbeatAt,
  historyLineCount: (r, _a, ctx) => ((r as UpsertedRun).offsetsFromResume ? 0 : ctx.services.streams.historyLineCount(r.run)),
  eventsLineCount: (r, _a, ctx) => ctx.services.streams.eventsLineCount(r.run),
  logLineCount: (r, _a, ctx) => ctx.services.streams.logLineCount(r.run),
  historyTail: (r, _a, ctx) => ctx.services.streams.tail(r.run, 'history'),
  eventsTail: (r, _a, ctx) => ctx.services.streams.tail(r.run, 'events'),
  historyKeys: async (r, _a, ctx) => {
    const { lastStep, keys } = await ctx.services.streams.keys(r.run);
    return { lastStep, keys: Object.fromEntries(keys.map((k) => [k, { typeCounts: [] }])) };
  },
  history: async (r, args, ctx) => {
    const samples = samplesArg(args.samples);
    if (args.minStep == null && args.maxStep == null) return ctx.services.streams.sampledRows(r.run, 'history', samples);
    // A page of scan_history: the first `samples` rows with minStep <= _step < maxStep.
    const rows = await ctx.services.streams.scan(r.run, 'history', {
      ...(args.minStep != null ? { minStep: args.minStep as number } : {}),
      ...(args.maxStep != null ? { maxStep: args.maxStep as number } : {}),
      limit: samples,
    });
    return rows.map((row) => row.line);
  },
  events: (r, args, ctx) => ctx.services.streams.sampledRows(r.run, 'events', samplesArg(args.samples)),
  sampledHistory: async (r, args, ctx) => {
    const specs = (args.specs as string[]).map(parseHistorySpec);
    return Promise.all(specs.map((spec) => ctx.services.streams.sampled(r.run, spec)));
  },
  // No Parquet export yet: empty lists make the SDK read everything through the live history queries.
  parquetHistory: () => ({ parquetUrls: [], liveData: [] }),
  // Recorded files only: run lists ask this per run, and must not list the object store once per run.
  fileCount: async (r, _a, ctx) => (await ctx.services.meta.listRunFiles(r.run.id)).length,
  files: async (r, args, ctx) => {
    let files = await ctx.services.runFiles.filesOf(r.run.id);
    const names = (args.names as (string | null)[] | null)?.filter((n): n is string => typeof n === 'string');
    if (names && names.length > 0) files = files.filter((f) => names.includes(f.name));
    return page(await Promise.all(files.map((file) => runFileView(file, ctx))), str(args.after), args.first as number | null);
  },
  logLines: async (r, args, ctx) => {
    const last = args.last as number | null;
    const first = args.first as number | null;
    const after = str(args.after);
    const lines = await ctx.services.streams.console(r.run, last != null
      ? { limit: Math.min(last, 10_000), fromEnd: true }
      : { limit: Math.min(first ?? 1000, 10_000), ...(after ? { afterIndex: Number(Buffer.from(after, 'base64').toString()) } : {}) });
    const edges = lines.map((l) => ({
      node: { id: encodeGqlId('LogLine', l.index + 1), number: l.lineNo, timestamp: l.ts, level: l.level, label: l.label, line: l.text },
      cursor: Buffer.from(String(l.index)).toString('base64'),
    }));
    const endCursor = edges.at(-1)?.cursor ?? null;
    return { edges, pageInfo: { endCursor, hasNextPage: first != null && lines.length === Math.min(first, 10_000), startCursor: edges[0]?.cursor ?? null, hasPreviousPage: false } };
  },
};

/** What a File answers; plain fields, so GraphQL's default resolvers serve it (run and artifact files alike). */
export interface FileView {
  id: string; name: string; displayName: string; url: string | null; directUrl: string | null; sizeBytes: number;
  mimetype: string | null; updatedAt: Date | null; md5: string | null; digest: string | null; storagePath?: string | null;
  uploadUrl?: string | null; uploadHeaders?: string[] | null; uploadMultipartUrls?: unknown; artifact?: unknown;
}

/**
 * A transfer URL as a client uses it: object-store presigned URLs are absolute already, Cairn-signed ones are
 * paths under this server's base URL.
 */
export const transferUrl = (ctx: GqlContext, target: string) => (/^https?:\/\//i.test(target) ? target : ctx.baseUrl + target);

async function runFileView(file: RunFile, ctx: GqlContext): Promise<FileView> {
  const url = transferUrl(ctx, await ctx.services.runFiles.downloadUrlFor(file));
  return {
    id: encodeGqlId('File', `${file.runId}:${file.name}`), name: file.name, displayName: file.name, url, directUrl: url,
    sizeBytes: file.sizeBytes, mimetype: file.mimetype, updatedAt: file.updatedAt, md5: file.md5, digest: file.md5,
  };
}

/**
 * A run answered by upsertBucket. wandb-core before 0.28.2 (wandb#12421) replaces all its file_stream offsets
 * with the history offset alone when this answer has historyLineCount > 0, so a resumed run rewrote its console
 * and system metrics from line 0. An upsert that carries the storage id comes from a client that already has
 * every offset (from RunResumeStatus or RewindRun), so it is told 0 and keeps them; an upsert by name alone
 * still gets the count, which is how a client that did not ask to resume continues the history.
 */
type UpsertedRun = RunInProject & { offsetsFromResume?: boolean };

const MAX_SAMPLES = 100_000;

function samplesArg(v: unknown): number {
  const n = v == null ? 500 : Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SAMPLES) throw invalidInput(`samples must be between 1 and ${MAX_SAMPLES}`);
  return n;
}

/** A sampledHistory spec: {"keys": [...], "samples": N, "minStep"?: a, "maxStep"?: b (inclusive)}. */
function parseHistorySpec(text: string) {
  let spec: { keys?: unknown; samples?: unknown; minStep?: unknown; maxStep?: unknown };
  try {
    spec = JSON.parse(text) as typeof spec;
  } catch {
    throw invalidInput('history spec is not valid JSON');
  }
  if (!Array.isArray(spec.keys) || spec.keys.length === 0 || !spec.keys.every((k) => typeof k === 'string')) {
    throw invalidInput('history spec needs "keys": a non-empty list of strings');
  }
  const step = (v: unknown, name: string) => {
    if (v == null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw invalidInput(`history spec ${name} must be a non-negative integer`);
    return v;
  };
  const minStep = step(spec.minStep, 'minStep');
  const maxStep = step(spec.maxStep, 'maxStep');
  if (minStep !== undefined && maxStep !== undefined && maxStep < minStep) throw invalidInput('history spec maxStep is below minStep');
  return {
    keys: spec.keys as string[], samples: samplesArg(spec.samples),
    ...(minStep !== undefined ? { minStep } : {}), ...(maxStep !== undefined ? { maxStep } : {}),
  };
}

function upsertInput(input: Args): UpsertRunInput {
  return {
    id: str(input.id), name: str(input.name), project: str(input.modelName), entity: str(input.entityName),
    groupName: str(input.groupName), description: str(input.description), displayName: str(input.displayName),
    notes: str(input.notes), commit: str(input.commit), config: str(input.config), host: str(input.host),
    program: str(input.jobProgram), repo: str(input.jobRepo), jobType: str(input.jobType), state: str(input.state),
    sweep: str(input.sweep), tags: Array.isArray(input.tags) ? (input.tags as string[]) : null,
    summaryMetrics: str(input.summaryMetrics),
  };
}

export const resolvers = {
  JSONString, JSON: JSONScalar, Int64, DateTime, Duration,
  Query: {
    viewer: (_p: unknown, _a: Args, ctx: GqlContext) => ctx.viewer.user,
    serverInfo: () => ({
      cliVersionInfo: { max_cli_version: '0.99.0', min_cli_version: '0.10.0' },
      latestLocalVersionInfo: { outOfDate: false, latestVersionString: '0.1.0', versionOnThisInstanceString: '0.1.0' },
      features: SERVER_FEATURES.map((name) => ({ name, isEnabled: true })),
    }),
    entity: (_p: unknown, a: Args, ctx: GqlContext) => ctx.services.access.entityOrNull(ctx.viewer, str(a.name)),
    project: (_p: unknown, a: Args, ctx: GqlContext) => projectRef(ctx, a.entityName, a.name),
    model: (_p: unknown, a: Args, ctx: GqlContext) => projectRef(ctx, a.entityName, a.name),
    projects: async (_p: unknown, a: Args, ctx: GqlContext) => {
      // Exactly the projects the viewer may read: of an entity it cannot read, only its visible projects.
      const entity = await ctx.services.meta.findEntityByName(str(a.entityName) || ctx.viewer.user.username);
      if (!entity) return page([], null, 0);
      const projects = await ctx.services.access.readableProjects(ctx.viewer, entity);
      return page(projects.map((project) => ({ project, entity })), str(a.after), a.first as number | null);
    },
    models: (p: unknown, a: Args, ctx: GqlContext) => resolvers.Query.projects(p, a, ctx),
    // organization(name): org-resolvers.ts
  },
  Mutation: {
    upsertBucket: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const result = await ctx.services.runs.upsert(ctx.viewer, upsertInput(input), { sharedMode: ctx.sharedMode });
      const bucket: UpsertedRun = { ...result, offsetsFromResume: str(input.id) !== null };
      return { bucket, inserted: result.inserted, serverSettings: { serverMessages: [] }, clientMutationId: str(input.clientMutationId) };
    },
    createRunFiles: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const result = await ctx.services.runFiles.createUploadUrls(ctx.viewer, String(input.entityName),
        String(input.projectName), String(input.runName), input.files as string[]);
      return {
        runID: encodeGqlId('Run', result.runId),
        uploadHeaders: [],
        files: result.files.map((f) => ({ name: f.name, uploadUrl: f.uploadPath === null ? null : transferUrl(ctx, f.uploadPath) })),
        clientMutationId: str(input.clientMutationId),
      };
    },
    markRunFilesUploaded: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      await ctx.services.runFiles.markUploaded(ctx.viewer, String(input.entityName), String(input.projectName),
        String(input.runName), input.files as string[]);
      return { success: true, clientMutationId: str(input.clientMutationId) };
    },
    stopRun: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      await ctx.services.runs.requestStop(ctx.viewer, String(input.id));
      return { success: true, clientMutationId: str(input.clientMutationId) };
    },
    rewindRun: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const rewound = await ctx.services.runs.rewind(ctx.viewer, {
        entity: str(input.entityName), project: str(input.projectName), runName: String(input.runName),
        metricName: String(input.metricName), metricValue: Number(input.metricValue),
      });
      return { rewoundRun: rewound, clientMutationId: str(input.clientMutationId) };
    },
    updateRunState: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      await ctx.services.runs.updateState(ctx.viewer, String(input.id), String(input.state));
      return { success: true, clientMutationId: str(input.clientMutationId) };
    },
    deleteRun: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      await ctx.services.runs.delete(ctx.viewer, String(input.id));
      return { clientMutationId: str(input.clientMutationId) };
    },
    upsertModel: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const name = optStr(input.name);
      // Parse the access value before anything is created: a bad value changes nothing.
      const visibility = str(input.access) ? visibilityFromAccess(str(input.access)!) : null;
      const result = await ctx.services.runs.ensureProject(ctx.viewer, str(input.entityName), name ?? '', optStr(input.description));
      const ref = { project: result.project, entity: result.entity };
      if (visibility) {
        const where = `${result.entity.name}/${result.project.name}`;
        ref.project = (await ctx.services.projectVisibility.setVisibility(ctx.viewer, where, visibility,
          result.inserted ? { entity: result.entity, project: result.project } : undefined)).project;
      }
      return { project: ref, model: ref, inserted: result.inserted, clientMutationId: str(input.clientMutationId) };
    },
  },
  User: {
    id: (u: { id: number }) => encodeGqlId('User', u.id),
    name: (u: { username: string }) => u.username,
    entity: (u: User, _a: Args, ctx: GqlContext) => ctx.services.access.defaultEntityName(u),
    flags: () => '{}',
    photoUrl: () => null,
    // Only the user themself and admins see a user's keys (as prefixes: keys are stored hashed).
    apiKeys: async (u: { id: number }, _a: Args, ctx: GqlContext) => {
      if (ctx.viewer.user.id !== u.id && !ctx.viewer.user.admin) return { edges: [] };
      const keys = await ctx.services.meta.listApiKeys(u.id as never);
      return {
        edges: keys.filter((k) => k.revokedAt === null).map((k) => ({
          node: { id: encodeGqlId('ApiKey', k.id), name: k.prefix, description: k.name },
        })),
      };
    },
    teams: async (u: { id: number }, _a: Args, ctx: GqlContext) => {
      const teams = await ctx.services.meta.listTeamsOfUser(u.id as never);
      return { edges: teams.map((node) => ({ node })) };
    },
  },
  Entity: {
    id: (e: Entity) => encodeGqlId('Entity', e.id),
    isTeam: (e: Entity) => e.type === 'team',
    // organization and the team fields: org-resolvers.ts
    xxhashDigestsEnabled: () => false,
    projects: async (e: Entity, a: Args, ctx: GqlContext) => {
      const projects = await ctx.services.access.readableProjects(ctx.viewer, e);
      return page(projects.map((project) => ({ project, entity: e })), str(a.after), a.first as number | null);
    },
  },
  Project: projectResolvers,
  Run: runResolvers,
};
