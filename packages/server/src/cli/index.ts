import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, type Config } from '../config.js';
import path from 'node:path';
import { DomainError, ErrorCodes } from '../core/errors.js';
import { parseRole } from '../core/orgs.js';
import { checkPasswordPolicy } from '../core/passwords.js';
import type { Role } from '../core/ports.js';
import { parseTtlDefault } from '../core/artifact-ttl.js';
import { startServer } from '../main.js';
import { backupDataDir, restoreDataDir } from './backup.js';
import { openRuntime } from './runtime.js';
import { registerPromotionCommands } from './promotions-cli.js';
import { registerAlertCommands } from './alerts-cli.js';
import { registerProjectCommands } from './projects-cli.js';

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
};

type StorageFlags = { dataDir?: string; databaseUrl?: string };
const storageFlags = (cmd: Command) => cmd
  .option('--data-dir <dir>', 'data directory (SQLite database, blobs) [CAIRN_DATA_DIR]')
  .option('--database-url <url>', 'postgres://… to use PostgreSQL [CAIRN_DATABASE_URL]');

/** Runs `fn` against storage opened from flags/env, then closes it. */
async function withRuntime<T>(flags: StorageFlags, fn: (rt: Awaited<ReturnType<typeof openRuntime>>, config: Config) => Promise<T>) {
  const config = loadConfig({ dataDir: flags.dataDir, databaseUrl: flags.databaseUrl, logLevel: 'warn' }, process.env);
  const rt = await openRuntime(config);
  try {
    return await fn(rt, config);
  } finally {
    await rt.close();
  }
}

export function buildCli(): Command {
  const program = new Command('cairn').description('Cairn: self-hosted experiment tracking for the wandb SDK');

  storageFlags(program.command('serve').description('start the server'))
    .option('--host <host>', 'interface to listen on [CAIRN_HOST]')
    .option('-p, --port <port>', 'port [CAIRN_PORT, default 8080]', int)
    .option('--public-url <url>', 'absolute URL clients use to reach this server [CAIRN_PUBLIC_URL]')
    .option('--test-fixtures-port <port>', 'serve the upstream system-test fixture service on this port', int)
    .action(async (opts: StorageFlags & { host?: string; port?: number; publicUrl?: string; testFixturesPort?: number }) => {
      const config = loadConfig(opts, process.env);
      const server = await startServer(config);
      const shutdown = (signal: string) => {
        server.runtime.logger.info({ signal, delaySeconds: config.shutdownDelaySeconds }, 'shutting down: draining');
        // A request that never ends must not keep the process from exiting.
        setTimeout(() => {
          server.runtime.logger.error({ timeoutSeconds: config.shutdownTimeoutSeconds }, 'shutdown timed out: exiting');
          process.exit(1);
        }, (config.shutdownDelaySeconds + config.shutdownTimeoutSeconds) * 1000).unref();
        server.shutdown().then(() => {
          server.runtime.logger.info('shut down');
          process.exit(0);
        }, (e: unknown) => {
          server.runtime.logger.error({ err: e }, 'shutdown failed');
          process.exit(1);
        });
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });

  storageFlags(program.command('migrate').description('apply database migrations and exit'))
    .action(async (opts: StorageFlags) => withRuntime(opts, async () => {
      process.stdout.write('database is up to date\n');
    }));

  const users = program.command('users').description('manage users');
  storageFlags(users.command('create <name>').description('create a user and print its first API key'))
    .option('--admin', 'make the user a site admin')
    .option('--email <email>', 'email address')
    .option('--password-stdin', 'also set a web sign-in password, read from stdin')
    .option('--service-account', 'a service account (API keys only, no password), member of the team given with --team')
    .option('--team <team>', 'with --service-account: the team it belongs to')
    .action(async (name: string, opts: StorageFlags & { admin?: boolean; email?: string; passwordStdin?: boolean; serviceAccount?: boolean; team?: string }) => withRuntime(opts, async (rt) => {
      if (opts.serviceAccount) {
        if (!opts.team) throw new DomainError(ErrorCodes.INVALID_INPUT, 'a service account belongs to a team: give --team');
        if (opts.admin || opts.passwordStdin) throw new DomainError(ErrorCodes.INVALID_INPUT, 'a service account is no site admin and has no password');
        const sa = await rt.services.orgs.createServiceAccount({ system: 'cli' }, opts.team, { username: name });
        const key = await rt.services.auth.createApiKey(sa.id, { name: 'created with the service account' });
        await rt.services.audit.record({ actor: 'cli', action: 'key.create', target: key.slice(0, 10), detail: { user: sa.username } });
        process.stdout.write(`created service account ${sa.username} in team ${opts.team}\nAPI key: ${key}\n`);
        return;
      }
      if (opts.team) throw new DomainError(ErrorCodes.INVALID_INPUT, '--team goes with --service-account; add people to teams with `cairn members add`');
      // Read (and policy-check) the password before creating anything, so a bad one leaves no half-made user.
      const password = opts.passwordStdin ? await readPassword() : null;
      if (password !== null) checkPasswordPolicy(password);
      const user = await rt.services.auth.createUser({ username: name, admin: opts.admin ?? false, email: opts.email ?? null });
      await rt.services.audit.record({ actor: 'cli', action: 'user.create', target: user.username, detail: { admin: user.admin } });
      if (password !== null) await rt.services.webAuth.setPassword(user.username, password, 'cli');
      const key = await rt.services.auth.createApiKey(user.id, { name: 'created with the user' });
      await rt.services.audit.record({ actor: 'cli', action: 'key.create', target: key.slice(0, 10), detail: { user: user.username } });
      process.stdout.write(`created user ${user.username}${user.admin ? ' (admin)' : ''}\nAPI key: ${key}\n`);
    }));

  storageFlags(users.command('set-password <name>').description('set a user\'s web sign-in password, read from stdin; ends their sessions'))
    .option('--password-stdin', 'read the password from stdin (the default; never pass it as an argument)')
    .action(async (name: string, opts: StorageFlags) => withRuntime(opts, async (rt) => {
      const password = await readPassword();
      await rt.services.webAuth.setPassword(name, password, 'cli');
      process.stdout.write(`password set for ${name}\n`);
    }));

  const cli = { system: 'cli' } as const;
  const orgs = program.command('orgs').description('manage organizations');
  storageFlags(orgs.command('create <name>').description('create an organization and its org entity'))
    .option('--admin <user>', 'its first admin')
    .option('--entity <name>', 'name of the org entity (default: the organization\'s name)')
    .action(async (name: string, opts: StorageFlags & { admin?: string; entity?: string }) => withRuntime(opts, async (rt) => {
      const org = await rt.services.orgs.createOrganization(cli, { name, entityName: opts.entity ?? null, admin: opts.admin ?? null });
      process.stdout.write(`created organization ${org.name}${opts.admin ? ` (admin: ${opts.admin})` : ''}\n`);
    }));
  storageFlags(orgs.command('list').description('list organizations and their teams'))
    .action(async (opts: StorageFlags) => withRuntime(opts, async (rt) => {
      for (const org of await rt.services.meta.listOrganizations()) {
        const teams = await rt.services.meta.listTeamsOfOrganization(org.id);
        process.stdout.write(`${org.name}\t${teams.map((t) => t.name).join(',')}\n`);
      }
    }));

  const teams = program.command('teams').description('manage teams');
  storageFlags(teams.command('create <name>').description('create a team inside an organization'))
    .requiredOption('--org <org>', 'the organization it belongs to')
    .option('--admin <user>', 'its first admin (joins the organization as member if not in it)')
    .action(async (name: string, opts: StorageFlags & { org: string; admin?: string }) => withRuntime(opts, async (rt) => {
      const team = await rt.services.orgs.createTeam(cli, { name, org: opts.org, admin: opts.admin ?? null });
      process.stdout.write(`created team ${team.name} in ${opts.org}\n`);
    }));

  const role = (v: string) => {
    try {
      return parseRole(v);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
  const members = program.command('members').description('members and roles of organizations and teams (admin, member, viewer)');
  storageFlags(members.command('list <org-or-team>').description('list members and their roles'))
    .action(async (target: string, opts: StorageFlags) => withRuntime(opts, async (rt) => {
      for (const m of await rt.services.orgs.listMembers(cli, target)) {
        process.stdout.write(`${m.user.username}\t${m.role}${m.user.serviceAccount ? '\tservice account' : ''}\n`);
      }
    }));
  storageFlags(members.command('add <org-or-team> <user>').description('add a member (to a team: also to its organization)'))
    .option('--role <role>', 'admin, member or viewer', role, 'member')
    .action(async (target: string, who: string, opts: StorageFlags & { role: Role }) => withRuntime(opts, async (rt) => {
      const r = await rt.services.orgs.setMember(cli, target, who, opts.role, { onlyIfNew: true });
      process.stdout.write(`${r.user.username} is now ${r.role} of ${target}\n`);
    }));
  storageFlags(members.command('set-role <org-or-team> <user>').description('change a member\'s role'))
    .requiredOption('--role <role>', 'admin, member or viewer', role)
    .action(async (target: string, who: string, opts: StorageFlags & { role: Role }) => withRuntime(opts, async (rt) => {
      const current = await rt.services.orgs.listMembers(cli, target);
      if (!current.some((m) => m.user.username === who || m.user.email === who)) {
        throw new DomainError(ErrorCodes.NOT_FOUND, `${who} is not a member of ${target}: use \`cairn members add\``);
      }
      const r = await rt.services.orgs.setMember(cli, target, who, opts.role);
      process.stdout.write(`${r.user.username}: ${r.previous ?? 'none'} -> ${r.role} in ${target}\n`);
    }));
  storageFlags(members.command('remove <org-or-team> <user>').description('remove a member (from an organization: also from its teams)'))
    .action(async (target: string, who: string, opts: StorageFlags) => withRuntime(opts, async (rt) => {
      const r = await rt.services.orgs.removeMember(cli, target, who);
      process.stdout.write(`removed ${r.user.username} (${r.previous}) from ${target}\n`);
    }));

  const keys = program.command('keys').description('manage API keys');
  storageFlags(keys.command('create').description('create a new API key for a user and print it'))
    .requiredOption('--user <name>', 'the user the key belongs to')
    .option('--name <label>', 'a label for the key')
    .action(async (opts: StorageFlags & { user: string; name?: string }) => withRuntime(opts, async (rt) => {
      const user = await rt.services.auth.getUser(opts.user);
      const key = await rt.services.auth.createApiKey(user.id, { name: opts.name ?? null });
      await rt.services.audit.record({ actor: 'cli', action: 'key.create', target: key.slice(0, 10), detail: { user: user.username } });
      process.stdout.write(`${key}\n`);
    }));
  storageFlags(keys.command('revoke <key>').description('revoke an API key; effective immediately'))
    .action(async (key: string, opts: StorageFlags) => withRuntime(opts, async (rt) => {
      await rt.services.auth.revokeApiKey(key);
      await rt.services.audit.record({ actor: 'cli', action: 'key.revoke', target: key.slice(0, 10) });
      process.stdout.write('key revoked\n');
    }));

  storageFlags(program.command('audit').description('print the audit log, newest first'))
    .option('--limit <n>', 'how many entries', int, 100)
    .option('--json', 'one JSON object per line')
    .action(async (opts: StorageFlags & { limit: number; json?: boolean }) => withRuntime(opts, async (rt) => {
      for (const e of await rt.services.audit.list(opts.limit)) {
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(e)}\n`);
          continue;
        }
        const cols = [e.at.toISOString(), e.actor ?? '-', e.action, e.target ?? '-', e.ip ?? '-'];
        process.stdout.write(`${cols.join('  ')}${e.detail ? `  ${JSON.stringify(e.detail)}` : ''}\n`);
      }
    }));

  storageFlags(program.command('gc').description('delete artifact versions past their TTL and purge old deletions (also runs hourly in the server)'))
    .option('--as-of <time>', 'act as if it were this ISO time (default: now)')
    .action(async (opts: StorageFlags & { asOf?: string }) => withRuntime(opts, async (rt) => {
      const now = opts.asOf ? Date.parse(opts.asOf) : Date.now();
      if (!Number.isFinite(now)) throw new DomainError(ErrorCodes.INVALID_INPUT, `not a time: ${opts.asOf}`);
      const r = await rt.services.retention.run(now);
      process.stdout.write(`expired ${r.expired} version(s), purged ${r.purged}, deleted ${r.blobsDeleted} blob(s)\n`);
    }));

  storageFlags(program.command('artifacts-restore <id>').description('restore a deleted artifact version (by numeric id) within its grace period'))
    .action(async (id: string, opts: StorageFlags) => withRuntime(opts, async (rt) => {
      if (!(await rt.services.retention.restore(Number(id)))) {
        throw new DomainError(ErrorCodes.NOT_FOUND, `no deleted artifact version ${id} (purged already, or never deleted)`);
      }
      process.stdout.write(`restored artifact ${id}\n`);
    }));

  const artifacts = program.command('artifacts').description('artifact retention settings');
  storageFlags(artifacts.command('ttl-default <target> [value]')
    .description('show or set the TTL that versions of entity/project or entity/project/collection inherit: a duration '
      + '(30d, 12h, 90m, 3600s), `none` (never expire, overriding the project default) or `unset` (remove this level\'s default); '
      + 'a collection default overrides the project\'s; versions with their own TTL keep it'))
    .action(async (target: string, value: string | undefined, opts: StorageFlags) => withRuntime(opts, async (rt) => {
      const defaults = value === undefined
        ? await rt.services.artifactTtl.defaults(target)
        : await rt.services.artifactTtl.setDefault(target, parseTtlDefault(value));
      if (value !== undefined) await rt.services.audit.record({ actor: 'cli', action: 'artifact.ttl-default', target, detail: { value } });
      const show = (s: number | null) => (s === null ? 'unset' : s === 0 ? 'none' : `${s}s`);
      process.stdout.write(`project default: ${show(defaults.project)}${target.split('/').length === 3 ? `\ncollection default: ${show(defaults.collection)}` : ''}\n`);
    }));

  program.command('backup').description('consistent online backup of a data dir (SQLite + blobs), safe while the server runs')
    .requiredOption('--to <dir>', 'a new or empty directory for the backup')
    .option('--data-dir <dir>', 'data directory to back up [CAIRN_DATA_DIR]')
    .option('--database-url <url>', 'PostgreSQL: not done here, see docs/security.md (pg_dump + blobs)')
    .action(async (opts: StorageFlags & { to: string }) => {
      const config = loadConfig({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, logLevel: 'warn' }, process.env);
      if (config.databaseUrl) {
        throw new DomainError(ErrorCodes.INVALID_INPUT,
          'with PostgreSQL, back up with pg_dump and copy the blobs directory: see docs/security.md');
      }
      if (config.blobBackend !== 'fs') {
        // The data dir holds no blobs then: a backup of it alone would look complete and restore empty files.
        throw new DomainError(ErrorCodes.INVALID_INPUT,
          'blobs are in an S3 bucket (CAIRN_BLOB_BACKEND=s3): back up the bucket with the object store\'s own tools');
      }
      const manifest = await backupDataDir(config.dataDir, path.resolve(opts.to)).catch(asCliError);
      const bytes = manifest.files.reduce((n, f) => n + f.size, 0);
      process.stdout.write(`backed up ${manifest.files.length} files (${bytes} bytes) to ${path.resolve(opts.to)}\n`);
    });

  program.command('restore').description('restore a backup made by `cairn backup` into a new data dir')
    .requiredOption('--from <dir>', 'the backup directory')
    .requiredOption('--data-dir <dir>', 'a new or empty data directory to restore into')
    .action(async (opts: { from: string; dataDir: string }) => {
      const manifest = await restoreDataDir(path.resolve(opts.from), path.resolve(opts.dataDir)).catch(asCliError);
      process.stdout.write(`restored ${manifest.files.length} files (checked against the manifest) into ${path.resolve(opts.dataDir)}\n`);
    });

  registerPromotionCommands(program, { storageFlags, withRuntime });
  registerAlertCommands(program, { storageFlags, withRuntime });
  registerProjectCommands(program, { storageFlags, withRuntime });
  return program;
}

/** Backup/restore refusals (not empty, manifest mismatch, …) are messages for the operator, not crashes. */
const asCliError = (e: unknown): never => {
  if (e instanceof Error && !(e instanceof DomainError)) throw new DomainError(ErrorCodes.INVALID_INPUT, e.message);
  throw e;
};

/**
 * A password from stdin: the whole input without its final newline (`printf %s "$PW" | cairn …`), or one
 * line typed at a terminal. Never from argv, where it would show in `ps` and shell history.
 */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password (then Enter): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if (process.stdin.isTTY && String(chunk).includes('\n')) break;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const password = process.stdin.isTTY ? text.split(/\r?\n/)[0] ?? '' : text.replace(/\r?\n$/, '');
  checkPasswordPolicy(password);
  return password;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (e) {
    if (e instanceof DomainError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}
