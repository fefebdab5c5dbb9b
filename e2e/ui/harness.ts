/**
 * The UI suite's harness: a real `cairn serve` on a free port with its own data dir, the cairn CLI against the
 * same storage, the real wandb SDK (a Python venv) to log runs, and headless Debian Chromium via playwright-core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const CAIRN_BIN = path.join(ROOT, 'packages/server/bin/cairn.js');
export const ADMIN_KEY = `local-${'e2e1'.repeat(10)}`;
export const ADMIN_PASSWORD = 'correct horse battery staple';
export const OUT_DIR = path.join(ROOT, 'e2e/.out/ui');
const PYTHON = process.env.CAIRN_E2E_PYTHON ?? path.join(ROOT, '.venv-e2e/wandb-0.31.0/bin/python');
const CHROMIUM = process.env.CAIRN_E2E_CHROMIUM ?? '/usr/bin/chromium';

/** Flags headless Chromium needs in this environment (design.md §4). Playwright adds a fresh --user-data-dir. */
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Cairn { url: string; dataDir: string; workDir: string; logPath: string; stop(): Promise<void> }

/** Starts `cairn serve`; `env` adds settings (e.g. CAIRN_WEBHOOK_ALLOW_CIDRS). */
export async function startCairn(env: Record<string, string> = {}): Promise<Cairn> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-ui-e2e-'));
  const dataDir = path.join(workDir, 'data');
  const port = await freePort();
  const logPath = path.join(workDir, 'server.log');
  const log = fs.openSync(logPath, 'a');
  const proc: ChildProcess = spawn(process.execPath, [CAIRN_BIN, 'serve', '--port', String(port), '--data-dir', dataDir], {
    cwd: ROOT, stdio: ['ignore', log, log],
    env: { ...process.env, CAIRN_ADMIN_KEY: ADMIN_KEY, CAIRN_LOG_LEVEL: 'warn', ...env },
  });
  const url = `http://localhost:${port}`;
  // Generous: on a loaded 2-core CI machine a cold start can take tens of seconds.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`cairn exited early:\n${fs.readFileSync(logPath, 'utf8')}`);
    try {
      if ((await fetch(`${url}/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('cairn did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url, dataDir, workDir, logPath,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 10_000).unref();
    }),
  };
}

/** `cairn <args> --data-dir <server's>`; stdin is piped in (passwords). Returns stdout; throws on failure. */
export function cairnCli(cairn: Cairn, args: string[], stdin = ''): string {
  const r = spawnSync(process.execPath, [CAIRN_BIN, ...args, '--data-dir', cairn.dataDir], {
    cwd: ROOT, input: stdin, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CAIRN_LOG_LEVEL: 'warn' },
  });
  if (r.status !== 0) throw new Error(`cairn ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A working dir and environment for one SDK script: its own wandb dirs, this server, this key. */
function sdkEnv(cairn: Cairn, key: string): { dir: string; env: NodeJS.ProcessEnv } {
  if (!fs.existsSync(PYTHON)) throw new Error(`no wandb SDK venv at ${PYTHON}: run bash scripts/setup-e2e-venvs.sh`);
  const dir = fs.mkdtempSync(path.join(cairn.workDir, 'sdk-'));
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WANDB_')));
  Object.assign(env, {
    WANDB_BASE_URL: cairn.url, WANDB_API_KEY: key, WANDB_DIR: dir, WANDB_CONFIG_DIR: path.join(dir, '.config'),
    WANDB_CACHE_DIR: path.join(dir, '.cache'), WANDB_DATA_DIR: path.join(dir, '.data'), WANDB_CONSOLE: 'auto',
    WANDB__SERVICE_WAIT: '60', WANDB_SILENT: 'true',
  });
  return { dir, env };
}

/** Starts a Python script with the real wandb SDK and does not wait: `done` settles when it exits (rejects on failure). */
export function startSdk(cairn: Cairn, script: string, args: string[], key = ADMIN_KEY): { done: Promise<void>; kill(): void } {
  const { dir, env } = sdkEnv(cairn, key);
  const proc = spawn(PYTHON, [script, ...args], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => { stderr = (stderr + String(d)).slice(-6000); });
  const done = new Promise<void>((resolve, reject) => {
    proc.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`SDK script failed (${code}):\n${stderr}`))));
  });
  return { done, kill: () => { if (proc.exitCode === null) proc.kill('SIGKILL'); } };
}

/** Runs a Python script with the real wandb SDK against the server. */
export function runSdk(cairn: Cairn, script: string, args: string[], key = ADMIN_KEY): { stdout: string; stderr: string } {
  const { dir, env } = sdkEnv(cairn, key);
  const r = spawnSync(PYTHON, [script, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`SDK script failed (${r.status}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-6000)}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}

/** Saves a full-page screenshot a person can look at: e2e/.out/ui/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const file = path.join(OUT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export async function signIn(page: Page, url: string, username: string, password: string) {
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('whoami').waitFor();
}

/** A fresh browser profile (no cookies) and page; uncaught page errors are collected in `pageErrors`. */
export async function watchedPage(browser: Browser, viewport = { width: 1440, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  return { context, page, pageErrors };
}
