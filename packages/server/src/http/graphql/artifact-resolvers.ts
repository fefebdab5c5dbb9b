import { decodeGqlId, encodeGqlId } from '@cairn/shared';
import type { ArtifactInProject, CreateArtifactInput, PreparedManifest } from '../../core/artifacts.js';
import { ttlToWire } from '../../core/artifact-ttl.js';
import { DomainError, ErrorCodes } from '../../core/errors.js';
import { compileMongoFilter } from '../../core/mongo-match.js';
import type { ArtifactCollection, ArtifactFileEntry, ArtifactType, Entity, Project } from '../../core/ports.js';
import { page } from './paging.js';
import { transferUrl, type FileView, type GqlContext } from './resolvers.js';

type Args = Record<string, unknown>;
interface InProject { project: Project; entity: Entity }
type CollectionRef = InProject & { collection: ArtifactCollection };
type TypeRef = InProject & { type: ArtifactType };
type MembershipRef = ArtifactInProject & { versionIndex: number; collection: ArtifactCollection };

const str = (v: unknown) => (typeof v === 'string' ? v : null);
const projectRef = (r: InProject) => ({ project: r.project, entity: r.entity });

async function collectionOf(ctx: GqlContext, r: InProject, id: number): Promise<CollectionRef> {
  const collection = await ctx.services.artifacts.artifactStore.findCollectionById(id);
  if (!collection) throw new Error(`collection ${id} vanished`);
  return { collection, project: r.project, entity: r.entity };
}

/** A collection in its own project (a registry's portfolio, for instance), or null when the viewer may not read that project. */
async function readableCollection(ctx: GqlContext, id: number): Promise<CollectionRef | null> {
  const collection = await ctx.services.artifacts.artifactStore.findCollectionById(id);
  const project = collection ? await ctx.services.meta.findProjectById(collection.projectId) : null;
  const entity = project ? await ctx.services.meta.findEntityById(project.entityId) : null;
  if (!collection || !project || !entity || !(await ctx.services.access.canReadProject(ctx.viewer, entity, project))) return null;
  return { collection, project, entity };
}

/**
 * A version as a member of a collection: a sequence's versions live in its project; a portfolio's (linked)
 * versions are located in their own projects (shown without them when the viewer reads them only through the portfolio).
 */
async function memberArtifact(ctx: GqlContext, c: CollectionRef, artifact: ArtifactInProject['artifact']): Promise<ArtifactInProject> {
  if (c.collection.kind !== 'portfolio') return { artifact, project: c.project, entity: c.entity };
  return (await ctx.services.artifacts.locate(ctx.viewer, artifact)) ?? { artifact, project: c.project, entity: c.entity, sourceHidden: true };
}

async function artifactFileView(ctx: GqlContext, a: ArtifactInProject, f: ArtifactFileEntry): Promise<FileView> {
  const hex = Buffer.from(f.digest, 'base64').toString('hex');
  // A reference entry's bytes live where it points; the SDK fetches them itself (its URL is the reference).
  const url = f.ref === null ? transferUrl(ctx, await ctx.services.artifacts.downloadUrlFor(`objects/md5/${hex}`, f.name)) : f.ref;
  return {
    id: encodeGqlId('File', `artifact:${a.artifact.id}:${f.name}`), name: f.name, displayName: f.name, url, directUrl: url,
    sizeBytes: f.size, mimetype: null, updatedAt: a.artifact.updatedAt, md5: f.ref === null ? f.digest : null, digest: f.digest,
    storagePath: f.ref === null ? `objects/md5/${hex}` : null,
  };
}

async function filesConnection(ctx: GqlContext, a: ArtifactInProject, args: Args) {
  const names = Array.isArray(args.names) ? (args.names as string[]) : undefined;
  const offset = args.after ? Number(Buffer.from(String(args.after), 'base64').toString().replace(/^cursor:/, '')) + 1 : 0;
  const first = Math.min(Math.max((args.first as number | null) ?? 50, 0), 10_000);
  const store = ctx.services.artifacts.artifactStore;
  const files = (await store.listFiles(a.artifact.id, { ...(names ? { names } : {}), offset: Number.isFinite(offset) ? offset : 0, limit: first + 1 }));
  const total = await store.countFiles(a.artifact.id, names);
  const slice = files.slice(0, first);
  const cursor = (i: number) => Buffer.from(`cursor:${i}`).toString('base64');
  return {
    edges: await Promise.all(slice.map(async (f, i) => ({ node: await artifactFileView(ctx, a, f), cursor: cursor(offset + i) }))),
    pageInfo: { endCursor: slice.length ? cursor(offset + slice.length - 1) : null, hasNextPage: files.length > first, startCursor: null, hasPreviousPage: offset > 0 },
    totalCount: total,
  };
}

const collectionFields = {
  id: (c: CollectionRef) => encodeGqlId(c.collection.kind === 'portfolio' ? 'ArtifactPortfolio' : 'ArtifactSequence', c.collection.id),
  name: (c: CollectionRef) => c.collection.name,
  description: (c: CollectionRef) => c.collection.description,
  createdAt: (c: CollectionRef) => c.collection.createdAt,
  updatedAt: (c: CollectionRef) => c.collection.updatedAt,
  // A linked version's own sequence is shown without its project to viewers who read it only through a registry.
  project: (c: CollectionRef & { hidden?: boolean }) => (c.hidden ? null : projectRef(c)),
  state: (c: CollectionRef & { deleted?: boolean }) => (c.deleted ? 'DELETED' : 'READY'),
  defaultArtifactType: async (c: CollectionRef, _a: Args, ctx: GqlContext) => ({
    type: await ctx.services.artifacts.artifactStore.findTypeById(c.collection.typeId), project: c.project, entity: c.entity,
  }),
  artifactMembership: async (c: CollectionRef, args: Args, ctx: GqlContext) =>
    ctx.services.artifacts.membershipByName(c.project, c.entity, `${c.collection.name}:${String(args.aliasName)}`),
  tags: async (c: CollectionRef, args: Args, ctx: GqlContext) => {
    const names = await ctx.services.artifacts.artifactStore.listCollectionTags(c.collection.id);
    return page(names.map((name) => collectionTag(c.collection.id, name)), str(args.after), args.first as number | null);
  },
  artifacts: async (c: CollectionRef, args: Args, ctx: GqlContext) => {
    const match = compileMongoFilter(str(args.filters));
    const store = ctx.services.artifacts.artifactStore;
    const versions = [];
    for (const v of await store.listVersions(c.collection.id, 0, 100_000)) {
      const doc = {
        state: v.artifact.state, versionIndex: v.versionIndex, version: `v${v.versionIndex}`, digest: v.artifact.digest,
        description: v.artifact.description, createdAt: v.artifact.createdAt.toISOString(),
        aliases: (await store.listAliases(v.artifact.id)).filter((a) => a.collectionId === c.collection.id).map((a) => a.alias),
        tags: await store.listTags(v.artifact.id), metadata: v.artifact.metadata ? (JSON.parse(v.artifact.metadata) as unknown) : {},
      };
      if (match(doc)) versions.push(v);
    }
    sortVersions(versions, str(args.order));
    const p = page(versions, str(args.after), args.first as number | null);
    const nodes = await Promise.all(p.edges.map((e) => memberArtifact(ctx, c, e.node.artifact)));
    return { ...p, edges: p.edges.map((e, i) => ({ node: nodes[i], version: `v${e.node.versionIndex}`, cursor: e.cursor })) };
  },
  aliases: async (c: CollectionRef, args: Args, ctx: GqlContext) => {
    const versions = await ctx.services.artifacts.artifactStore.listVersions(c.collection.id, 0, 10_000);
    const all = [];
    for (const v of versions) {
      for (const a of await ctx.services.artifacts.artifactStore.listAliases(v.artifact.id)) {
        if (a.collectionId === c.collection.id) all.push({ record: a, ...c });
      }
    }
    return page(all, str(args.after), args.first as number | null);
  },
};

export const artifactResolvers = {
  Query: {
    artifact: (_p: unknown, a: Args, ctx: GqlContext) => ctx.services.artifacts.byId(ctx.viewer, String(a.id), { includePending: true }),
    artifactCollection: async (_p: unknown, a: Args, ctx: GqlContext) => {
      const decoded = decodeGqlId(String(a.id));
      const collection = decoded ? await ctx.services.artifacts.artifactStore.findCollectionById(decoded.id) : null;
      if (!collection) return null;
      const project = await ctx.services.meta.findProjectById(collection.projectId);
      const entity = project ? await ctx.services.meta.findEntityById(project.entityId) : null;
      // Project-level: a restricted registry's collections stay hidden from org members outside it.
      const visible = project && entity && (await ctx.services.access.canReadProject(ctx.viewer, entity, project));
      return visible ? { collection, project, entity } : null;
    },
    clientIDMapping: async (_p: unknown, a: Args, ctx: GqlContext) => {
      const found = await ctx.services.artifacts.byClientId(ctx.viewer, String(a.clientID));
      return found ? { serverID: encodeGqlId('Artifact', found.artifact.id) } : null;
    },
  },
  Mutation: {
    createArtifact: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const names = Array.isArray(input.artifactCollectionNames) ? (input.artifactCollectionNames as string[]) : [];
      const collectionName = str(input.artifactCollectionName) ?? names[0];
      if (collectionName === undefined) throw new DomainError(ErrorCodes.INVALID_INPUT, 'createArtifact needs artifactCollectionName or artifactCollectionNames');
      const i: CreateArtifactInput = {
        entityName: String(input.entityName), projectName: String(input.projectName),
        artifactTypeName: String(input.artifactTypeName), artifactCollectionName: collectionName,
        runName: str(input.runName), digest: String(input.digest), description: str(input.description), metadata: str(input.metadata),
        aliases: (input.aliases as { artifactCollectionName: string; alias: string }[] | null) ?? [],
        tags: ((input.tags as { tagName: string }[] | null) ?? []).map((t) => t.tagName),
        ttlDurationSeconds: (input.ttlDurationSeconds as number | null) ?? null, historyStep: (input.historyStep as number | null) ?? null,
        enableDigestDeduplication: input.enableDigestDeduplication !== false, distributedID: str(input.distributedID),
        clientID: str(input.clientID), sequenceClientID: str(input.sequenceClientID), storageRegion: str(input.storageRegion),
      };
      return { artifact: await ctx.services.artifacts.create(ctx.viewer, i), clientMutationId: str(input.clientMutationId) };
    },
    createArtifactManifest: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const m = await ctx.services.artifacts.prepareManifest(ctx.viewer, String(input.artifactID), {
        name: String(input.name), digest: String(input.digest), type: String(input.type ?? 'FULL'), baseArtifactID: str(input.baseArtifactID),
      });
      return { artifactManifest: manifestView(ctx, m), clientMutationId: str(input.clientMutationId) };
    },
    updateArtifactManifest: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const m = await ctx.services.artifacts.updateManifest(ctx.viewer, String(input.artifactManifestID), {
        digest: str(input.digest), baseArtifactID: str(input.baseArtifactID),
      });
      return { artifactManifest: manifestView(ctx, m), clientMutationId: str(input.clientMutationId) };
    },
    createArtifactFiles: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const specs = input.artifactFiles as { artifactID: string; name: string; md5: string; uploadPartsInput: unknown[] | null }[];
      const prepared = await ctx.services.artifacts.prepareFiles(ctx.viewer, specs);
      // Edges in request order and equal in number: the SDK matches them by position (protocol §6.2).
      const edges = prepared.map((p, i) => ({
        cursor: String(i),
        node: {
          id: encodeGqlId('File', `upload:${p.storagePath}`), name: specs[i]!.name, displayName: specs[i]!.name, url: null,
          directUrl: null, sizeBytes: 0, mimetype: null, updatedAt: null, md5: specs[i]!.md5, digest: specs[i]!.md5,
          storagePath: p.storagePath, uploadUrl: p.uploadPath === null ? null : transferUrl(ctx, p.uploadPath),
          // Multipart parts take their Content-Type from here (and their own Content-MD5 from the SDK).
          uploadHeaders: p.multipart ? ['Content-Type:application/octet-stream'] : p.uploadHeaders,
          uploadMultipartUrls: p.multipart === null ? null : {
            uploadID: p.multipart.uploadID,
            uploadUrlParts: p.multipart.uploadUrlParts.map((u) => ({ partNumber: u.partNumber, uploadUrl: transferUrl(ctx, u.uploadPath) })),
          },
          artifact: p.birth,
        } satisfies FileView,
      }));
      return { files: { edges, pageInfo: { endCursor: null, hasNextPage: false, startCursor: null, hasPreviousPage: false }, totalCount: edges.length } };
    },
    completeMultipartUploadArtifact: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => ({
      digest: await ctx.services.artifacts.completeMultipart(ctx.viewer, {
        action: String(input.completeMultipartAction), artifactID: String(input.artifactID), storagePath: String(input.storagePath),
        uploadID: String(input.uploadID), parts: input.completedParts as { partNumber: number; hexMD5: string }[],
      }),
      clientMutationId: str(input.clientMutationId),
    }),
    commitArtifact: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => ({
      artifact: await ctx.services.artifacts.commit(ctx.viewer, String(input.artifactID)), clientMutationId: str(input.clientMutationId),
    }),
    updateArtifact: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => ({
      artifact: await ctx.services.artifacts.update(ctx.viewer, String(input.artifactID), {
        ...(input.description !== undefined ? { description: str(input.description) } : {}),
        ...(input.metadata !== undefined ? { metadata: str(input.metadata) } : {}),
        ...(input.ttlDurationSeconds !== undefined ? { ttlDurationSeconds: input.ttlDurationSeconds as number | null } : {}),
        tagsToAdd: ((input.tagsToAdd as { tagName: string }[] | null) ?? []).map((t) => t.tagName),
        tagsToDelete: ((input.tagsToDelete as { tagName: string }[] | null) ?? []).map((t) => t.tagName),
        aliases: Array.isArray(input.aliases) ? (input.aliases as { alias: string }[]).map((a) => a.alias) : null,
      }),
      clientMutationId: str(input.clientMutationId),
    }),
    addAliases: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      await ctx.services.artifacts.changeAliases(ctx.viewer, String(input.artifactID), input.aliases as never, false);
      return { success: true, clientMutationId: str(input.clientMutationId) };
    },
    deleteAliases: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      await ctx.services.artifacts.changeAliases(ctx.viewer, String(input.artifactID), input.aliases as never, true);
      return { success: true, clientMutationId: str(input.clientMutationId) };
    },
    deleteArtifact: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => ({
      artifact: await ctx.services.artifacts.delete(ctx.viewer, String(input.artifactID), input.deleteAliases === true),
      clientMutationId: str(input.clientMutationId),
    }),
    updateArtifactSequence: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => ({
      artifactCollection: await ctx.services.artifacts.updateSequence(ctx.viewer, String(input.artifactSequenceID), {
        ...(typeof input.name === 'string' ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: str(input.description) } : {}),
      }),
      clientMutationId: str(input.clientMutationId),
    }),
    moveArtifactSequence: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => ({
      artifactCollection: await ctx.services.artifacts.moveSequence(ctx.viewer, String(input.artifactSequenceID), String(input.destinationArtifactTypeName)),
      clientMutationId: str(input.clientMutationId),
    }),
    deleteArtifactSequence: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => ({
      artifactCollection: { ...(await ctx.services.artifacts.deleteSequence(ctx.viewer, String(input.artifactSequenceID))), deleted: true },
      clientMutationId: str(input.clientMutationId),
    }),
    createArtifactCollectionTagAssignments: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const tags = await changeCollectionTags(ctx, input, false);
      return { tags: tags.names.map((name) => collectionTag(tags.collectionId, name)), clientMutationID: str(input.clientMutationID) };
    },
    deleteArtifactCollectionTagAssignments: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      await changeCollectionTags(ctx, input, true);
      return { success: true, clientMutationID: str(input.clientMutationID) };
    },
    useArtifact: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => ({
      artifact: await ctx.services.artifacts.use(ctx.viewer, {
        artifactID: String(input.artifactID), entityName: String(input.entityName), projectName: String(input.projectName),
        runName: String(input.runName), usedAs: str(input.usedAs),
      }),
      clientMutationId: str(input.clientMutationId),
    }),
  },
  Project: {
    artifactType: async (p: InProject, a: Args, ctx: GqlContext) => {
      const type = await ctx.services.artifacts.artifactStore.findType(p.project.id, String(a.name));
      return type ? { type, ...p } : null;
    },
    artifactTypes: async (p: InProject, a: Args, ctx: GqlContext) => {
      const types = await ctx.services.artifacts.artifactStore.listTypes(p.project.id);
      return page(types.map((type) => ({ type, ...p })), str(a.after), a.first as number | null);
    },
    artifactCollection: async (p: InProject, a: Args, ctx: GqlContext) => {
      const collection = await ctx.services.artifacts.artifactStore.findCollection(p.project.id, String(a.name));
      return collection ? { collection, ...p } : null;
    },
    artifactCollectionMembership: (p: InProject, a: Args, ctx: GqlContext) =>
      ctx.services.artifacts.membershipByName(p.project, p.entity, String(a.name)),
    artifact: async (p: InProject, a: Args, ctx: GqlContext) => {
      const m = await ctx.services.artifacts.membershipByName(p.project, p.entity, String(a.name));
      return m ? memberArtifact(ctx, m, m.artifact) : null;
    },
    artifactCollections: async (p: InProject, a: Args, ctx: GqlContext) => {
      const list = filterCollections(await ctx.services.artifacts.artifactStore.listProjectCollections(p.project.id), a);
      return page(list.map((collection) => ({ collection, ...p })), str(a.after), a.first as number | null);
    },
  },
  Run: {
    outputArtifacts: async (r: { run: { id: never } } & InProject, a: Args, ctx: GqlContext) => {
      const list = await ctx.services.artifacts.artifactStore.listOutputs(r.run.id);
      return page(list.map((artifact) => ({ artifact, project: r.project, entity: r.entity })), str(a.after), a.first as number | null);
    },
    inputArtifacts: async (r: { run: { id: never } }, a: Args, ctx: GqlContext) => {
      const list = await ctx.services.artifacts.artifactStore.listInputs(r.run.id);
      const located = (await Promise.all(list.map((artifact) => ctx.services.artifacts.locate(ctx.viewer, artifact)))).filter((x) => x !== null);
      return page(located, str(a.after), a.first as number | null);
    },
  },
  ArtifactType: {
    id: (t: TypeRef) => encodeGqlId('ArtifactType', t.type.id),
    artifact: async (t: TypeRef, a: Args, ctx: GqlContext) => {
      const m = await ctx.services.artifacts.membershipByName(t.project, t.entity, String(a.name));
      // The collection's type in this project (a linked version's own type row lives in its source project).
      return m && m.collection.typeId === t.type.id ? memberArtifact(ctx, m, m.artifact) : null;
    },
    name: (t: TypeRef) => t.type.name,
    description: () => null,
    createdAt: (t: TypeRef) => t.type.createdAt,
    artifactCollection: async (t: TypeRef, a: Args, ctx: GqlContext) => {
      const collection = await ctx.services.artifacts.artifactStore.findCollection(t.project.id, String(a.name));
      return collection && collection.typeId === t.type.id ? { collection, project: t.project, entity: t.entity } : null;
    },
    artifactCollections: async (t: TypeRef, a: Args, ctx: GqlContext) => {
      const list = filterCollections(await ctx.services.artifacts.artifactStore.listCollections(t.project.id, t.type.id), a);
      return page(list.map((collection) => ({ collection, project: t.project, entity: t.entity })), str(a.after), a.first as number | null);
    },
  },
  ArtifactCollection: {
    __resolveType: (c: CollectionRef) => (c.collection.kind === 'portfolio' ? 'ArtifactPortfolio' : 'ArtifactSequence'),
  },
  ArtifactSequence: {
    ...collectionFields,
    latestArtifact: async (c: CollectionRef, _a: Args, ctx: GqlContext) => {
      const m = await ctx.services.artifacts.artifactStore.findMembership(c.collection.id, { alias: 'latest' });
      return m ? { artifact: m.artifact, project: c.project, entity: c.entity } : null;
    },
    digestAlgorithm: () => 'MANIFEST_MD5',
  },
  ArtifactPortfolio: collectionFields,
  Artifact: {
    id: (a: ArtifactInProject) => encodeGqlId('Artifact', a.artifact.id),
    artifactSequence: async (a: ArtifactInProject, _x: Args, ctx: GqlContext) => ({ ...(await collectionOf(ctx, a, a.artifact.sequenceId)), hidden: a.sourceHidden === true }),
    versionIndex: (a: ArtifactInProject) => a.artifact.versionIndex,
    artifactType: async (a: ArtifactInProject, _x: Args, ctx: GqlContext) => ({
      type: await ctx.services.artifacts.artifactStore.findTypeById(a.artifact.typeId), project: a.project, entity: a.entity,
    }),
    description: (a: ArtifactInProject) => a.artifact.description,
    metadata: (a: ArtifactInProject) => a.artifact.metadata ?? '{}',
    // The TTL in force (its own, else its collection's or project's default); W&B reports -2 for "no TTL".
    ttlDurationSeconds: async (a: ArtifactInProject, _x: Args, ctx: GqlContext) => ttlToWire((await ctx.services.artifactTtl.of(a.artifact)).seconds),
    ttlIsInherited: (a: ArtifactInProject) => a.artifact.ttlInherited,
    tags: async (a: ArtifactInProject, _x: Args, ctx: GqlContext) =>
      (await ctx.services.artifacts.artifactStore.listTags(a.artifact.id)).map((name) => ({ id: encodeGqlId('Tag', `${a.artifact.id}:${name}`), name })),
    historyStep: (a: ArtifactInProject) => a.artifact.historyStep,
    state: (a: ArtifactInProject) => a.artifact.state,
    size: (a: ArtifactInProject) => a.artifact.size,
    digest: (a: ArtifactInProject) => a.artifact.digest,
    digestAlgorithm: () => 'MANIFEST_MD5',
    commitHash: (a: ArtifactInProject) => a.artifact.commitHash,
    fileCount: (a: ArtifactInProject) => a.artifact.fileCount,
    createdAt: (a: ArtifactInProject) => a.artifact.createdAt,
    updatedAt: (a: ArtifactInProject) => a.artifact.updatedAt,
    // Aliases in every collection the viewer may read, each with its own collection's project (a registry's, say).
    aliases: async (a: ArtifactInProject, _x: Args, ctx: GqlContext) => {
      const records = await ctx.services.artifacts.artifactStore.listAliases(a.artifact.id);
      const out = [];
      for (const record of records) {
        if (record.collectionId === a.artifact.sequenceId) {
          if (!a.sourceHidden) out.push({ record, ...(await collectionOf(ctx, a, record.collectionId)) });
          continue;
        }
        const where = await readableCollection(ctx, record.collectionId);
        if (where) out.push({ record, ...where });
      }
      return out;
    },
    currentManifest: async (a: ArtifactInProject, _x: Args, ctx: GqlContext) => {
      const m = await ctx.services.artifacts.manifestOf(a.artifact.id);
      if (!m) return null;
      const url = transferUrl(ctx, await ctx.services.artifacts.downloadUrlFor(m.blobKey, m.name));
      return { id: encodeGqlId('ArtifactManifest', a.artifact.id), file: { ...manifestFile(a.artifact.id, m.name), url, directUrl: url } };
    },
    files: (a: ArtifactInProject, args: Args, ctx: GqlContext) => filesConnection(ctx, a, args),
    usedBy: async (a: ArtifactInProject, args: Args, ctx: GqlContext) => {
      const runIds = await ctx.services.artifacts.artifactStore.usedBy(a.artifact.id);
      const runs = [];
      // Users of a version are mostly runs of a few projects: look each project and its access up once.
      const readable = new Map<number, Promise<{ project: Project; entity: Entity } | null>>();
      const readableProject = (projectId: number) => {
        let found = readable.get(projectId);
        if (!found) {
          found = (async () => {
            const project = await ctx.services.meta.findProjectById(projectId as Project['id']);
            const entity = project ? await ctx.services.meta.findEntityById(project.entityId) : null;
            return project && entity && (await ctx.services.access.canReadProject(ctx.viewer, entity, project)) ? { project, entity } : null;
          })();
          readable.set(projectId, found);
        }
        return found;
      };
      for (const id of runIds) {
        const run = await ctx.services.meta.findRunById(id);
        const where = run ? await readableProject(run.projectId) : null;
        if (run && where) runs.push({ run, ...where });
      }
      return page(runs, str(args.after), args.first as number | null);
    },
    createdBy: async (a: ArtifactInProject, _x: Args, ctx: GqlContext) => {
      if (a.artifact.createdByRunId === null || a.sourceHidden) return null;
      const run = await ctx.services.meta.findRunById(a.artifact.createdByRunId);
      return run ? { run, project: a.project, entity: a.entity } : null;
    },
  },
  ArtifactAlias: {
    id: (r: CollectionRef & { record: { id: number } }) => encodeGqlId('ArtifactAlias', r.record.id),
    alias: (r: { record: { alias: string } }) => r.record.alias,
    artifactCollection: (r: CollectionRef) => ({ collection: r.collection, project: r.project, entity: r.entity }),
  },
  ArtifactCollectionMembership: {
    id: (m: MembershipRef) => encodeGqlId('ArtifactCollectionMembership', `${m.collection.id}:${m.artifact.id}`),
    versionIndex: (m: MembershipRef) => m.versionIndex,
    createdAt: async (m: MembershipRef, _x: Args, ctx: GqlContext) => (m.collection.kind === 'portfolio'
      ? (await ctx.services.registries.linkedAt(m.collection.id, m.artifact.id)) ?? m.artifact.createdAt : m.artifact.createdAt),
    aliases: async (m: MembershipRef, _x: Args, ctx: GqlContext) => {
      const records = (await ctx.services.artifacts.artifactStore.listAliases(m.artifact.id)).filter((r) => r.collectionId === m.collection.id);
      return records.map((record) => ({ record, collection: m.collection, project: m.project, entity: m.entity }));
    },
    artifactCollection: (m: MembershipRef) => ({ collection: m.collection, project: m.project, entity: m.entity }),
    artifact: (m: MembershipRef, _x: Args, ctx: GqlContext) => memberArtifact(ctx, m, m.artifact),
    files: (m: MembershipRef, args: Args, ctx: GqlContext) => filesConnection(ctx, m, args),
  },
};

/**
 * Versions in the order asked for: `[+|-]field`, + (ascending) when unsigned, field in camelCase or snake_case
 * as the SDK sends it (`+version_index`); versionIndex or createdAt. Without an order: newest first.
 */
function sortVersions(versions: { artifact: { createdAt: Date; id: number }; versionIndex: number }[], order: string | null) {
  if (order === null || order === '') return;
  const m = /^([+-]?)([A-Za-z_]+)$/.exec(order);
  const field = m ? m[2]!.replace(/_([a-z])/g, (_x, c: string) => c.toUpperCase()) : null;
  if (!m || (field !== 'versionIndex' && field !== 'createdAt')) {
    throw new DomainError(ErrorCodes.INVALID_INPUT, `unsupported order ${JSON.stringify(order)}: use [+|-]versionIndex or [+|-]createdAt`);
  }
  const sign = m[1] === '-' ? -1 : 1;
  const key = (v: (typeof versions)[number]) => (field === 'versionIndex' ? v.versionIndex : v.artifact.createdAt.getTime());
  versions.sort((a, b) => sign * (key(a) - key(b) || a.versionIndex - b.versionIndex));
}

const collectionTag = (collectionId: number, name: string) => ({ id: encodeGqlId('Tag', `collection:${collectionId}:${name}`), name });

async function changeCollectionTags(ctx: GqlContext, input: Args, remove: boolean) {
  const tags = ((input.tags as { tagName: string }[] | null) ?? []).map((t) => t.tagName);
  const request = { entityName: String(input.entityName), projectName: String(input.projectName), collectionName: String(input.artifactCollectionName), tags };
  return ctx.services.artifacts.changeCollectionTags(ctx.viewer, request, remove);
}

/** Collections matching a MongoDB-style filter on name, description and dates; newest first with order "-createdAt". */
function filterCollections(list: ArtifactCollection[], a: Args): ArtifactCollection[] {
  const match = compileMongoFilter(str(a.filters));
  const out = list.filter((c) => match({
    id: encodeGqlId('ArtifactSequence', c.id), name: c.name, description: c.description,
    createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString(),
  }));
  const order = str(a.order);
  if (order?.replace(/^[+-]/, '') === 'createdAt') out.sort((x, y) => (x.createdAt.getTime() - y.createdAt.getTime()) * (order.startsWith('-') ? -1 : 1));
  return out;
}

/** `key`: the artifact id (its current manifest) or the manifest's own id (one being uploaded). */
function manifestFile(key: number | string, name: string): FileView {
  return {
    id: encodeGqlId('File', `manifest:${key}`), name, displayName: name, url: null, directUrl: null, sizeBytes: 0,
    mimetype: 'application/json', updatedAt: null, md5: null, digest: null,
  };
}

function manifestView(ctx: GqlContext, m: PreparedManifest) {
  return { id: m.manifestId, file: { ...manifestFile(m.manifestId, m.name), uploadUrl: transferUrl(ctx, m.uploadPath), uploadHeaders: [] } };
}
