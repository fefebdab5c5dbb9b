import type { AlertWithDeliveries } from '../../core/alerts.js';
import { DomainError, ErrorCodes } from '../../core/errors.js';
import type { Entity, Project, Run } from '../../core/ports.js';
import type { Webhook, WebhookDelivery } from '../../core/promotion-ports.js';
import type { GqlContext } from './resolvers.js';

type Args = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const optBool = (v: unknown) => (typeof v === 'boolean' ? v : undefined);

/** Admin-only fields read as null for others, rather than failing the whole query. */
async function orNullIfDenied<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof DomainError && (e.code === ErrorCodes.FORBIDDEN || e.code === ErrorCodes.ENTITY_NOT_FOUND)) return null;
    throw e;
  }
}

export const alertResolvers = {
  Mutation: {
    notifyScriptableRunAlert: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const stored = await ctx.services.alerts.notify(ctx.viewer, {
        entityName: str(input.entityName), projectName: str(input.projectName), runName: str(input.runName),
        title: str(input.title), text: str(input.text), severity: input.severity, waitMs: input.waitDuration,
      });
      return { success: true, suppressed: stored === null, clientMutationId: input.clientMutationId ?? null };
    },
    addAlertDestination: (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => ctx.services.alerts.addDestination(ctx.viewer, str(input.entityName), {
      kind: str(input.kind) as 'slack' | 'webhook', url: str(input.url), secret: typeof input.secret === 'string' ? input.secret : null,
      description: typeof input.description === 'string' ? input.description : null,
    }),
    removeAlertDestination: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      await ctx.services.alerts.removeDestination(ctx.viewer, str(input.entityName), Number(input.id));
      return true;
    },
    updateAlertSettings: (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => ctx.services.alerts.updateSettings(ctx.viewer, str(input.entityName), {
      runFinished: optBool(input.runFinished), runFailed: optBool(input.runFailed), runCrashed: optBool(input.runCrashed),
    }),
  },
  AlertDestination: {
    kind: (w: Webhook) => (w.format === 'slack' ? 'slack' : 'webhook'),
  },
  RunAlert: {
    waitDuration: (a: AlertWithDeliveries) => a.waitMs,
  },
  RunAlertDelivery: {
    destinationId: (d: WebhookDelivery) => d.webhookId,
  },
  Entity: {
    alertDestinations: (e: Entity, _a: Args, ctx: GqlContext) => orNullIfDenied(() => ctx.services.alerts.listDestinations(ctx.viewer, e.name)),
    alertSettings: (e: Entity, _a: Args, ctx: GqlContext) => orNullIfDenied(() => ctx.services.alerts.settings(ctx.viewer, e.name)),
  },
  Run: {
    alerts: (r: { run: Run; project: Project; entity: Entity }, a: Args, ctx: GqlContext) =>
      ctx.services.alerts.forRun(r.run, typeof a.limit === 'number' ? a.limit : 100),
  },
};
