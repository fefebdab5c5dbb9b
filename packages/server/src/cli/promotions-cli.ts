import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { DomainError, ErrorCodes } from '../core/errors.js';
import type { PromotionEvent } from '../core/promotion-ports.js';
import { parseInstant } from '../core/promotions.js';
import type { Services } from '../core/services.js';

type StorageFlags = { dataDir?: string; databaseUrl?: string };
interface CliKit {
  storageFlags: (cmd: Command) => Command;
  withRuntime: <T>(flags: StorageFlags, fn: (rt: { services: Services }) => Promise<T>) => Promise<T>;
}

const cli = { system: 'cli' } as const;
const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

/** `<org>/<registry>/<collection>` (any entity/project/collection works too) → its parts. */
function collectionPath(path: string) {
  const parts = path.split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    throw new DomainError(ErrorCodes.INVALID_INPUT, `expected <org>/<registry>/<collection>, got ${JSON.stringify(path)}`);
  }
  return { entity: parts[0]!, project: parts[1]!, collection: parts[2]! };
}

function eventLine(e: PromotionEvent, collectionName: string | null): string {
  const v = (n: number | null) => (n === null ? '-' : `v${n}`);
  const change = e.action === 'role_change'
    ? `${String(e.detail?.user)}: ${String(e.detail?.from ?? 'none')} -> ${String(e.detail?.to ?? 'none')}`
    : `${e.alias ?? ''}${e.alias ? ' ' : ''}${v(e.fromVersion)} -> ${v(e.toVersion)}`;
  return [e.at.toISOString(), e.action, collectionName ?? '-', change, `by ${e.actorName}`].join('\t');
}

/** `cairn promotions …` and `cairn webhooks …`. */
export function registerPromotionCommands(program: Command, { storageFlags, withRuntime }: CliKit): void {
  const promotions = program.command('promotions').description('promotion history and protected aliases of registries');

  storageFlags(promotions.command('history <path>')
    .description('events of <org>/<registry>/<collection> (links, unlinks, alias changes), or of a whole <org>/<registry> '
      + '(role changes included), oldest first'))
    .option('--alias <alias>', 'only this alias')
    .option('--limit <n>', 'at most this many events', positive, 1000)
    .option('--json', 'one JSON object per line')
    .action(async (path: string, opts: StorageFlags & { alias?: string; limit: number; json?: boolean }) => withRuntime(opts, async (rt) => {
      const parts = path.split('/');
      let events: PromotionEvent[];
      if (parts.length === 2 && parts.every((p) => p !== '')) {
        if (opts.alias) throw new DomainError(ErrorCodes.INVALID_INPUT, '--alias needs a collection: <org>/<registry>/<collection>');
        const where = await rt.services.promotions.project(cli, parts[0]!, parts[1]!);
        events = await rt.services.promotions.projectHistory(where, { limit: opts.limit });
      } else {
        const p = collectionPath(path);
        const c = await rt.services.promotions.collection(cli, p.entity, p.project, p.collection);
        events = await rt.services.promotions.history(c, { alias: opts.alias ?? null, limit: opts.limit });
      }
      const names = new Map<number, string | null>();
      for (const e of events) {
        if (e.collectionId !== null && !names.has(e.collectionId)) {
          names.set(e.collectionId, (await rt.services.artifacts.artifactStore.findCollectionById(e.collectionId))?.name ?? null);
        }
        const name = e.collectionId === null ? null : names.get(e.collectionId) ?? null;
        process.stdout.write(opts.json ? `${JSON.stringify({ ...e, at: e.at.toISOString(), collection: name })}\n` : `${eventLine(e, name)}\n`);
      }
    }));

  storageFlags(promotions.command('at <path>').description('what an alias of <org>/<registry>/<collection> pointed to at a moment'))
    .requiredOption('--alias <alias>', 'the alias, e.g. production')
    .option('--time <time>', 'ISO-8601 with a zone (2024-05-01T12:00:00Z) or epoch ms; default now')
    .option('--json', 'print JSON')
    .action(async (path: string, opts: StorageFlags & { alias: string; time?: string; json?: boolean }) => withRuntime(opts, async (rt) => {
      const p = collectionPath(path);
      const c = await rt.services.promotions.collection(cli, p.entity, p.project, p.collection);
      const a = await rt.services.promotions.aliasAt(c, opts.alias, opts.time ? parseInstant(opts.time) : new Date());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({
          alias: a.alias, at: a.at.toISOString(), version: a.versionIndex === null ? null : `v${a.versionIndex}`, versionIndex: a.versionIndex,
          artifactId: a.artifactId, since: a.event?.at.toISOString() ?? null, by: a.event?.actorName ?? null, eventId: a.event?.id ?? null,
        })}\n`);
        return;
      }
      if (a.versionIndex === null) {
        const why = a.event ? `removed at ${a.event.at.toISOString()} by ${a.event.actorName}` : 'never set by then';
        process.stdout.write(`${opts.alias} pointed to nothing at ${a.at.toISOString()} (${why})\n`);
      } else {
        process.stdout.write(`${c.collection.name}:${opts.alias} -> v${a.versionIndex} at ${a.at.toISOString()} `
          + `(since ${a.event!.at.toISOString()}, by ${a.event!.actorName})\n`);
      }
    }));

  storageFlags(promotions.command('protected <registry> [aliases...]')
    .description('show, or set, the aliases of <org>/<registry> that only registry admins may add, move or remove'))
    .option('--reset', 'back to the defaults (staging, production)')
    .option('--none', 'protect no alias')
    .action(async (path: string, aliases: string[], opts: StorageFlags & { reset?: boolean; none?: boolean }) => withRuntime(opts, async (rt) => {
      const [org = '', registry = '', ...rest] = path.split('/');
      if (!org || !registry || rest.length > 0) throw new DomainError(ErrorCodes.INVALID_INPUT, `expected <org>/<registry>, got ${JSON.stringify(path)}`);
      if ([opts.reset, opts.none, aliases.length > 0].filter(Boolean).length > 1) {
        throw new DomainError(ErrorCodes.INVALID_INPUT, 'give aliases, --reset or --none, not several');
      }
      const change = opts.reset ? null : opts.none ? [] : aliases.length > 0 ? aliases : undefined;
      const r = change === undefined
        ? await rt.services.promotions.protectedAliases(cli, org, registry)
        : await rt.services.promotions.setProtectedAliases(cli, org, registry, change);
      process.stdout.write(`${r.aliases.length > 0 ? r.aliases.join(', ') : '(none)'}\n`);
    }));

  const webhooks = program.command('webhooks').description('signed HTTP callbacks on registry promotions');
  storageFlags(webhooks.command('add <target> <url>')
    .description('call <url> when an alias moves in any registry of <org>, or in <org>/<registry>; the body is signed with '
      + 'HMAC-SHA256 (header X-Cairn-Signature-256: sha256=<hex>)'))
    .option('--secret <secret>', 'signing secret, 16 characters or more (default: a new random one, printed once)')
    .option('--description <text>', 'a note')
    .action(async (target: string, url: string, opts: StorageFlags & { secret?: string; description?: string }) => withRuntime(opts, async (rt) => {
      const secret = opts.secret ?? randomBytes(24).toString('hex');
      const w = await rt.services.webhooks.add(cli, target, { url, secret, description: opts.description ?? null });
      await rt.services.audit.record({ actor: 'cli', action: 'webhook.add', target, detail: { id: w.id, url: w.url } });
      process.stdout.write(`added webhook ${w.id} on ${target}: ${w.url}\n${opts.secret ? '' : `secret: ${secret}\n`}`);
    }));
  storageFlags(webhooks.command('list <target>').description('webhooks of <org> or <org>/<registry>'))
    .action(async (target: string, opts: StorageFlags) => withRuntime(opts, async (rt) => {
      for (const w of await rt.services.webhooks.list(cli, target)) {
        process.stdout.write(`${w.id}\t${w.url}\t${w.createdAt.toISOString()}\t${w.createdBy}${w.description ? `\t${w.description}` : ''}\n`);
      }
    }));
  storageFlags(webhooks.command('remove <id>').description('stop a webhook (its pending deliveries are dropped; its log stays)'))
    .action(async (id: string, opts: StorageFlags) => withRuntime(opts, async (rt) => {
      await rt.services.webhooks.remove(cli, Number(id));
      await rt.services.audit.record({ actor: 'cli', action: 'webhook.remove', target: id });
      process.stdout.write(`removed webhook ${id}\n`);
    }));
  storageFlags(webhooks.command('deliveries <id>').description('the delivery log of a webhook, newest first'))
    .option('--limit <n>', 'how many', positive, 50)
    .option('--json', 'one JSON object per line')
    .action(async (id: string, opts: StorageFlags & { limit: number; json?: boolean }) => withRuntime(opts, async (rt) => {
      for (const d of await rt.services.webhooks.deliveries(cli, Number(id), opts.limit)) {
        if (opts.json) process.stdout.write(`${JSON.stringify(d)}\n`);
        else {
          process.stdout.write(`${[d.id, d.createdAt.toISOString(), d.eventType, d.status, `attempts=${d.attempts}`,
            d.lastStatusCode ?? '-', d.lastError ?? ''].join('\t')}\n`);
        }
      }
    }));
}
