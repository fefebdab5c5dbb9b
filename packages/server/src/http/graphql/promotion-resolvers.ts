import { encodeGqlId } from '@cairn/shared';
import { invalidInput } from '../../core/errors.js';
import type { ArtifactCollection, Entity, Project } from '../../core/ports.js';
import type { PromotionEvent } from '../../core/promotion-ports.js';
import { parseInstant, type AliasAtAnswer, type CollectionInProject } from '../../core/promotions.js';
import type { GqlContext } from './resolvers.js';

type Args = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
interface EventView { event: PromotionEvent; collectionName: string | null }

/** Cursors are event ids: the history is append-only, so a page never shifts under a reader. */
function afterId(after: unknown): number | null {
  const s = str(after);
  if (s === null) return null;
  const id = Number(Buffer.from(s, 'base64').toString('utf8').replace(/^promotion:/, ''));
  if (!Number.isSafeInteger(id) || id < 0) throw invalidInput(`invalid cursor ${JSON.stringify(s)}`);
  return id;
}
const cursorOf = (e: PromotionEvent) => Buffer.from(`promotion:${e.id}`).toString('base64');

async function connection(ctx: GqlContext, fetch: (limit: number, after: number | null) => Promise<PromotionEvent[]>, args: Args) {
  const first = (args.first as number | null | undefined) ?? 100;
  if (!Number.isInteger(first) || first < 0 || first > 1000) throw invalidInput('first must be between 0 and 1000');
  const events = first === 0 ? [] : await fetch(first + 1, afterId(args.after));
  const slice = events.slice(0, first);
  const names = new Map<number, string | null>();
  const nameOf = async (id: number | null) => {
    if (id === null) return null;
    if (!names.has(id)) names.set(id, (await ctx.services.artifacts.artifactStore.findCollectionById(id))?.name ?? null);
    return names.get(id)!;
  };
  const edges = [];
  for (const e of slice) edges.push({ node: { event: e, collectionName: await nameOf(e.collectionId) } as EventView, cursor: cursorOf(e) });
  return {
    edges,
    pageInfo: {
      endCursor: slice.length > 0 ? cursorOf(slice[slice.length - 1]!) : null, hasNextPage: events.length > first,
      startCursor: slice.length > 0 ? cursorOf(slice[0]!) : null, hasPreviousPage: str(args.after) !== null,
    },
  };
}

async function artifactView(ctx: GqlContext, id: number | null) {
  if (id === null) return null;
  const a = await ctx.services.artifacts.artifactStore.findArtifact(id);
  return a && a.state === 'COMMITTED' ? ctx.services.artifacts.locate(ctx.viewer, a) : null;
}

const at = (s: unknown) => (str(s) === null ? new Date() : parseInstant(String(s)));

async function aliasAtView(ctx: GqlContext, c: CollectionInProject, args: Args) {
  const answer = await ctx.services.promotions.aliasAt(c, String(args.alias), at(args.at));
  return { answer, collectionName: c.collection.name };
}

const collectionPromotionFields = {
  aliasHistory: (c: { collection: ArtifactCollection; project: Project; entity: Entity }, args: Args, ctx: GqlContext) =>
    connection(ctx, (limit, after) => ctx.services.promotions.history(c, { alias: str(args.alias), after, limit }), args),
  aliasAt: (c: { collection: ArtifactCollection; project: Project; entity: Entity }, args: Args, ctx: GqlContext) => aliasAtView(ctx, c, args),
};

export const promotionResolvers = {
  Query: {
    promotionHistory: async (_p: unknown, args: Args, ctx: GqlContext) => {
      const entityName = String(args.entityName);
      const projectName = String(args.projectName);
      const collectionName = str(args.collectionName);
      if (collectionName !== null) {
        const c = await ctx.services.promotions.collection(ctx.viewer, entityName, projectName, collectionName);
        return connection(ctx, (limit, after) => ctx.services.promotions.history(c, { alias: str(args.alias), after, limit }), args);
      }
      if (str(args.alias) !== null) throw invalidInput('alias needs collectionName: aliases belong to a collection');
      const where = await ctx.services.promotions.project(ctx.viewer, entityName, projectName);
      return connection(ctx, (limit, after) => ctx.services.promotions.projectHistory(where, { after, limit }), args);
    },
    aliasAt: async (_p: unknown, args: Args, ctx: GqlContext) => {
      const c = await ctx.services.promotions.collection(ctx.viewer, String(args.entityName), String(args.projectName), String(args.collectionName));
      return aliasAtView(ctx, c, args);
    },
    registryProtectedAliases: async (_p: unknown, args: Args, ctx: GqlContext) =>
      (await ctx.services.promotions.protectedAliases(ctx.viewer, String(args.entityName), String(args.projectName))).aliases,
  },
  Mutation: {
    setRegistryProtectedAliases: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const aliases = Array.isArray(input.aliases) ? (input.aliases as string[]) : null;
      const r = await ctx.services.promotions.setProtectedAliases(ctx.viewer, String(input.entityName), String(input.projectName), aliases);
      return { aliases: r.aliases, clientMutationId: str(input.clientMutationId) };
    },
  },
  ArtifactSequence: collectionPromotionFields,
  ArtifactPortfolio: collectionPromotionFields,
  PromotionEvent: {
    id: (v: EventView) => encodeGqlId('PromotionEvent', v.event.id),
    at: (v: EventView) => v.event.at.toISOString(),
    action: (v: EventView) => v.event.action,
    alias: (v: EventView) => v.event.alias,
    collectionName: (v: EventView) => v.collectionName,
    fromVersionIndex: (v: EventView) => v.event.fromVersion,
    fromVersion: (v: EventView) => (v.event.fromVersion === null ? null : `v${v.event.fromVersion}`),
    fromArtifact: (v: EventView, _a: Args, ctx: GqlContext) => artifactView(ctx, v.event.fromArtifactId),
    toVersionIndex: (v: EventView) => v.event.toVersion,
    toVersion: (v: EventView) => (v.event.toVersion === null ? null : `v${v.event.toVersion}`),
    toArtifact: (v: EventView, _a: Args, ctx: GqlContext) => artifactView(ctx, v.event.toArtifactId),
    actor: (v: EventView) => v.event.actorName,
    detail: (v: EventView) => (v.event.detail === null ? null : JSON.stringify(v.event.detail)),
  },
  AliasAtAnswer: {
    alias: (v: { answer: AliasAtAnswer }) => v.answer.alias,
    at: (v: { answer: AliasAtAnswer }) => v.answer.at.toISOString(),
    versionIndex: (v: { answer: AliasAtAnswer }) => v.answer.versionIndex,
    version: (v: { answer: AliasAtAnswer }) => (v.answer.versionIndex === null ? null : `v${v.answer.versionIndex}`),
    artifact: (v: { answer: AliasAtAnswer }, _a: Args, ctx: GqlContext) => (v.answer.versionIndex === null ? null : artifactView(ctx, v.answer.artifactId)),
    since: (v: { answer: AliasAtAnswer }) => v.answer.event?.at.toISOString() ?? null,
    event: (v: { answer: AliasAtAnswer; collectionName: string }): EventView | null =>
      (v.answer.event ? { event: v.answer.event, collectionName: v.collectionName } : null),
  },
};
