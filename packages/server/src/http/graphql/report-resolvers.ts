import { decodeGqlId, encodeGqlId } from '@cairn/shared';
import { DomainError, ErrorCodes, invalidInput } from '../../core/errors.js';
import type { Entity, Project } from '../../core/ports.js';
import type { ViewInProject } from '../../core/reports.js';
import { page } from './paging.js';
import type { GqlContext } from './resolvers.js';

type Args = Record<string, unknown>;
const optStr = (v: unknown) => (typeof v === 'string' ? v : null);

/** A view id as the SDK sends it: base64("View:<n>"), with or without its base64 padding. */
function viewIdOf(value: unknown, required: true): number;
function viewIdOf(value: unknown, required: false): number | null;
function viewIdOf(value: unknown, required: boolean): number | null {
  if (value == null || value === '') {
    if (required) throw invalidInput('a view id is required');
    return null;
  }
  const decoded = typeof value === 'string' ? decodeGqlId(value, 'View') : null;
  // A malformed id names no view: not found, like a well-formed id of a missing one.
  if (!decoded) throw new DomainError(ErrorCodes.NOT_FOUND, `report (view) ${String(value)} not found`);
  return decoded.id;
}

export const reportResolvers = {
  Query: {
    view: async (_p: unknown, a: Args, ctx: GqlContext) => ctx.services.reports.get(ctx.viewer, viewIdOf(a.id, true)),
  },
  Mutation: {
    upsertView: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const { saved, inserted } = await ctx.services.reports.upsert(ctx.viewer, {
        id: viewIdOf(input.id, false), entityName: optStr(input.entityName), projectName: optStr(input.projectName),
        name: optStr(input.name), displayName: optStr(input.displayName), description: optStr(input.description),
        type: optStr(input.type), spec: optStr(input.spec), createdUsing: optStr(input.createdUsing),
        parentId: viewIdOf(input.parentId, false),
      });
      return { view: saved, inserted, clientMutationId: input.clientMutationId ?? null };
    },
    deleteView: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const result = await ctx.services.reports.delete(ctx.viewer, viewIdOf(input.id, true), input.deleteDrafts === true);
      return { ...result, clientMutationId: input.clientMutationId ?? null };
    },
    publishView: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => ({
      view: await ctx.services.reports.publish(ctx.viewer, viewIdOf(input.id, true)), clientMutationId: input.clientMutationId ?? null,
    }),
  },
  View: {
    id: (v: ViewInProject) => encodeGqlId('View', v.view.id),
    name: (v: ViewInProject) => v.view.name,
    displayName: (v: ViewInProject) => v.view.displayName,
    description: (v: ViewInProject) => v.view.description,
    type: (v: ViewInProject) => v.view.type,
    spec: (v: ViewInProject) => v.view.spec,
    project: (v: ViewInProject) => ({ project: v.project, entity: v.entity }),
    entityName: (v: ViewInProject) => v.entity.name,
    projectName: (v: ViewInProject) => v.project.name,
    user: (v: ViewInProject, _a: Args, ctx: GqlContext) => ctx.services.meta.findUserById(v.view.createdBy),
    updatedBy: (v: ViewInProject, _a: Args, ctx: GqlContext) => ctx.services.meta.findUserById(v.view.updatedBy),
    createdUsing: (v: ViewInProject) => v.view.createdUsing,
    createdAt: (v: ViewInProject) => v.view.createdAt,
    updatedAt: (v: ViewInProject) => v.view.updatedAt,
    parentId: (v: ViewInProject) => (v.view.parentId === null ? null : encodeGqlId('View', v.view.parentId)),
  },
  Project: {
    allViews: async (p: { project: Project; entity: Entity }, a: Args, ctx: GqlContext) => {
      const views = await ctx.services.reports.list(ctx.viewer, p.entity, p.project, { type: optStr(a.viewType), name: optStr(a.viewName) });
      return page(views, optStr(a.after), typeof a.first === 'number' ? a.first : null);
    },
  },
};
