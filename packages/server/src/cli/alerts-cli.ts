import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { DomainError, ErrorCodes } from '../core/errors.js';
import type { Services } from '../core/services.js';

type StorageFlags = { dataDir?: string; databaseUrl?: string };
interface CliKit {
  storageFlags: (cmd: Command) => Command;
  withRuntime: <T>(flags: StorageFlags, fn: (rt: { services: Services }) => Promise<T>) => Promise<T>;
}

const cli = { system: 'cli' } as const;
const onOff = (v: string) => {
  if (v === 'on' || v === 'true') return true;
  if (v === 'off' || v === 'false') return false;
  throw new InvalidArgumentError('must be on or off');
};

/** `cairn alerts …`: where run alerts go, which run-state alerts are on, and what was sent. */
export function registerAlertCommands(program: Command, { storageFlags, withRuntime }: CliKit): void {
  const alerts = program.command('alerts').description('run alerts (run.alert and run-state alerts) and where they are delivered');
  const destinations = alerts.command('destinations').description('Slack incoming webhooks and signed webhooks that receive an entity\'s run alerts');

  storageFlags(destinations.command('add <entity> <kind> <url>')
    .description('deliver the run alerts of <entity> (a user or a team) to <url>; <kind> is slack (an incoming-webhook URL) or '
      + 'webhook (JSON signed with HMAC-SHA256, header X-Cairn-Signature-256: sha256=<hex>)'))
    .option('--secret <secret>', 'signing secret of a webhook destination, 16 characters or more (default: a new random one, printed once)')
    .option('--description <text>', 'a note')
    .action(async (entity: string, kind: string, url: string, opts: StorageFlags & { secret?: string; description?: string }) => withRuntime(opts, async (rt) => {
      if (kind !== 'slack' && kind !== 'webhook') throw new DomainError(ErrorCodes.INVALID_INPUT, `unknown destination kind ${JSON.stringify(kind)}: use slack or webhook`);
      const secret = kind === 'webhook' ? opts.secret ?? randomBytes(24).toString('hex') : opts.secret ?? null;
      const w = await rt.services.alerts.addDestination(cli, entity, { kind, url, secret, description: opts.description ?? null });
      await rt.services.audit.record({ actor: 'cli', action: 'alert_destination.add', target: entity, detail: { id: w.id, kind, url: w.url } });
      process.stdout.write(`added ${kind} destination ${w.id} for ${entity}: ${w.url}\n${kind === 'webhook' && !opts.secret ? `secret: ${secret}\n` : ''}`);
    }));
  storageFlags(destinations.command('list <entity>').description('alert destinations of <entity>'))
    .option('--json', 'one JSON object per line')
    .action(async (entity: string, opts: StorageFlags & { json?: boolean }) => withRuntime(opts, async (rt) => {
      for (const w of await rt.services.alerts.listDestinations(cli, entity)) {
        const kind = w.format === 'slack' ? 'slack' : 'webhook';
        if (opts.json) process.stdout.write(`${JSON.stringify({ id: w.id, kind, url: w.url, description: w.description, createdBy: w.createdBy, createdAt: w.createdAt })}\n`);
        else process.stdout.write(`${[w.id, kind, w.url, w.createdAt.toISOString(), w.createdBy, w.description ?? ''].join('\t')}\n`);
      }
    }));
  storageFlags(destinations.command('remove <entity> <id>').description('stop a destination (its pending deliveries are dropped; the log stays)'))
    .action(async (entity: string, id: string, opts: StorageFlags) => withRuntime(opts, async (rt) => {
      await rt.services.alerts.removeDestination(cli, entity, Number(id));
      await rt.services.audit.record({ actor: 'cli', action: 'alert_destination.remove', target: entity, detail: { id: Number(id) } });
      process.stdout.write(`removed destination ${id} of ${entity}\n`);
    }));

  storageFlags(alerts.command('list <run>').description('alerts sent for <entity>/<project>/<run>, newest first, with each delivery'))
    .option('--limit <n>', 'how many alerts', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
      return n;
    }, 100)
    .option('--json', 'one JSON object per line')
    .action(async (path: string, opts: StorageFlags & { limit: number; json?: boolean }) => withRuntime(opts, async (rt) => {
      const parts = path.split('/');
      if (parts.length !== 3 || parts.some((p) => p === '')) throw new DomainError(ErrorCodes.INVALID_INPUT, `expected <entity>/<project>/<run>, got ${JSON.stringify(path)}`);
      for (const a of await rt.services.alerts.forRunPath(cli, parts[0]!, parts[1]!, parts[2]!, opts.limit)) {
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ...a, deliveries: a.deliveries.map(({ body: _body, ...d }) => d) })}\n`);
          continue;
        }
        process.stdout.write(`${[a.id, a.createdAt.toISOString(), a.level, a.source, a.title].join('\t')}\n`);
        for (const d of a.deliveries) {
          process.stdout.write(`  -> destination ${d.webhookId}\t${d.status}\tattempts=${d.attempts}\t${d.lastStatusCode ?? '-'}\t${d.lastError ?? ''}\n`);
        }
      }
    }));

  storageFlags(alerts.command('settings <entity>').description('show, or switch on/off, the run-state alerts of <entity>\'s runs'))
    .option('--run-finished <on|off>', 'alert when a run finishes', onOff)
    .option('--run-failed <on|off>', 'alert when a run fails (non-zero exit)', onOff)
    .option('--run-crashed <on|off>', 'alert when a run stops sending heartbeats', onOff)
    .action(async (entity: string, opts: StorageFlags & { runFinished?: boolean; runFailed?: boolean; runCrashed?: boolean }) => withRuntime(opts, async (rt) => {
      const change = { runFinished: opts.runFinished, runFailed: opts.runFailed, runCrashed: opts.runCrashed };
      const s = Object.values(change).some((v) => v !== undefined)
        ? await rt.services.alerts.updateSettings(cli, entity, change)
        : await rt.services.alerts.settings(cli, entity);
      process.stdout.write(`run finished: ${s.runFinished ? 'on' : 'off'}\nrun failed: ${s.runFailed ? 'on' : 'off'}\nrun crashed: ${s.runCrashed ? 'on' : 'off'}\n`);
    }));
}
