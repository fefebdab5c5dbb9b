import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeGqlId } from '@cairn/shared';
import { buildApp } from './app.js';
import { openRuntime, type Runtime } from './cli/runtime.js';
import { loadConfig } from './config.js';
import type { Viewer } from './core/auth.js';
import {
  GRAPHQL_RULES, PERSONAS, ROLES, ROUTE_RULES,
  type GqlCase, type HttpCase, type Outcome, type Persona, type SignedToken, type Target,
} from './auth-matrix-rules.test-support.js';

/**
 * The auth matrix (issue 10): every HTTP route and every GraphQL Query and Mutation field, enumerated from the
 * running app (an onRoute hook) and from its schema (introspection), must have a rule in
 * auth-matrix-rules.test-support.ts; each rule's request is sent as every persona against the real app on real
 * SQLite storage. Allowed personas must succeed; the others get 401, 403, or exactly the answer an object that
 * does not exist gets (404 or null, compared after masking names and ids); denied mutations and state-changing
 * requests change nothing in the database or the blob store.
 */

// Every route the app registers, as Fastify reports it: wrap the factory so the hook is there before the first route.
const registered = vi.hoisted(() => ({ routes: [] as { method: string; url: string }[] }));
vi.mock('fastify', async (importOriginal) => {
  const mod = await importOriginal<typeof import('fastify')>();
  const factory = ((opts?: Parameters<typeof mod.default>[0]) => {
    const app = mod.default(opts);
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) registered.routes.push({ method: String(method), url: route.url ?? route.path });
    });
    return app;
  }) as unknown as typeof mod.default;
  return { ...mod, default: factory };
});

const ADMIN_KEY = `local-${'a'.repeat(40)}`;
const METRICS_TOKEN = 'matrix-metrics-token-0123456789';
const PASSWORD = 'matrix password, long enough';
const key = (c: string) => `local-${c.repeat(40)}`;
const KEYS: Partial<Record<Persona, string>> = {
  outsider: key('1'), orgViewer: key('2'), teamViewer: key('3'), teamMember: key('4'), serviceAccount: key('5'),
  teamAdmin: key('6'), orgAdmin: key('7'), siteAdmin: ADMIN_KEY, wrongKey: key('8'), revokedKey: key('9'),
};
const USERNAMES = {
  outsider: 'outsider', orgViewer: 'org-viewer', teamViewer: 'team-viewer', teamMember: 'team-member',
  teamAdmin: 'team-admin', orgAdmin: 'org-admin',
} as const;
const AUTH: Record<Persona, 'none' | 'invalid' | 'valid'> = {
  anonymous: 'none', wrongKey: 'invalid', revokedKey: 'invalid', endedSession: 'invalid',
  outsider: 'valid', orgViewer: 'valid', teamViewer: 'valid', teamMember: 'valid', serviceAccount: 'valid',
  teamAdmin: 'valid', orgAdmin: 'valid', siteAdmin: 'valid', session: 'valid', sessionNoCsrf: 'valid',
};
const SESSION_PERSONAS: Persona[] = ['session', 'sessionNoCsrf'];
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// ---------- placeholders ----------

const ghostId = (type: string, n: number) => encodeGqlId(type, 90_000_000 + n);
/** What each seeded placeholder is replaced with to ask for an object that does not exist, and which target hides it. */
const PLACEHOLDERS: Record<string, { scope: Target | 'global'; ghost: string }> = {
  team: { scope: 'team', ghost: 'ghost-team' },
  project: { scope: 'team', ghost: 'ghost-proj' },
  run: { scope: 'team', ghost: 'ghost-run' },
  runId: { scope: 'team', ghost: ghostId('Run', 1) },
  artifactId: { scope: 'team', ghost: ghostId('Artifact', 2) },
  sequenceId: { scope: 'team', ghost: ghostId('ArtifactSequence', 3) },
  collection: { scope: 'team', ghost: 'ghost-collection' },
  md5: { scope: 'team', ghost: 'f'.repeat(32) },
  artifactClientId: { scope: 'team', ghost: 'ghost-client-id' },
  personal: { scope: 'personal', ghost: 'ghost-user' },
  diary: { scope: 'personal', ghost: 'ghost-diary' },
  diaryRun: { scope: 'personal', ghost: 'ghost-entry' },
  org: { scope: 'org', ghost: 'ghost-org' },
  orgEntity: { scope: 'org', ghost: 'ghost-org-entity' },
  registry: { scope: 'registry', ghost: 'wandb-registry-ghost' },
  registryId: { scope: 'registry', ghost: ghostId('Project', 4) },
  portfolio: { scope: 'registry', ghost: 'ghost-portfolio' },
  portfolioId: { scope: 'registry', ghost: ghostId('ArtifactPortfolio', 5) },
  modelArtifactId: { scope: 'registry', ghost: ghostId('Artifact', 6) },
  secretRegistry: { scope: 'restricted', ghost: 'wandb-registry-ghost-secret' },
  vault: { scope: 'restricted', ghost: 'ghost-vault' },
  vaultId: { scope: 'restricted', ghost: ghostId('ArtifactPortfolio', 7) },
  secretRegistryId: { scope: 'restricted', ghost: ghostId('Project', 8) },
  viewId: { scope: 'team', ghost: ghostId('View', 9) },
  orgProject: { scope: 'orgProject', ghost: 'ghost-org-proj' },
  orgRun: { scope: 'orgProject', ghost: 'ghost-org-run' },
  publicProject: { scope: 'publicProject', ghost: 'ghost-public-proj' },
  publicRun: { scope: 'publicProject', ghost: 'ghost-public-run' },
  memberName: { scope: 'global', ghost: '' },
  memberPassword: { scope: 'global', ghost: '' },
  token: { scope: 'global', ghost: '' },
};
/** Fresh objects belong to their case's target, except users and teams, which are not what the case is about. */
const FRESH_GHOSTS: Record<string, string> = {
  runId: ghostId('Run', 11), runName: 'ghost-fresh-run', artifactId: ghostId('Artifact', 12), manifestId: ghostId('ArtifactManifest', 12),
  sequenceId: ghostId('ArtifactSequence', 13), collection: 'ghost-fresh-collection', registry: 'wandb-registry-ghost-fresh',
  registryId: ghostId('Project', 14), portfolioId: ghostId('ArtifactPortfolio', 15), keyId: '90000016', destinationId: '90000017',
  viewId: ghostId('View', 18),
};
const GLOBAL_FRESH = new Set(['username', 'userId', 'teamId']);

// ---------- the app ----------

let runtime: Runtime;
let app: FastifyInstance;
let sandbox: string;
let blobDir: string;
const seeded: Record<string, string> = {};
const viewers: Partial<Record<Persona, Viewer>> = {};
const sessions: { session?: { cookie: string; csrf: string }; ended?: string } = {};
const tokens = {} as Record<SignedToken, string> & { runFileKeyBytes: string };
let counter = 0;

const basic = (k: string) => `Basic ${Buffer.from(`api:${k}`).toString('base64')}`;
const inject = (opts: InjectOptions) => app.inject(opts) as Promise<LightMyRequestResponse>;

async function gqlAs(persona: Persona, query: string, variables: Record<string, unknown> = {}) {
  const res = await inject({
    method: 'POST', url: '/graphql', payload: JSON.stringify({ query, variables }),
    headers: { authorization: basic(KEYS[persona]!), 'content-type': 'application/json' },
  });
  const body = res.json() as { data?: any; errors?: { message: string }[] };
  if (res.statusCode !== 200 || body.errors) throw new Error(`setup request failed: ${res.statusCode} ${res.body}`);
  return body.data;
}

async function putSigned(url: string, bytes: Buffer | string) {
  const res = await inject({ method: 'PUT', url: new URL(url).pathname, payload: bytes, headers: { 'content-type': 'application/octet-stream' } });
  if (res.statusCode !== 200) throw new Error(`signed upload failed: ${res.statusCode} ${res.body}`);
}

async function login(): Promise<{ cookie: string; csrf: string }> {
  const res = await inject({
    method: 'POST', url: '/api/v1/session', headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ username: USERNAMES.teamMember, password: PASSWORD }),
  });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const cookie = String(res.headers['set-cookie']).split(';', 1)[0]!;
  return { cookie, csrf: (res.json() as { csrfToken: string }).csrfToken };
}

const unique = () => `m${(++counter).toString(36)}-${randomBytes(3).toString('hex')}`;

/** Logs a committed artifact version with one file (the SDK's sequence of calls), as `persona`. */
async function logArtifact(persona: Persona, input: { entity: string; project: string; type: string; collection: string; clientID?: string; aliases?: string[]; file?: { name: string; bytes: Buffer } }) {
  const created = await gqlAs(persona, 'mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id artifactSequence { id } } } }', { i: {
    entityName: input.entity, projectName: input.project, artifactTypeName: input.type, artifactCollectionName: input.collection,
    digest: randomBytes(16).toString('hex'), digestAlgorithm: 'MANIFEST_MD5', clientID: input.clientID ?? null,
    aliases: (input.aliases ?? []).map((alias) => ({ artifactCollectionName: input.collection, alias })),
  } });
  const artifactId = created.createArtifact.artifact.id as string;
  const contents: Record<string, { digest: string; size: number }> = {};
  if (input.file) {
    const md5 = createHash('md5').update(input.file.bytes).digest('base64');
    const files = await gqlAs(persona, 'mutation($i: CreateArtifactFilesInput!) { createArtifactFiles(input: $i) { files { edges { node { uploadUrl } } } } }',
      { i: { artifactFiles: [{ artifactID: artifactId, name: input.file.name, md5 }], storageLayout: 'V2' } });
    const uploadUrl = files.createArtifactFiles.files.edges[0].node.uploadUrl as string | null;
    if (uploadUrl) await putSigned(uploadUrl, input.file.bytes);
    contents[input.file.name] = { digest: md5, size: input.file.bytes.length };
  }
  await uploadManifest(persona, artifactId, input.entity, input.project, contents);
  await gqlAs(persona, 'mutation($i: CommitArtifactInput!) { commitArtifact(input: $i) { artifact { id } } }', { i: { artifactID: artifactId } });
  return { artifactId, sequenceId: created.createArtifact.artifact.artifactSequence.id as string };
}

async function uploadManifest(persona: Persona, artifactId: string, entity: string, project: string, contents: Record<string, unknown>) {
  const m = await gqlAs(persona, 'mutation($i: CreateArtifactManifestInput!) { createArtifactManifest(input: $i) { artifactManifest { id file { uploadUrl } } } }',
    { i: { artifactID: artifactId, name: 'wandb_manifest.json', digest: 'd', entityName: entity, projectName: project, type: 'FULL' } });
  const manifest = { version: 1, storagePolicy: 'wandb-storage-policy-v1', storagePolicyConfig: { storageLayout: 'V2' }, contents };
  await putSigned(m.createArtifactManifest.artifactManifest.file.uploadUrl as string, JSON.stringify(manifest));
  return m.createArtifactManifest.artifactManifest.id as string;
}

async function pendingArtifact(collection = 'team-ds') {
  const created = await gqlAs('siteAdmin', 'mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }', { i: {
    entityName: seeded.team, projectName: seeded.project, artifactTypeName: 'dataset', artifactCollectionName: collection,
    digest: randomBytes(16).toString('hex'), digestAlgorithm: 'MANIFEST_MD5',
  } });
  return created.createArtifact.artifact.id as string;
}

beforeAll(async () => {
  sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-authmatrix-'));
  const dataDir = path.join(sandbox, 'data');
  blobDir = path.join(dataDir, 'blobs');
  // A stand-in web UI build, so its routes exist too.
  const webDir = path.join(sandbox, 'web');
  fs.mkdirSync(path.join(webDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>Cairn</title>');
  fs.writeFileSync(path.join(webDir, 'assets', 'app.js'), 'console.log("cairn")');
  // Background jobs off: the database must change only through the requests under test.
  const config = loadConfig({
    dataDir, adminKey: ADMIN_KEY, logLevel: 'silent', metricsToken: METRICS_TOKEN, webDir,
    webhookAllowCidrs: '127.0.0.1/32', crashCheckIntervalSeconds: 86_400, heartbeatTimeoutSeconds: 86_400, retentionIntervalSeconds: 86_400,
  }, {});
  runtime = await openRuntime(config);
  const { services } = runtime;
  await services.auth.bootstrapAdmin(config.adminUsername, config.adminKey);
  app = await buildApp({
    services, fileStreamBodyLimit: config.fileStreamBodyLimit, logger: runtime.logger, metricsToken: config.metricsToken, webDir,
  });

  // People, the organization and the team.
  const { auth, orgs, meta, registries } = services;
  for (const [persona, username] of Object.entries(USERNAMES) as [Persona, string][]) {
    const user = await auth.createUser({ username, email: `${username}@example.com` });
    await auth.createApiKey(user.id, { key: KEYS[persona]! });
    viewers[persona] = { user };
  }
  viewers.siteAdmin = { user: (await meta.findUserByUsername(config.adminUsername))! };
  const member = viewers.teamMember!.user;
  await auth.createApiKey(member.id, { key: KEYS.revokedKey! });
  await auth.revokeApiKey(KEYS.revokedKey!);
  const cli = { system: 'cli' } as const;
  await orgs.createOrganization(cli, { name: 'acme', entityName: 'acme-org', admin: USERNAMES.orgAdmin });
  await orgs.createTeam(cli, { name: 'team-ml', org: 'acme' });
  await orgs.setMember(cli, 'team-ml', USERNAMES.teamViewer, 'viewer');
  await orgs.setMember(cli, 'team-ml', USERNAMES.teamMember, 'member');
  await orgs.setMember(cli, 'team-ml', USERNAMES.teamAdmin, 'admin');
  await orgs.setMember(cli, 'acme', USERNAMES.orgViewer, 'viewer');
  const bot = await orgs.createServiceAccount(cli, 'team-ml', { username: 'team-ml-bot', description: 'CI' });
  await auth.createApiKey(bot.id, { key: KEYS.serviceAccount! });
  viewers.serviceAccount = { user: bot };
  await services.webAuth.setPassword(USERNAMES.teamMember, PASSWORD, 'cli');
  sessions.session = await login();
  const ended = await login();
  await inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: ended.cookie, 'x-csrf-token': ended.csrf } });
  sessions.ended = ended.cookie;

  Object.assign(seeded, {
    team: 'team-ml', project: 'team-proj', run: 'team-run-1', personal: USERNAMES.outsider, diary: 'diary', diaryRun: 'diary-entry',
    org: 'acme', orgEntity: 'acme-org', collection: 'team-ds', memberName: USERNAMES.teamMember, memberPassword: PASSWORD,
    registry: 'wandb-registry-model', portfolio: 'champion', secretRegistry: 'wandb-registry-secret', vault: 'vault',
    artifactClientId: `client-${randomBytes(8).toString('hex')}`,
  });

  // The team project, as the team member's SDK would log it: a run with history, a file, two artifacts.
  const run = await gqlAs('teamMember', 'mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { id } } }',
    { i: { entityName: seeded.team, modelName: seeded.project, name: seeded.run } });
  seeded.runId = run.upsertBucket.bucket.id;
  const stream = await inject({
    method: 'POST', url: `/files/${seeded.team}/${seeded.project}/${seeded.run}/file_stream`,
    headers: { authorization: basic(KEYS.teamMember!), 'content-type': 'application/json' },
    payload: JSON.stringify({ files: { 'wandb-history.jsonl': { offset: 0, content: ['{"_step": 0, "loss": 1}', '{"_step": 1, "loss": 0.5}'] } } }),
  });
  expect(stream.statusCode).toBe(200);
  const runFiles = await gqlAs('teamMember', 'mutation($i: CreateRunFilesInput!) { createRunFiles(input: $i) { files { name uploadUrl } } }',
    { i: { entityName: seeded.team, projectName: seeded.project, runName: seeded.run, files: ['notes.txt', 'upload.txt'] } });
  const [notes, upload] = runFiles.createRunFiles.files as { uploadUrl: string }[];
  tokens.runFileKeyBytes = 'the run file notes.txt';
  await putSigned(notes!.uploadUrl, tokens.runFileKeyBytes);
  tokens.runFilePut = new URL(upload!.uploadUrl).pathname.split('/')[3]!;
  const files = await gqlAs('teamMember', 'query($e: String, $p: String, $r: String!) { project(entityName: $e, name: $p) { run(name: $r) { files { edges { node { name url } } } } } }',
    { e: seeded.team, p: seeded.project, r: seeded.run });
  const notesUrl = (files.project.run.files.edges as { node: { name: string; url: string } }[]).find((e) => e.node.name === 'notes.txt')!.node.url;
  tokens.runFileGet = new URL(notesUrl).pathname.split('/')[3]!;

  const dataBytes = Buffer.from('the artifact file data.txt');
  seeded.md5 = createHash('md5').update(dataBytes).digest('hex');
  const ds = await logArtifact('teamMember', {
    entity: seeded.team!, project: seeded.project!, type: 'dataset', collection: seeded.collection!, clientID: seeded.artifactClientId!,
    file: { name: 'data.txt', bytes: dataBytes },
  });
  seeded.artifactId = ds.artifactId;
  seeded.sequenceId = ds.sequenceId;
  const dsFiles = await gqlAs('teamMember', 'query($id: ID!) { artifact(id: $id) { files { edges { node { url } } } } }', { id: ds.artifactId });
  tokens.artifactFileGet = new URL(dsFiles.artifact.files.edges[0].node.url as string).pathname.split('/')[3]!;
  const model = await logArtifact('teamMember', { entity: seeded.team!, project: seeded.project!, type: 'model', collection: 'team-model', file: { name: 'weights.bin', bytes: randomBytes(64) } });
  seeded.modelArtifactId = model.artifactId;

  // Registries: the org-visible core one (the team member is a member of it), and a restricted one.
  const orgAdmin = viewers.orgAdmin!;
  const orgEntity = (await meta.findEntityByName(seeded.orgEntity!))!;
  const modelRegistry = (await registries.registry(orgAdmin, orgEntity, seeded.registry!))!;
  await registries.registry(orgAdmin, orgEntity, 'wandb-registry-dataset');
  seeded.registryId = encodeGqlId('Project', modelRegistry.project.id);
  await registries.setMembers(orgAdmin, seeded.registryId, { userIds: [encodeGqlId('User', member.id)], teamIds: [] }, 'member');
  const linkInto = async (projectName: string, portfolioName: string) => {
    const m = await registries.link(orgAdmin, {
      artifactID: seeded.modelArtifactId!, clientID: null, entityName: seeded.orgEntity!, projectName, portfolioName, aliases: [],
    });
    return encodeGqlId('ArtifactPortfolio', m.collection.id);
  };
  seeded.portfolioId = await linkInto(seeded.registry!, seeded.portfolio!);
  const secret = await registries.upsert(orgAdmin, orgEntity, { name: seeded.secretRegistry!, access: 'RESTRICTED' });
  seeded.secretRegistryId = encodeGqlId('Project', secret.registry.project.id);
  await registries.setMembers(orgAdmin, seeded.secretRegistryId,
    { userIds: [encodeGqlId('User', viewers.teamAdmin!.user.id)], teamIds: [] }, 'viewer');
  seeded.vaultId = await linkInto(seeded.secretRegistry!, seeded.vault!);

  // The team's org-visible and public projects, each with a run.
  Object.assign(seeded, { orgProject: 'team-org-proj', orgRun: 'org-run-1', publicProject: 'team-public-proj', publicRun: 'public-run-1' });
  for (const [project, runName, visibility] of [[seeded.orgProject, seeded.orgRun, 'organization'], [seeded.publicProject, seeded.publicRun, 'public']] as const) {
    await gqlAs('teamMember', 'mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { id } } }',
      { i: { entityName: seeded.team, modelName: project, name: runName } });
    await services.projectVisibility.setVisibility(cli, `${seeded.team}/${project}`, visibility);
  }

  // The outsider's own private project.
  await gqlAs('outsider', 'mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { id } } }',
    { i: { entityName: seeded.personal, modelName: seeded.diary, name: seeded.diaryRun } });
  // A report in the team project, saved by the team member.
  const report = await services.reports.upsert(viewers.teamMember!, { entityName: seeded.team, projectName: seeded.project, spec: '{"blocks":[]}', displayName: 'matrix' });
  seeded.viewId = encodeGqlId('View', report.saved.view.id);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await runtime?.close();
  if (sandbox) fs.rmSync(sandbox, { recursive: true, force: true });
});

// ---------- fresh objects ----------

/** Makes the case's fresh object; returns its placeholders (`fresh.*`). */
async function makeFresh(kind: string, persona: Persona): Promise<Record<string, string>> {
  const { services } = runtime;
  const cli = { system: 'cli' } as const;
  switch (kind) {
    case 'run': {
      const name = `fresh-${unique()}`;
      const made = await gqlAs('siteAdmin', 'mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { id } } }',
        { i: { entityName: seeded.team, modelName: seeded.project, name } });
      return { runId: made.upsertBucket.bucket.id, runName: name };
    }
    case 'pendingArtifact': return { artifactId: await pendingArtifact() };
    case 'manifest': {
      const artifactId = await pendingArtifact();
      return { manifestId: await uploadManifest('siteAdmin', artifactId, seeded.team!, seeded.project!, {}) };
    }
    case 'uploadedManifest': {
      const artifactId = await pendingArtifact();
      await uploadManifest('siteAdmin', artifactId, seeded.team!, seeded.project!, {});
      return { artifactId };
    }
    case 'committedArtifact': {
      const collection = `fresh-${unique()}`;
      const made = await logArtifact('siteAdmin', { entity: seeded.team!, project: seeded.project!, type: 'dataset', collection, aliases: ['old'] });
      return { ...made, collection };
    }
    case 'newUser': {
      const user = await services.auth.createUser({ username: `user-${unique()}` });
      return { username: user.username };
    }
    case 'orgUser':
    case 'teamUser': {
      const user = await services.auth.createUser({ username: `user-${unique()}` });
      await services.orgs.setMember(cli, kind === 'orgUser' ? 'acme' : seeded.team!, user.username, 'member');
      return { userId: encodeGqlId('User', user.id) };
    }
    case 'team': {
      const made = await services.orgs.createTeam(cli, { name: `team-${unique()}`, org: 'acme' });
      return { teamId: encodeGqlId('Entity', made.id) };
    }
    case 'registry': {
      const orgEntity = (await services.meta.findEntityByName(seeded.orgEntity!))!;
      const { registry } = await services.registries.upsert(viewers.orgAdmin!, orgEntity, { name: `wandb-registry-${unique()}` });
      const registryId = encodeGqlId('Project', registry.project.id);
      await services.registries.setMembers(viewers.orgAdmin!, registryId, { userIds: [encodeGqlId('User', viewers.teamMember!.user.id)], teamIds: [] }, 'member');
      return { registry: registry.project.name, registryId };
    }
    case 'link': {
      const m = await services.registries.link(viewers.orgAdmin!, {
        artifactID: seeded.modelArtifactId!, clientID: null, entityName: seeded.orgEntity!, projectName: seeded.registry!, portfolioName: `fresh-${unique()}`, aliases: [],
      });
      return { artifactId: seeded.modelArtifactId!, portfolioId: encodeGqlId('ArtifactPortfolio', m.collection.id) };
    }
    case 'ownKey': {
      const made = await services.apiKeys.create(viewers.teamMember!, 'fresh', null);
      return { keyId: String(made.id) };
    }
    case 'alertDestination': {
      const made = await services.alerts.addDestination(viewers.siteAdmin!, seeded.orgEntity!, {
        kind: 'webhook', url: 'http://127.0.0.1:9/matrix', secret: 'matrix-secret-0123456789',
      });
      return { destinationId: String(made.id) };
    }
    case 'view':
    case 'viewDraft': {
      // A draft is its author's alone: each persona publishes its own (made by the site admin for those who cannot write).
      const author = kind === 'viewDraft' && ['teamMember', 'serviceAccount', 'teamAdmin', 'orgAdmin'].includes(persona) ? viewers[persona]!
        : kind === 'viewDraft' && SESSION_PERSONAS.includes(persona) ? viewers.teamMember! : viewers.siteAdmin!;
      const made = await services.reports.upsert(author, {
        entityName: seeded.team, projectName: seeded.project, spec: '{}', type: kind === 'viewDraft' ? 'runs/draft' : 'runs',
      });
      return { viewId: encodeGqlId('View', made.saved.view.id) };
    }
    case 'session': return SESSION_PERSONAS.includes(persona) ? { sessionCookie: JSON.stringify(await login()) } : {};
    default: throw new Error(`no fresh factory ${kind}`);
  }
}

// ---------- requests ----------

interface Sent { status: number; statusMessage: string; body: string; json: any }

function credentials(persona: Persona, method: string, freshSession?: { cookie: string; csrf: string }): Record<string, string> {
  const live = freshSession ?? sessions.session!;
  switch (persona) {
    case 'anonymous': return {};
    case 'endedSession': return { cookie: sessions.ended! };
    case 'session': return UNSAFE.has(method) ? { cookie: live.cookie, 'x-csrf-token': live.csrf } : { cookie: live.cookie };
    case 'sessionNoCsrf': return { cookie: live.cookie };
    default: return { authorization: basic(KEYS[persona]!) };
  }
}

function fill(value: unknown, vals: Record<string, string>): unknown {
  if (typeof value === 'string') {
    const numeric = /^\{#([\w.]+)\}$/.exec(value);
    if (numeric) return Number(fill(`{${numeric[1]}}`, vals));
    return value.replace(/\{([\w.]+)\}/g, (_m, name: string) => {
      if (!(name in vals)) throw new Error(`no value for {${name}}`);
      return vals[name]!;
    });
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, vals));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, vals)]));
  return value;
}

function placeholdersIn(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') for (const m of value.matchAll(/\{#?([\w.]+)\}/g)) out.add(m[1]!);
  else if (Array.isArray(value)) value.forEach((v) => placeholdersIn(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => placeholdersIn(v, out));
  return out;
}

type AnyCase = (GqlCase & { kind: 'gql' }) | (HttpCase & { kind: 'http' });

async function send(c: AnyCase, persona: Persona, vals: Record<string, string>, method?: string): Promise<Sent> {
  const freshSession = vals.sessionCookie ? JSON.parse(vals.sessionCookie) as { cookie: string; csrf: string } : undefined;
  let res: LightMyRequestResponse;
  if (c.kind === 'gql') {
    res = await inject({
      method: 'POST', url: '/graphql', payload: JSON.stringify({ query: c.query, variables: fill(c.variables ?? {}, vals) }),
      headers: { ...credentials(persona, 'POST', freshSession), 'content-type': 'application/json' },
    });
  } else {
    const m = method ?? c.method;
    const body = c.body === undefined ? undefined : fill(c.body, vals);
    const headers: Record<string, string> = { ...credentials(persona, m, freshSession) };
    if (body !== undefined) headers['content-type'] = typeof body === 'string' ? 'application/octet-stream' : 'application/json';
    res = await inject({
      method: m as 'GET', url: fill(c.url, vals) as string, headers,
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  }
  let json: unknown = null;
  try {
    json = res.body ? JSON.parse(res.body) : null;
  } catch { /* not JSON: compared as text */ }
  return { status: res.statusCode, statusMessage: res.statusMessage, body: res.body, json };
}

const probeOf = (data: unknown, dotted: string) => dotted.split('.').reduce<any>((v, k) => (v == null ? v : v[k]), data);
const present = (v: unknown) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0);

/** Whether an answer is the outcome expected; a reason when it is not. */
function judge(c: AnyCase, expected: Outcome, got: Sent): string | null {
  const errors = got.json?.errors as unknown[] | undefined;
  if (expected === 401 || expected === 403) return got.status === expected ? null : `expected ${expected}`;
  if (c.kind === 'gql') {
    const value = probeOf(got.json?.data, c.probe);
    if (expected === 'success') return got.status === 200 && !errors && present(value) ? null : `expected success with ${c.probe} set`;
    const hidden = c.hidden ?? (c.query.trimStart().startsWith('mutation') ? '404' : 'null');
    if (hidden === '404') return got.status === 404 ? null : 'expected 404 (hidden)';
    if (hidden === 'noop') return got.status === 200 && !errors ? null : 'expected a 200 that changes nothing (hidden)';
    return got.status === 200 && !errors && !present(value) ? null : `expected 200 with ${c.probe} null or empty (hidden)`;
  }
  if (expected === 'success') return got.status === (c.status ?? 200) ? null : `expected ${c.status ?? 200}`;
  return got.status === 404 ? null : 'expected 404 (hidden)';
}

function expectedOutcome(c: AnyCase, persona: Persona): Outcome {
  const override = c.expect?.[persona];
  if (override !== undefined) return override;
  if (c.needs === 'public') return 'success';
  if (c.needs === 'metricsToken') return 401;
  if (AUTH[persona] !== 'valid') return 401;
  const method = c.kind === 'gql' ? 'POST' : c.method;
  if (persona === 'sessionNoCsrf' && UNSAFE.has(method)) return 403;
  if (c.needs === 'authenticated') return 'success';
  if (c.needs === 'session') return SESSION_PERSONAS.includes(persona) ? 'success' : 401;
  if (c.needs === 'siteAdmin') return persona === 'siteAdmin' ? 'success' : 403;
  const role = ROLES[c.target!][persona];
  if (!role) return 'hidden';
  if (c.needs === 'read') return 'success';
  if (c.needs === 'write') return role === 'viewer' ? 403 : 'success';
  return role === 'admin' ? 'success' : 403;
}

/** Names and ids masked, so an answer about a hidden object can be compared with one about a missing object. */
function masked(sent: Sent, masks: [string, string][]): string {
  const text = `${sent.status} ${sent.statusMessage}\n${sent.body}`;
  const labels = new Map(masks.filter(([value]) => value !== ''));
  if (labels.size === 0) return text;
  // One pass, longest first, whole tokens only: a mask never rewrites another mask's output.
  const alternatives = [...labels.keys()].sort((a, b) => b.length - a.length).map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`(?<![A-Za-z0-9_=-])(?:${alternatives.join('|')})(?![A-Za-z0-9_=-])`, 'g');
  return text.replace(pattern, (value) => `<${labels.get(value)}>`);
}

const EXCLUDED_TABLES = /^(audit_log|sessions|series_.*|kysely_.*|sqlite_.*)$/;
/** Everything a request could change: every table's rows (but the audit log and sessions) and the blobs on disk. */
async function fingerprint(): Promise<string> {
  const db = runtime.sqlDb.db;
  const tables = (await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(db)).rows
    .map((r) => r.name).filter((n) => !EXCLUDED_TABLES.test(n));
  const hash = createHash('sha256');
  for (const t of tables) hash.update(`${t}\n${JSON.stringify((await sql`select * from ${sql.table(t)}`.execute(db)).rows)}\n`);
  const blobs = fs.existsSync(blobDir) ? fs.readdirSync(blobDir, { recursive: true, withFileTypes: true }) : [];
  for (const d of blobs) if (d.isFile() && !d.parentPath.includes(`${path.sep}.tmp`)) hash.update(path.join(d.parentPath, d.name));
  return hash.digest('hex');
}

const summary = { endpoints: new Set<string>(), cases: 0, requests: 0, leakChecks: 0 };

/** Runs one case as every persona; returns the failures. */
async function runCase(label: string, c: AnyCase): Promise<string[]> {
  const failures: string[] = [];
  const used = [...placeholdersIn([c.kind === 'gql' ? c.variables : c.body, c.kind === 'http' ? c.url : null])];
  const unauthorised: Partial<Record<Persona, string>> = {};
  summary.cases++;
  for (const persona of PERSONAS) {
    const expected = expectedOutcome(c, persona);
    const fresh = c.fresh ? await makeFresh(c.fresh, persona) : {};
    const vals: Record<string, string> = {
      ...seeded, ...Object.fromEntries(Object.entries(fresh).map(([k, v]) => [`fresh.${k}`, v])),
      sessionCookie: fresh.sessionCookie ?? '', unique: unique(), uniqueDigest: randomBytes(16).toString('hex'),
      uniqueHex: randomBytes(16).toString('hex'), uniqueMd5: randomBytes(16).toString('base64'),
    };
    // Denied mutations and state-changing routes must change nothing (reads are not fingerprinted: it is slow).
    const watch = expected !== 'success' && (c.kind === 'gql' ? c.query.trimStart().startsWith('mutation') : UNSAFE.has(c.method));
    const before = watch ? await fingerprint() : '';
    const got = await send(c, persona, vals);
    summary.requests++;
    const wrong = judge(c, expected, got);
    if (wrong) failures.push(`${label} as ${persona}: ${wrong}, got ${got.status} ${got.body.slice(0, 300)}`);
    if (c.kind === 'http' && c.method === 'GET') {
      const head = await send(c, persona, vals, 'HEAD');
      summary.requests++;
      if (head.status !== got.status) failures.push(`${label} as ${persona}: HEAD answered ${head.status}, GET ${got.status}`);
    }
    if (expected === 401) unauthorised[persona] = masked(got, []);

    // Leaks: a hidden object (or any object, before authentication) answers like a missing one.
    if (expected === 'hidden' || expected === 401) {
      const ghostable = used.filter((name) => {
        const scope = scopeOf(name, c);
        return scope !== 'global' && (expected === 401 || !ROLES[scope][persona]);
      });
      const variants: string[][] = expected === 401 || ghostable.length === 1 ? [ghostable] : [...ghostable.map((g) => [g]), ghostable];
      const masks: [string, string][] = [];
      for (const name of used) {
        const values = [vals[name]!, ...(ghostable.includes(name) ? [ghostOf(name)] : [])];
        // Registries are also named without their project prefix (registry "model" for wandb-registry-model).
        for (const v of values) masks.push([v, name], [v.startsWith('wandb-registry-') ? v.slice('wandb-registry-'.length) : '', name]);
      }
      masks.push([vals.unique!, 'unique']);
      for (const variant of variants.filter((v) => v.length > 0)) {
        const ghostVals = { ...vals, ...Object.fromEntries(variant.map((name) => [name, ghostOf(name)])) };
        const missing = await send(c, persona, ghostVals);
        summary.requests++;
        summary.leakChecks++;
        const a = masked(got, masks);
        const b = masked(missing, masks);
        if (a !== b) failures.push(`LEAK ${label} as ${persona}: an existing but hidden object answers differently from a missing one (ghost ${variant.join(', ')}):\n  hidden:  ${a.slice(0, 400)}\n  missing: ${b.slice(0, 400)}`);
      }
    }
    if (watch) {
      const after = await fingerprint();
      if (after !== before) failures.push(`${label} as ${persona}: denied (${got.status}) but the database or blob store changed`);
    }
  }
  // A revoked key must look exactly like a key that never existed.
  if (unauthorised.revokedKey !== undefined && unauthorised.revokedKey !== unauthorised.wrongKey) {
    failures.push(`LEAK ${label}: a revoked key answers differently from an unknown key:\n  revoked: ${unauthorised.revokedKey}\n  unknown: ${unauthorised.wrongKey}`);
  }
  return failures;
}

function scopeOf(name: string, c: AnyCase): Target | 'global' {
  if (name.startsWith('fresh.')) return GLOBAL_FRESH.has(name.slice(6)) ? 'global' : (c.target ?? 'global');
  if (name.startsWith('unique')) return 'global';
  const p = PLACEHOLDERS[name];
  if (!p) throw new Error(`placeholder {${name}} has no entry in PLACEHOLDERS`);
  return p.scope;
}

function ghostOf(name: string): string {
  if (name.startsWith('fresh.')) return FRESH_GHOSTS[name.slice(6)] ?? (() => { throw new Error(`no ghost for {${name}}`); })();
  return PLACEHOLDERS[name]!.ghost;
}

const casesOf = <T>(rule: T | T[]) => (Array.isArray(rule) ? rule : [rule]);
const labelOf = (key: string, c: { name?: string }) => (c.name ? `${key} [${c.name}]` : key);

// ---------- coverage: every endpoint has a rule ----------

async function schemaFields(): Promise<string[]> {
  const res = await inject({
    method: 'POST', url: '/graphql', headers: { authorization: basic(ADMIN_KEY), 'content-type': 'application/json' },
    payload: JSON.stringify({ query: '{ __schema { queryType { fields { name } } mutationType { fields { name } } } }' }),
  });
  const schema = (res.json() as { data: { __schema: { queryType: { fields: { name: string }[] }; mutationType: { fields: { name: string }[] } } } }).data.__schema;
  return [...schema.queryType.fields.map((f) => `Query.${f.name}`), ...schema.mutationType.fields.map((f) => `Mutation.${f.name}`)];
}

/** Routes as `METHOD url`; the HEAD routes Fastify adds for GET routes are covered by their GET rule. */
function routeKeys(): string[] {
  const keys = new Set(registered.routes.map((r) => `${r.method} ${r.url}`));
  return [...keys].filter((k) => !(k.startsWith('HEAD ') && keys.has(`GET ${k.slice(5)}`))).sort();
}

describe('the rules cover every endpoint', () => {
  it('every GraphQL Query and Mutation field of the built schema has a rule, and every rule names a field', async () => {
    const fields = await schemaFields();
    expect(fields.length).toBeGreaterThan(40);
    const missing = fields.filter((f) => !(f in GRAPHQL_RULES));
    expect(missing, `GraphQL fields without a rule in auth-matrix-rules.test-support.ts: ${missing.join(', ')}`).toEqual([]);
    const stale = Object.keys(GRAPHQL_RULES).filter((k) => !fields.includes(k));
    expect(stale, `rules for fields the schema no longer has: ${stale.join(', ')}`).toEqual([]);
  });

  it('every HTTP route the app registers has a rule, and every rule names a route', () => {
    const routes = routeKeys();
    expect(routes).toContain('POST /graphql');
    const missing = routes.filter((r) => !(r in ROUTE_RULES));
    expect(missing, `routes without a rule in auth-matrix-rules.test-support.ts: ${missing.join(', ')}`).toEqual([]);
    const stale = Object.keys(ROUTE_RULES).filter((k) => !routes.includes(k));
    expect(stale, `rules for routes the app no longer has: ${stale.join(', ')}`).toEqual([]);
  });
});

describe('the matrix\'s own checks can fail', () => {
  it('the change detector sees an updated row and a new blob', async () => {
    const before = await fingerprint();
    await gqlAs('siteAdmin', 'mutation($i: UpdateArtifactInput!) { updateArtifact(input: $i) { artifact { id } } }',
      { i: { artifactID: seeded.artifactId, description: `changed ${unique()}` } });
    const afterRow = await fingerprint();
    expect(afterRow).not.toBe(before);
    const made = await gqlAs('siteAdmin', 'mutation($i: CreateRunFilesInput!) { createRunFiles(input: $i) { files { uploadUrl } } }',
      { i: { entityName: seeded.team, projectName: seeded.project, runName: seeded.run, files: [`${unique()}.txt`] } });
    const beforeBlob = await fingerprint();
    await putSigned(made.createRunFiles.files[0].uploadUrl as string, 'bytes');
    expect(await fingerprint()).not.toBe(beforeBlob);
  });

  it('masking hides only the names it is given', () => {
    const answer = (body: string): Sent => ({ status: 404, statusMessage: 'Not Found', body, json: null });
    const masks: [string, string][] = [['team-ml', 'team'], ['ghost-team', 'team']];
    expect(masked(answer('entity team-ml not found'), masks)).toBe(masked(answer('entity ghost-team not found'), masks));
    expect(masked(answer('entity team-ml not found'), masks)).not.toBe(masked(answer('project ghost-team/p not found'), masks));
    // Whole names only: a longer name that merely contains a masked one stays visible.
    expect(masked(answer('entity team-ml-2 not found'), masks)).toContain('team-ml-2');
  });
});

// ---------- the matrix ----------

describe('GraphQL fields × personas', () => {
  for (const [field, rule] of Object.entries(GRAPHQL_RULES)) {
    for (const c of casesOf(rule)) {
      const label = labelOf(field, c);
      it(label, async () => {
        summary.endpoints.add(field);
        expect(await runCase(label, { ...c, kind: 'gql' })).toEqual([]);
      });
    }
  }
});

describe('HTTP routes × personas', () => {
  for (const [route, rule] of Object.entries(ROUTE_RULES)) {
    if (rule === 'graphql-fields') continue;
    for (const c of rule) {
      if (c.needs === 'signedUrl' || c.needs === 'metricsToken') continue;
      const label = labelOf(route, c);
      it(label, async () => {
        summary.endpoints.add(route);
        expect(await runCase(label, { ...c, kind: 'http' })).toEqual([]);
      });
    }
  }
});

describe('signed storage URLs: the token is the whole authorisation', () => {
  const signedCases = Object.entries(ROUTE_RULES).flatMap(([route, rule]) =>
    (rule === 'graphql-fields' ? [] : rule.filter((c) => c.needs === 'signedUrl').map((c) => ({ route, c }))));

  /** A token's grant as the signer wrote it (payload.mac, the payload base64url JSON). */
  const grantOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { m: string; k: string; e: number };

  for (const { route, c } of signedCases) {
    const label = labelOf(route, c);
    it(`${label}: any caller with a valid token succeeds; a wrong-method, expired, tampered or forged token gets the same 403`, async () => {
      summary.endpoints.add(route);
      summary.cases++;
      const { signer } = runtime.services;
      const valid = tokens[c.token!];
      const grant = grantOf(valid);
      const other = grantOf(c.method === 'PUT' ? tokens.runFileGet : tokens.runFilePut);
      const [, mac] = valid.split('.');
      const bad: Record<string, string> = {
        wrongMethod: signer.sign(c.method === 'PUT' ? 'GET' : 'PUT', grant.k),
        expired: signer.sign(grant.m as 'GET', grant.k, -60),
        // Another object's grant under this token's signature: the MAC no longer matches.
        tampered: `${Buffer.from(JSON.stringify({ ...grant, k: other.k })).toString('base64url')}.${mac}`,
        forged: `${Buffer.from(JSON.stringify({ m: grant.m, k: grant.k, e: grant.e + 3600 })).toString('base64url')}.${'A'.repeat(43)}`,
        appended: `${valid}.x`,
      };
      const http = { ...c, kind: 'http' as const };
      for (const persona of PERSONAS) {
        const got = await send(http, persona, { ...seeded, token: valid });
        summary.requests++;
        expect(got.status, `${label} as ${persona} with a valid token`).toBe(200);
      }
      const answers = new Set<string>();
      for (const [kind, token] of Object.entries(bad)) {
        for (const persona of ['anonymous', 'siteAdmin'] as Persona[]) {
          const before = await fingerprint();
          const got = await send(http, persona, { ...seeded, token });
          summary.requests++;
          expect(got.status, `${label} with a ${kind} token as ${persona}`).toBe(403);
          expect(await fingerprint(), `${label} with a ${kind} token changed something`).toBe(before);
          answers.add(masked(got, []));
        }
      }
      expect(answers.size, `every refused token must get the same answer: ${[...answers].join(' | ')}`).toBe(1);
    });
  }

  it('a download URL serves the object its token names, whatever file name follows it', async () => {
    const res = await inject({ method: 'GET', url: `/storage/download/${tokens.runFileGet}/data.txt` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(tokens.runFileKeyBytes);
  });
});

describe('GET /metrics: only the operator token opens it', () => {
  it('every persona (API keys and sessions, site admin included) gets the same 401; the token gets the metrics', async () => {
    summary.endpoints.add('GET /metrics');
    summary.cases++;
    const c = { ...(ROUTE_RULES['GET /metrics'] as HttpCase[])[0]!, kind: 'http' as const };
    const answers = new Set<string>();
    for (const persona of PERSONAS) {
      const got = await send(c, persona, seeded);
      summary.requests++;
      expect(got.status, `GET /metrics as ${persona}`).toBe(401);
      answers.add(masked(got, []));
    }
    for (const authorization of [`Bearer ${ADMIN_KEY}`, `Bearer ${METRICS_TOKEN}x`, basic(METRICS_TOKEN)]) {
      const got = await inject({ method: 'GET', url: '/metrics', headers: { authorization } });
      expect(got.statusCode, authorization).toBe(401);
    }
    expect(answers.size).toBe(1);
    const ok = await inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('cairn_artifact_project_logical_bytes{entity="team-ml",project="team-proj"}');
  });
});

describe('size', () => {
  it('reports the matrix size', () => {
    const routes = routeKeys().length;
    const fields = Object.keys(GRAPHQL_RULES).length;
    // Printed for docs/security.md: endpoints × personas, and how many requests that took.
    console.log(`auth matrix: ${routes} routes (POST /graphql split into ${fields} fields) → ${routes - 1 + fields} endpoints, `
      + `${summary.cases} cases × ${PERSONAS.length} personas; ${summary.requests} requests, ${summary.leakChecks} hidden-vs-missing comparisons`);
    expect(summary.cases).toBeGreaterThan(0);
  });
});
