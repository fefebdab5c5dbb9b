/**
 * Addresses and snippets of the artifact pages. Pure functions: tested in paths.test.ts.
 */
import { pathOf } from '../../app/router';

export const artifactsPath = (entity: string, project: string) => pathOf(entity, project, 'artifacts');
export const collectionPath = (entity: string, project: string, type: string, collection: string) =>
  pathOf(entity, project, 'artifacts', type, collection);
export const versionPath = (entity: string, project: string, type: string, collection: string, version: string, tab?: 'files' | 'lineage') =>
  pathOf(entity, project, 'artifacts', type, collection, version) + (tab ? `?tab=${tab}` : '');
export const runPath = (entity: string, project: string, run: string) => pathOf(entity, project, 'runs', run);
export const storagePath = (entity: string, project: string) => pathOf(entity, project, 'storage');

export const registryHomePath = (org?: string) => (org ? pathOf('registry', org) : '/registry');
/** `registry` is the bare registry name (model), not the project (wandb-registry-model). */
export const registryPath = (org: string, registry: string) => pathOf('registry', org, registry);
export const registryCollectionPath = (org: string, registry: string, collection: string) => pathOf('registry', org, registry, collection);

export const REGISTRY_PREFIX = 'wandb-registry-';
export const registryProject = (registry: string) => (registry.startsWith(REGISTRY_PREFIX) ? registry : REGISTRY_PREFIX + registry);
export const registryName = (project: string) => (project.startsWith(REGISTRY_PREFIX) ? project.slice(REGISTRY_PREFIX.length) : project);

/** A Python string literal (single-quoted) for a snippet: names may hold quotes or backslashes. */
export const pyString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A shell word: bare when it is plain, else single-quoted. */
export const shellWord = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The full name the SDK resolves: entity/project/collection:version. */
export const artifactRef = (entity: string, project: string, collection: string, version: string) =>
  `${entity}/${project}/${collection}:${version}`;

/** Copyable ways to fetch a version: the wandb CLI and the Python SDK (inside a run, and without one). */
export function artifactSnippets(ref: string, type: string): { cli: string; python: string; api: string } {
  return {
    cli: `wandb artifact get ${shellWord(ref)}`,
    python: `artifact = run.use_artifact(${pyString(ref)}, type=${pyString(type)})\npath = artifact.download()`,
    api: `import wandb\nartifact = wandb.Api().artifact(${pyString(ref)})\npath = artifact.download()`,
  };
}

/** A server time: the W&B DateTime scalar is UTC without a zone ("2026-01-01T00:00:00"), so one is added. */
export function serverTime(iso: string): number {
  return Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`);
}

/** The ISO form (with Z) of a server time, for timeAgo and titles; the text unchanged when it does not parse. */
export const utcIso = (iso: string | null | undefined) => {
  if (!iso) return iso ?? null;
  const t = serverTime(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString();
};

/** Expiry of a version: createdAt + TTL, or null when it has none (the wire says -2, or any negative). */
export function expiryOf(createdAt: string, ttlSeconds: number | null | undefined): Date | null {
  if (ttlSeconds == null || ttlSeconds < 0) return null;
  const t = serverTime(createdAt);
  return Number.isNaN(t) ? null : new Date(t + ttlSeconds * 1000);
}

/** "1.5 MB" (decimal units, as the SDK prints sizes). */
export function formatBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** "30 days", "12 hours" for a TTL in seconds; "none" for no TTL. */
export function formatTtl(seconds: number | null | undefined): string {
  if (seconds == null || seconds < 0) return 'none';
  if (seconds === 0) return 'expires at once';
  for (const [unit, size] of [['day', 86_400], ['hour', 3600], ['minute', 60]] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size} ${unit}${seconds / size === 1 ? '' : 's'}`;
  }
  return `${seconds} s`;
}
