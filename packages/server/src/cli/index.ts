import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, type Config } from '../config.js';
import { DomainError } from '../core/errors.js';
import { startServer } from '../main.js';
import { openRuntime } from './runtime.js';

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
        server.runtime.logger.info({ signal }, 'shutting down');
        server.close().then(() => process.exit(0), () => process.exit(1));
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
    .action(async (name: string, opts: StorageFlags & { admin?: boolean; email?: string }) => withRuntime(opts, async (rt) => {
      const user = await rt.services.auth.createUser({ username: name, admin: opts.admin ?? false, email: opts.email ?? null });
      const key = await rt.services.auth.createApiKey(user.id, { name: 'created with the user' });
      process.stdout.write(`created user ${user.username}${user.admin ? ' (admin)' : ''}\nAPI key: ${key}\n`);
    }));

  const keys = program.command('keys').description('manage API keys');
  storageFlags(keys.command('create').description('create a new API key for a user and print it'))
    .requiredOption('--user <name>', 'the user the key belongs to')
    .option('--name <label>', 'a label for the key')
    .action(async (opts: StorageFlags & { user: string; name?: string }) => withRuntime(opts, async (rt) => {
      const user = await rt.services.auth.getUser(opts.user);
      process.stdout.write(`${await rt.services.auth.createApiKey(user.id, { name: opts.name ?? null })}\n`);
    }));
  storageFlags(keys.command('revoke <key>').description('revoke an API key; effective immediately'))
    .action(async (key: string, opts: StorageFlags) => withRuntime(opts, async (rt) => {
      await rt.services.auth.revokeApiKey(key);
      process.stdout.write('key revoked\n');
    }));

  return program;
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
