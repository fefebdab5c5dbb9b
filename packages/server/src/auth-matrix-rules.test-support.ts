/**
 * The auth matrix's rules: for every HTTP route and every GraphQL Query and Mutation field, which callers may
 * succeed and how the others must be answered. auth-matrix.test.ts enumerates the routes (an onRoute hook) and
 * the fields (introspection of the executable schema) and fails for any that has no entry here, so a new
 * endpoint cannot ship without a rule. Data only: the test turns each case into one request per persona.
 *
 * Strings in variables, URLs and bodies may name seeded objects as `{name}` (see PLACEHOLDERS in the test);
 * `{fresh.x}` names an object made anew for each request by the case's `fresh` factory (for mutations that
 * consume what they act on), `{unique}` a fresh name for something the request creates. `{#name}` alone in a
 * string puts the value in as a number (for Int arguments).
 */

/** Who calls. Session personas are the team member signed in through the web UI (cookie). */
export const PERSONAS = [
  'anonymous', 'wrongKey', 'revokedKey', 'endedSession',
  'outsider', 'orgViewer', 'teamViewer', 'teamMember', 'serviceAccount', 'teamAdmin', 'orgAdmin', 'siteAdmin',
  'session', 'sessionNoCsrf',
] as const;
export type Persona = (typeof PERSONAS)[number];

/**
 * What a request is about:
 * - team: the team `team-ml` (org acme) and its project with a run, files and artifacts;
 * - personal: the outsider's own private project;
 * - org: the organization acme and its org entity;
 * - registry: the org-visible registry `model` (the team member has the member role on it);
 * - restricted: the restricted registry `secret` (only its explicit viewer, the team admin, and admins see it);
 * - ownKey: one of the team member's own API keys;
 * - orgProject: the team's org-visible project `team-org-proj` (team roles; every other acme member reads);
 * - publicProject: the team's public project `team-public-proj` (team roles; every signed-in user reads).
 */
export type Target = 'team' | 'personal' | 'org' | 'registry' | 'restricted' | 'ownKey' | 'orgProject' | 'publicProject';
export type Role = 'admin' | 'member' | 'viewer';

/** Each persona's role on each target (absent: none, so the target must look as if it did not exist). */
export const ROLES: Record<Target, Partial<Record<Persona, Role>>> = {
  team: {
    teamViewer: 'viewer', teamMember: 'member', session: 'member', sessionNoCsrf: 'member', serviceAccount: 'member',
    teamAdmin: 'admin', orgAdmin: 'admin', siteAdmin: 'admin',
  },
  personal: { outsider: 'admin', siteAdmin: 'admin' },
  org: {
    orgViewer: 'viewer', teamViewer: 'viewer', teamMember: 'member', session: 'member', sessionNoCsrf: 'member',
    serviceAccount: 'member', teamAdmin: 'member', orgAdmin: 'admin', siteAdmin: 'admin',
  },
  // Org-visible: every org member reads as a viewer; the team member was given the member role.
  registry: {
    orgViewer: 'viewer', teamViewer: 'viewer', teamMember: 'member', session: 'member', sessionNoCsrf: 'member',
    serviceAccount: 'viewer', teamAdmin: 'viewer', orgAdmin: 'admin', siteAdmin: 'admin',
  },
  restricted: { teamAdmin: 'viewer', orgAdmin: 'admin', siteAdmin: 'admin' },
  // Only a key's owner revokes it; a site admin is no exception (it answers 404 like a missing key).
  ownKey: { teamMember: 'admin', session: 'admin', sessionNoCsrf: 'admin' },
  // Project visibility: writers are the team's; the org viewer (not in the team) only reads the org-visible one.
  orgProject: {
    orgViewer: 'viewer', teamViewer: 'viewer', teamMember: 'member', session: 'member', sessionNoCsrf: 'member', serviceAccount: 'member',
    teamAdmin: 'admin', orgAdmin: 'admin', siteAdmin: 'admin',
  },
  // Public: read-only for every signed-in user, the outsider included.
  publicProject: {
    outsider: 'viewer', orgViewer: 'viewer', teamViewer: 'viewer', teamMember: 'member', session: 'member', sessionNoCsrf: 'member',
    serviceAccount: 'member', teamAdmin: 'admin', orgAdmin: 'admin', siteAdmin: 'admin',
  },
};

/**
 * What a case needs:
 * - public: nothing (health, sign-in, the web UI's files);
 * - authenticated: any valid credential (API key or web session);
 * - session: a web session cookie (an API key is not one: 401);
 * - siteAdmin: a site admin (anyone else signed in: 403);
 * - metricsToken: the operator's CAIRN_METRICS_TOKEN as a Bearer token (every persona: 401);
 * - signedUrl: only the token in the URL counts (credentials are ignored; see SignedToken);
 * - read / write / admin: that role on `target` (none: hidden; too little: 403).
 */
export type Need = 'public' | 'authenticated' | 'session' | 'siteAdmin' | 'metricsToken' | 'signedUrl' | 'read' | 'write' | 'admin';

/**
 * Objects made anew for each request (their placeholders are `{fresh.*}`): run (runId, runName), pendingArtifact
 * (artifactId), manifest (manifestId of a pending artifact), uploadedManifest (artifactId, ready to commit),
 * committedArtifact (artifactId, sequenceId, alias `old`, in a collection of its own), newUser (username),
 * orgUser (userId, an org member), teamUser (userId, a team member), team (teamId), registry (registry, registryId;
 * the team member has the member role), link (artifactId, portfolioId: the model linked into a new portfolio of
 * the model registry), ownKey (keyId), session (signs the session personas in anew), alertDestination (destinationId,
 * on the org entity), view (viewId: a report in the team project), viewDraft (viewId: a stand-alone draft by the persona, or
 * by the site admin for a persona that cannot write there).
 */
export type FreshKind = 'run' | 'pendingArtifact' | 'manifest' | 'uploadedManifest' | 'committedArtifact' | 'newUser' | 'orgUser'
  | 'teamUser' | 'team' | 'registry' | 'link' | 'ownKey' | 'session' | 'alertDestination' | 'view' | 'viewDraft';

/**
 * How a caller without any role on the target is answered: null (a 200 whose probe is null or empty), 404, or
 * noop (a 200 that changes nothing: idempotent deletes). In every case the answer must equal the one for an
 * object that does not exist, compared with names and ids masked.
 */
export type Hidden = 'null' | '404' | 'noop';

interface CaseBase {
  /** Tells cases of one field or route apart in failure messages. */
  name?: string;
  needs: Need;
  target?: Target;
  fresh?: FreshKind;
  hidden?: Hidden;
  /** Outcomes that differ from what `needs` and ROLES give (each with a reason in a comment). */
  expect?: Partial<Record<Persona, Outcome>>;
}
export type Outcome = 'success' | 401 | 403 | 'hidden';

export interface GqlCase extends CaseBase {
  query: string;
  variables?: Record<string, unknown>;
  /** Dotted path into `data` that is non-null (and non-empty, for a list) on success. */
  probe: string;
}

/** The signed URLs the storage routes serve: the test gets each from the API (createRunFiles, File.url). */
export type SignedToken = 'runFilePut' | 'runFileGet' | 'artifactFileGet';

export interface HttpCase extends CaseBase {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  /** The status of a success (default 200). */
  status?: number;
  /** signedUrl cases: which token the URL carries (`{token}` in url). */
  token?: SignedToken;
}

const team = 'team';
/** Administration routes: to any signed-in non-admin they look like a page that does not exist. */
const ADMIN_ONLY: Partial<Record<Persona, Outcome>> = {
  outsider: 'hidden', orgViewer: 'hidden', teamViewer: 'hidden', teamMember: 'hidden', serviceAccount: 'hidden',
  teamAdmin: 'hidden', orgAdmin: 'hidden', session: 'hidden', sessionNoCsrf: 403,
};
const ADMIN_ONLY_GET: Partial<Record<Persona, Outcome>> = { ...ADMIN_ONLY, sessionNoCsrf: 'hidden' };
// ---------- GraphQL ----------

const RUN_Q = 'query($e: String, $p: String, $r: String!) { project(entityName: $e, name: $p) { name run(name: $r) { id name } } }';
const UPSERT = 'mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { id name } } }';
const PORTFOLIO_ID = 'mutation($i: UpdateArtifactPortfolioInput!) { updateArtifactPortfolio(input: $i) { artifactCollection { id } } }';

/** Keyed `Query.<field>` / `Mutation.<field>`. */
export const GRAPHQL_RULES: Record<string, GqlCase | GqlCase[]> = {
  'Query.viewer': { needs: 'authenticated', query: '{ viewer { id username } }', probe: 'viewer.username' },
  'Query.serverInfo': { needs: 'authenticated', query: '{ serverInfo { features { name } } }', probe: 'serverInfo.features' },
  'Query.entity': [
    { name: 'team', needs: 'read', target: team, query: 'query($n: String) { entity(name: $n) { id name members { username } } }', variables: { n: '{team}' }, probe: 'entity.name' },
    { name: 'personal', needs: 'read', target: 'personal', query: 'query($n: String) { entity(name: $n) { id name } }', variables: { n: '{personal}' }, probe: 'entity.name' },
    { name: 'org entity', needs: 'read', target: 'org', query: 'query($n: String) { entity(name: $n) { id name } }', variables: { n: '{orgEntity}' }, probe: 'entity.name' },
  ],
  'Query.project': [
    { name: 'team run', needs: 'read', target: team, query: RUN_Q, variables: { e: '{team}', p: '{project}', r: '{run}' }, probe: 'project.run.id' },
    { name: 'personal run', needs: 'read', target: 'personal', query: RUN_Q, variables: { e: '{personal}', p: '{diary}', r: '{diaryRun}' }, probe: 'project.run.id' },
    { name: 'restricted registry', needs: 'read', target: 'restricted', query: 'query($e: String, $p: String) { project(entityName: $e, name: $p) { id name } }', variables: { e: '{orgEntity}', p: '{secretRegistry}' }, probe: 'project.id' },
    { name: 'org-visible project run', needs: 'read', target: 'orgProject', query: RUN_Q, variables: { e: '{team}', p: '{orgProject}', r: '{orgRun}' }, probe: 'project.run.id' },
    { name: 'public project run', needs: 'read', target: 'publicProject', query: RUN_Q, variables: { e: '{team}', p: '{publicProject}', r: '{publicRun}' }, probe: 'project.run.id' },
  ],
  'Query.model': { needs: 'read', target: team, query: 'query($e: String, $p: String) { model(entityName: $e, name: $p) { id name } }', variables: { e: '{team}', p: '{project}' }, probe: 'model.id' },
  'Query.projects': [
    // Listing the team's projects shows the outsider and the org viewer the ones they may read (its public and
    // org-visible projects: project-visibility.test.ts checks that exactly those are listed).
    { name: 'team', needs: 'read', target: team, expect: { outsider: 'success', orgViewer: 'success' }, query: 'query($e: String) { projects(entityName: $e) { edges { node { name } } } }', variables: { e: '{team}' }, probe: 'projects.edges' },
    { name: 'personal', needs: 'read', target: 'personal', query: 'query($e: String) { projects(entityName: $e) { edges { node { name } } } }', variables: { e: '{personal}' }, probe: 'projects.edges' },
  ],
  'Query.models': { needs: 'read', target: team, expect: { outsider: 'success', orgViewer: 'success' }, query: 'query($e: String) { models(entityName: $e) { edges { node { name } } } }', variables: { e: '{team}' }, probe: 'models.edges' },
  'Query.organization': { needs: 'read', target: 'org', query: 'query($n: String) { organization(name: $n) { id name orgEntity { name } } }', variables: { n: '{org}' }, probe: 'organization.id' },
  'Query.artifact': [
    { name: 'team artifact', needs: 'read', target: team, query: 'query($id: ID!) { artifact(id: $id) { id digest files { edges { node { name url } } } } }', variables: { id: '{artifactId}' }, probe: 'artifact.id' },
    // Linked into the org-visible registry: every org member reads it there, without its team project.
    { name: 'linked into a registry', needs: 'read', target: 'registry', query: 'query($id: ID!) { artifact(id: $id) { id digest } }', variables: { id: '{modelArtifactId}' }, probe: 'artifact.id' },
  ],
  'Query.artifactCollection': [
    { name: 'team sequence', needs: 'read', target: team, query: 'query($id: ID!) { artifactCollection(id: $id) { id name } }', variables: { id: '{sequenceId}' }, probe: 'artifactCollection.id' },
    { name: 'registry portfolio', needs: 'read', target: 'registry', query: 'query($id: ID!) { artifactCollection(id: $id) { id name } }', variables: { id: '{portfolioId}' }, probe: 'artifactCollection.id' },
    { name: 'restricted portfolio', needs: 'read', target: 'restricted', query: 'query($id: ID!) { artifactCollection(id: $id) { id name } }', variables: { id: '{vaultId}' }, probe: 'artifactCollection.id' },
  ],
  'Query.clientIDMapping': { needs: 'read', target: team, query: 'query($c: ID!) { clientIDMapping(clientID: $c) { serverID } }', variables: { c: '{artifactClientId}' }, probe: 'clientIDMapping.serverID' },
  'Query.promotionHistory': [
    { name: 'team collection', needs: 'read', target: team, hidden: '404', query: 'query($e: String!, $p: String!, $c: String) { promotionHistory(entityName: $e, projectName: $p, collectionName: $c) { edges { node { action } } } }', variables: { e: '{team}', p: '{project}', c: '{collection}' }, probe: 'promotionHistory.edges' },
    { name: 'registry', needs: 'read', target: 'registry', hidden: '404', query: 'query($e: String!, $p: String!) { promotionHistory(entityName: $e, projectName: $p) { edges { node { action } } } }', variables: { e: '{orgEntity}', p: '{registry}' }, probe: 'promotionHistory.edges' },
    { name: 'restricted registry', needs: 'read', target: 'restricted', hidden: '404', query: 'query($e: String!, $p: String!, $c: String) { promotionHistory(entityName: $e, projectName: $p, collectionName: $c) { edges { node { action } } } }', variables: { e: '{orgEntity}', p: '{secretRegistry}', c: '{vault}' }, probe: 'promotionHistory.edges' },
  ],
  'Query.aliasAt': [
    { name: 'registry', needs: 'read', target: 'registry', hidden: '404', query: 'query($e: String!, $p: String!, $c: String!) { aliasAt(entityName: $e, projectName: $p, collectionName: $c, alias: "latest") { version } }', variables: { e: '{orgEntity}', p: '{registry}', c: '{portfolio}' }, probe: 'aliasAt.version' },
    { name: 'restricted registry', needs: 'read', target: 'restricted', hidden: '404', query: 'query($e: String!, $p: String!, $c: String!) { aliasAt(entityName: $e, projectName: $p, collectionName: $c, alias: "latest") { version } }', variables: { e: '{orgEntity}', p: '{secretRegistry}', c: '{vault}' }, probe: 'aliasAt.version' },
  ],
  'Query.registryProtectedAliases': [
    { name: 'registry', needs: 'read', target: 'registry', hidden: '404', query: 'query($e: String!, $p: String!) { registryProtectedAliases(entityName: $e, projectName: $p) }', variables: { e: '{orgEntity}', p: '{registry}' }, probe: 'registryProtectedAliases' },
    { name: 'restricted registry', needs: 'read', target: 'restricted', hidden: '404', query: 'query($e: String!, $p: String!) { registryProtectedAliases(entityName: $e, projectName: $p) }', variables: { e: '{orgEntity}', p: '{secretRegistry}' }, probe: 'registryProtectedAliases' },
  ],

  // Runs, files, projects
  'Mutation.upsertBucket': [
    { name: 'new team run', needs: 'write', target: team, query: UPSERT, variables: { i: { entityName: '{team}', modelName: '{project}', name: '{unique}' } }, probe: 'upsertBucket.bucket.id' },
    { name: 'team run by id', needs: 'write', target: team, query: UPSERT, variables: { i: { id: '{runId}', notes: 'matrix' } }, probe: 'upsertBucket.bucket.id' },
    { name: 'personal run', needs: 'write', target: 'personal', query: UPSERT, variables: { i: { entityName: '{personal}', modelName: '{diary}', name: '{unique}' } }, probe: 'upsertBucket.bucket.id' },
    { name: 'org-visible project run', needs: 'write', target: 'orgProject', query: UPSERT, variables: { i: { entityName: '{team}', modelName: '{orgProject}', name: '{unique}' } }, probe: 'upsertBucket.bucket.id' },
    { name: 'public project run', needs: 'write', target: 'publicProject', query: UPSERT, variables: { i: { entityName: '{team}', modelName: '{publicProject}', name: '{unique}' } }, probe: 'upsertBucket.bucket.id' },
  ],
  'Mutation.createRunFiles': { needs: 'write', target: team, query: 'mutation($i: CreateRunFilesInput!) { createRunFiles(input: $i) { runID files { name uploadUrl } } }', variables: { i: { entityName: '{team}', projectName: '{project}', runName: '{run}', files: ['matrix.txt'] } }, probe: 'createRunFiles.files' },
  'Mutation.markRunFilesUploaded': { needs: 'write', target: team, query: 'mutation($i: MarkRunFilesUploadedInput!) { markRunFilesUploaded(input: $i) { success } }', variables: { i: { entityName: '{team}', projectName: '{project}', runName: '{run}', files: ['output.log'] } }, probe: 'markRunFilesUploaded.success' },
  'Mutation.stopRun': { needs: 'write', target: team, fresh: 'run', query: 'mutation($i: StopRunInput!) { stopRun(input: $i) { success } }', variables: { i: { id: '{fresh.runId}' } }, probe: 'stopRun.success' },
  'Mutation.rewindRun': { needs: 'write', target: team, fresh: 'run', query: 'mutation($i: RewindRunInput!) { rewindRun(input: $i) { rewoundRun { id } } }', variables: { i: { entityName: '{team}', projectName: '{project}', runName: '{fresh.runName}', metricName: '_step', metricValue: 0 } }, probe: 'rewindRun.rewoundRun.id' },
  // Deleting is idempotent: a run the caller cannot see is "already gone" and nothing happens.
  'Mutation.deleteRun': { needs: 'write', target: team, fresh: 'run', hidden: 'noop', query: 'mutation($i: DeleteRunInput!) { deleteRun(input: $i) { clientMutationId } }', variables: { i: { id: '{fresh.runId}', clientMutationId: 'm' } }, probe: 'deleteRun.clientMutationId' },
  'Mutation.updateRunState': { needs: 'write', target: team, fresh: 'run', query: 'mutation($i: UpdateRunStateInput!) { updateRunState(input: $i) { success } }', variables: { i: { id: '{fresh.runId}', state: 'failed' } }, probe: 'updateRunState.success' },
  'Mutation.upsertModel': [
    { name: 'team project', needs: 'write', target: team, query: 'mutation($i: UpsertModelInput!) { upsertModel(input: $i) { project { id } } }', variables: { i: { entityName: '{team}', name: '{unique}' } }, probe: 'upsertModel.project.id' },
    { name: 'personal project', needs: 'write', target: 'personal', query: 'mutation($i: UpsertModelInput!) { upsertModel(input: $i) { project { id } } }', variables: { i: { entityName: '{personal}', name: '{unique}' } }, probe: 'upsertModel.project.id' },
    // Registry members may change a registry's description (settings need its admin role).
    { name: 'registry description', needs: 'write', target: 'registry', query: 'mutation($i: UpsertModelInput!) { upsertModel(input: $i) { project { id } } }', variables: { i: { entityName: '{orgEntity}', name: '{registry}', description: 'matrix' } }, probe: 'upsertModel.project.id' },
  ],

  // Artifacts
  'Mutation.createArtifact': { needs: 'write', target: team, query: 'mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }', variables: { i: { entityName: '{team}', projectName: '{project}', artifactTypeName: 'dataset', artifactCollectionName: '{collection}', digest: '{uniqueDigest}', digestAlgorithm: 'MANIFEST_MD5' } }, probe: 'createArtifact.artifact.id' },
  'Mutation.createArtifactManifest': { needs: 'write', target: team, fresh: 'pendingArtifact', query: 'mutation($i: CreateArtifactManifestInput!) { createArtifactManifest(input: $i) { artifactManifest { id file { uploadUrl } } } }', variables: { i: { artifactID: '{fresh.artifactId}', name: 'wandb_manifest.json', digest: 'd', entityName: '{team}', projectName: '{project}', type: 'FULL' } }, probe: 'createArtifactManifest.artifactManifest.id' },
  'Mutation.updateArtifactManifest': { needs: 'write', target: team, fresh: 'manifest', query: 'mutation($i: UpdateArtifactManifestInput!) { updateArtifactManifest(input: $i) { artifactManifest { id } } }', variables: { i: { artifactManifestID: '{fresh.manifestId}', digest: 'd2' } }, probe: 'updateArtifactManifest.artifactManifest.id' },
  'Mutation.createArtifactFiles': { needs: 'write', target: team, fresh: 'pendingArtifact', query: 'mutation($i: CreateArtifactFilesInput!) { createArtifactFiles(input: $i) { files { edges { node { storagePath } } } } }', variables: { i: { artifactFiles: [{ artifactID: '{fresh.artifactId}', name: 'x.txt', md5: '{uniqueMd5}' }], storageLayout: 'V2' } }, probe: 'createArtifactFiles.files.edges' },
  'Mutation.commitArtifact': { needs: 'write', target: team, fresh: 'uploadedManifest', query: 'mutation($i: CommitArtifactInput!) { commitArtifact(input: $i) { artifact { id state } } }', variables: { i: { artifactID: '{fresh.artifactId}' } }, probe: 'commitArtifact.artifact.id' },
  'Mutation.useArtifact': { needs: 'write', target: team, query: 'mutation($i: UseArtifactInput!) { useArtifact(input: $i) { artifact { id } } }', variables: { i: { entityName: '{team}', projectName: '{project}', runName: '{run}', artifactID: '{artifactId}' } }, probe: 'useArtifact.artifact.id' },
  'Mutation.completeMultipartUploadArtifact': { needs: 'write', target: team, fresh: 'pendingArtifact', query: 'mutation($i: CompleteMultipartUploadArtifactInput!) { completeMultipartUploadArtifact(input: $i) { digest } }', variables: { i: { completeMultipartAction: 'Abort', completedParts: [], artifactID: '{fresh.artifactId}', storagePath: 'objects/md5/{uniqueHex}', uploadID: '{uniqueHex}' } }, probe: 'completeMultipartUploadArtifact.digest' },
  'Mutation.updateArtifact': [
    { name: 'team artifact', needs: 'write', target: team, query: 'mutation($i: UpdateArtifactInput!) { updateArtifact(input: $i) { artifact { id } } }', variables: { i: { artifactID: '{artifactId}', description: 'matrix' } }, probe: 'updateArtifact.artifact.id' },
    // The org viewer reads this version through the registry it is linked into, but may not change it in its
    // team's project: 403, without naming the team it cannot see.
    { name: 'linked into a registry', needs: 'write', target: team, expect: { orgViewer: 403 }, query: 'mutation($i: UpdateArtifactInput!) { updateArtifact(input: $i) { artifact { id } } }', variables: { i: { artifactID: '{modelArtifactId}', description: 'matrix' } }, probe: 'updateArtifact.artifact.id' },
  ],
  'Mutation.addAliases': { needs: 'write', target: team, query: 'mutation($i: AddAliasesInput!) { addAliases(input: $i) { success } }', variables: { i: { artifactID: '{artifactId}', aliases: [{ alias: 'best', artifactCollectionName: '{collection}', entityName: '{team}', projectName: '{project}' }] } }, probe: 'addAliases.success' },
  'Mutation.deleteAliases': { needs: 'write', target: team, fresh: 'committedArtifact', query: 'mutation($i: DeleteAliasesInput!) { deleteAliases(input: $i) { success } }', variables: { i: { artifactID: '{fresh.artifactId}', aliases: [{ alias: 'old', artifactCollectionName: '{fresh.collection}', entityName: '{team}', projectName: '{project}' }] } }, probe: 'deleteAliases.success' },
  'Mutation.deleteArtifact': { needs: 'write', target: team, fresh: 'committedArtifact', query: 'mutation($i: DeleteArtifactInput!) { deleteArtifact(input: $i) { artifact { id } } }', variables: { i: { artifactID: '{fresh.artifactId}', deleteAliases: true } }, probe: 'deleteArtifact.artifact.id' },
  'Mutation.updateArtifactSequence': { needs: 'write', target: team, fresh: 'committedArtifact', query: 'mutation($i: UpdateArtifactSequenceInput!) { updateArtifactSequence(input: $i) { artifactCollection { id } } }', variables: { i: { artifactSequenceID: '{fresh.sequenceId}', description: 'matrix' } }, probe: 'updateArtifactSequence.artifactCollection.id' },
  'Mutation.moveArtifactSequence': { needs: 'write', target: team, fresh: 'committedArtifact', query: 'mutation($i: MoveArtifactSequenceInput!) { moveArtifactSequence(input: $i) { artifactCollection { id } } }', variables: { i: { artifactSequenceID: '{fresh.sequenceId}', destinationArtifactTypeName: 'moved' } }, probe: 'moveArtifactSequence.artifactCollection.id' },
  'Mutation.deleteArtifactSequence': { needs: 'write', target: team, fresh: 'committedArtifact', query: 'mutation($i: DeleteArtifactSequenceInput!) { deleteArtifactSequence(input: $i) { artifactCollection { id } } }', variables: { i: { artifactSequenceID: '{fresh.sequenceId}' } }, probe: 'deleteArtifactSequence.artifactCollection.id' },
  'Mutation.createArtifactCollectionTagAssignments': { needs: 'write', target: team, query: 'mutation($i: CreateArtifactCollectionTagAssignmentsInput!) { createArtifactCollectionTagAssignments(input: $i) { tags { name } } }', variables: { i: { entityName: '{team}', projectName: '{project}', artifactCollectionName: '{collection}', tags: [{ tagName: 'matrix' }] } }, probe: 'createArtifactCollectionTagAssignments.tags' },
  'Mutation.deleteArtifactCollectionTagAssignments': { needs: 'write', target: team, query: 'mutation($i: DeleteArtifactCollectionTagAssignmentsInput!) { deleteArtifactCollectionTagAssignments(input: $i) { success } }', variables: { i: { entityName: '{team}', projectName: '{project}', artifactCollectionName: '{collection}', tags: [{ tagName: 'matrix' }] } }, probe: 'deleteArtifactCollectionTagAssignments.success' },

  // Organizations, teams, users
  // Only site admins search users; anyone else finds only themselves, so another user's name finds nothing
  // (a session without its CSRF header is refused first, as for every POST).
  'Query.users': { needs: 'siteAdmin', fresh: 'newUser', expect: { outsider: 'hidden', orgViewer: 'hidden', teamViewer: 'hidden', teamMember: 'hidden', serviceAccount: 'hidden', teamAdmin: 'hidden', orgAdmin: 'hidden', session: 'hidden', sessionNoCsrf: 403 }, query: 'query($q: String) { users(query: $q) { edges { node { username } } } }', variables: { q: '{fresh.username}' }, probe: 'users.edges' },
  // A default entity must be one the caller may write to (hidden: 404 like a missing one; read-only: 403).
  'Mutation.updateUser': { needs: 'write', target: team, query: 'mutation($i: UpdateUserInput!) { updateUser(input: $i) { user { id } } }', variables: { i: { defaultEntity: '{team}' } }, probe: 'updateUser.user.id' },
  'Mutation.createTeam': { needs: 'admin', target: 'org', query: 'mutation($i: CreateTeamInput!) { createTeam(input: $i) { entity { name } } }', variables: { i: { teamName: '{unique}', organizationId: '{org}' } }, probe: 'createTeam.entity.name' },
  'Mutation.createInvite': { needs: 'admin', target: team, fresh: 'newUser', query: 'mutation($i: CreateInviteInput!) { createInvite(input: $i) { invite { name } } }', variables: { i: { entityName: '{team}', username: '{fresh.username}' } }, probe: 'createInvite.invite.name' },
  'Mutation.deleteInvite': { needs: 'admin', target: team, fresh: 'teamUser', query: 'mutation($i: DeleteInviteInput!) { deleteInvite(input: $i) { success } }', variables: { i: { entityName: '{team}', id: '{fresh.userId}' } }, probe: 'deleteInvite.success' },
  'Mutation.createServiceAccount': { needs: 'admin', target: team, query: 'mutation($i: CreateServiceAccountInput!) { createServiceAccount(input: $i) { user { username } } }', variables: { i: { entityName: '{team}', description: 'matrix' } }, probe: 'createServiceAccount.user.username' },
  'Mutation.createUser': { needs: 'siteAdmin', query: 'mutation($i: CreateUserInput!) { createUser(input: $i) { user { username } } }', variables: { i: { email: '{unique}@example.com' } }, probe: 'createUser.user.username' },

  // Registries
  'Mutation.setRegistryProtectedAliases': [
    { name: 'registry', needs: 'admin', target: 'registry', query: 'mutation($i: SetRegistryProtectedAliasesInput!) { setRegistryProtectedAliases(input: $i) { aliases } }', variables: { i: { entityName: '{orgEntity}', projectName: '{registry}', aliases: ['production', 'staging'] } }, probe: 'setRegistryProtectedAliases.aliases' },
    { name: 'restricted registry', needs: 'admin', target: 'restricted', query: 'mutation($i: SetRegistryProtectedAliasesInput!) { setRegistryProtectedAliases(input: $i) { aliases } }', variables: { i: { entityName: '{orgEntity}', projectName: '{secretRegistry}', aliases: ['production', 'staging'] } }, probe: 'setRegistryProtectedAliases.aliases' },
  ],
  'Mutation.linkArtifact': [
    { name: 'registry', needs: 'write', target: 'registry', query: 'mutation($i: LinkArtifactInput!) { linkArtifact(input: $i) { versionIndex } }', variables: { i: { artifactID: '{modelArtifactId}', artifactPortfolioName: '{portfolio}', entityName: '{orgEntity}', projectName: '{registry}' } }, probe: 'linkArtifact.versionIndex' },
    { name: 'restricted registry', needs: 'write', target: 'restricted', query: 'mutation($i: LinkArtifactInput!) { linkArtifact(input: $i) { versionIndex } }', variables: { i: { artifactID: '{modelArtifactId}', artifactPortfolioName: '{vault}', entityName: '{orgEntity}', projectName: '{secretRegistry}' } }, probe: 'linkArtifact.versionIndex' },
  ],
  'Mutation.unlinkArtifact': { needs: 'write', target: 'registry', fresh: 'link', query: 'mutation($i: UnlinkArtifactInput!) { unlinkArtifact(input: $i) { success } }', variables: { i: { artifactID: '{fresh.artifactId}', artifactPortfolioID: '{fresh.portfolioId}' } }, probe: 'unlinkArtifact.success' },
  'Mutation.renameProject': { needs: 'write', target: 'registry', fresh: 'registry', query: 'mutation($i: RenameProjectInput!) { renameProject(input: $i) { project { name } } }', variables: { i: { entityName: '{orgEntity}', oldProjectName: '{fresh.registry}', newProjectName: 'wandb-registry-{unique}' } }, probe: 'renameProject.project.name' },
  'Mutation.deleteModel': { needs: 'admin', target: 'registry', fresh: 'registry', query: 'mutation($i: DeleteModelInput!) { deleteModel(input: $i) { success } }', variables: { i: { id: '{fresh.registryId}' } }, probe: 'deleteModel.success' },
  'Mutation.createProjectMembers': [
    { name: 'registry', needs: 'admin', target: 'registry', fresh: 'orgUser', query: 'mutation($i: CreateProjectMembersInput!) { createProjectMembers(input: $i) { success } }', variables: { i: { projectId: '{registryId}', userIds: ['{fresh.userId}'] } }, probe: 'createProjectMembers.success' },
    { name: 'restricted registry', needs: 'admin', target: 'restricted', fresh: 'orgUser', query: 'mutation($i: CreateProjectMembersInput!) { createProjectMembers(input: $i) { success } }', variables: { i: { projectId: '{secretRegistryId}', userIds: ['{fresh.userId}'] } }, probe: 'createProjectMembers.success' },
  ],
  'Mutation.deleteProjectMembers': { needs: 'admin', target: 'registry', fresh: 'orgUser', query: 'mutation($i: DeleteProjectMembersInput!) { deleteProjectMembers(input: $i) { success } }', variables: { i: { projectId: '{registryId}', userIds: ['{fresh.userId}'] } }, probe: 'deleteProjectMembers.success' },
  'Mutation.updateProjectMember': { needs: 'admin', target: 'registry', fresh: 'orgUser', query: 'mutation($i: UpdateProjectMemberInput!) { updateProjectMember(input: $i) { success } }', variables: { i: { projectId: '{registryId}', userId: '{fresh.userId}', userProjectRole: 'member' } }, probe: 'updateProjectMember.success' },
  'Mutation.updateProjectTeamMember': { needs: 'admin', target: 'registry', fresh: 'team', query: 'mutation($i: UpdateProjectTeamMemberInput!) { updateProjectTeamMember(input: $i) { success } }', variables: { i: { projectId: '{registryId}', teamId: '{fresh.teamId}', teamProjectRole: 'viewer' } }, probe: 'updateProjectTeamMember.success' },
  'Mutation.updateArtifactPortfolio': [
    { name: 'registry', needs: 'write', target: 'registry', query: PORTFOLIO_ID, variables: { i: { artifactPortfolioID: '{portfolioId}', description: 'matrix' } }, probe: 'updateArtifactPortfolio.artifactCollection.id' },
    { name: 'restricted registry', needs: 'write', target: 'restricted', query: PORTFOLIO_ID, variables: { i: { artifactPortfolioID: '{vaultId}', description: 'matrix' } }, probe: 'updateArtifactPortfolio.artifactCollection.id' },
  ],
  'Mutation.deleteArtifactPortfolio': { needs: 'write', target: 'registry', fresh: 'link', query: 'mutation($i: DeleteArtifactPortfolioInput!) { deleteArtifactPortfolio(input: $i) { artifactCollection { id } } }', variables: { i: { artifactPortfolioID: '{fresh.portfolioId}' } }, probe: 'deleteArtifactPortfolio.artifactCollection.id' },
};

// Run alerts. Destinations and settings are managed on the org entity, which has no runs: no alert in this
// suite is ever delivered in the background while the matrix checks that denied requests change nothing.
Object.assign(GRAPHQL_RULES, {
  // Reports (saved views): the project's read access reads them, its write access saves, publishes and deletes them.
  'Query.view': { needs: 'read', target: team, hidden: '404', query: 'query($id: ID!) { view(id: $id) { id spec } }', variables: { id: '{viewId}' }, probe: 'view.spec' },
  'Mutation.upsertView': [
    { name: 'new report', needs: 'write', target: team, query: 'mutation($i: UpsertViewInput!) { upsertView(input: $i) { view { id } inserted } }', variables: { i: { entityName: '{team}', projectName: '{project}', spec: '{}', displayName: '{unique}' } }, probe: 'upsertView.view.id' },
    { name: 'report by id', needs: 'write', target: team, query: 'mutation($i: UpsertViewInput!) { upsertView(input: $i) { view { id } } }', variables: { i: { id: '{viewId}', spec: '{"blocks":[]}' } }, probe: 'upsertView.view.id' },
  ],
  'Mutation.deleteView': { needs: 'write', target: team, fresh: 'view', query: 'mutation($i: DeleteViewInput!) { deleteView(input: $i) { success } }', variables: { i: { id: '{fresh.viewId}', deleteDrafts: true } }, probe: 'deleteView.success' },
  // Drafts are their author's: each persona publishes one of its own (see the viewDraft factory).
  'Mutation.publishView': { needs: 'write', target: team, fresh: 'viewDraft', query: 'mutation($i: PublishViewInput!) { publishView(input: $i) { view { id type } } }', variables: { i: { id: '{fresh.viewId}' } }, probe: 'publishView.view.type' },
  'Mutation.notifyScriptableRunAlert': { needs: 'write', target: team, query: 'mutation($i: NotifyScriptableRunAlertInput!) { notifyScriptableRunAlert(input: $i) { success } }', variables: { i: { entityName: '{team}', projectName: '{project}', runName: '{run}', title: '{unique}', text: 'matrix' } }, probe: 'notifyScriptableRunAlert.success' },
  'Mutation.addAlertDestination': { needs: 'admin', target: 'org', query: 'mutation($i: AddAlertDestinationInput!) { addAlertDestination(input: $i) { id } }', variables: { i: { entityName: '{orgEntity}', kind: 'webhook', url: 'http://127.0.0.1:9/matrix', secret: 'matrix-secret-0123456789' } }, probe: 'addAlertDestination.id' },
  'Mutation.removeAlertDestination': { needs: 'admin', target: 'org', fresh: 'alertDestination', query: 'mutation($i: RemoveAlertDestinationInput!) { removeAlertDestination(input: $i) }', variables: { i: { entityName: '{orgEntity}', id: '{#fresh.destinationId}' } }, probe: 'removeAlertDestination' },
  'Mutation.updateAlertSettings': { needs: 'admin', target: 'org', query: 'mutation($i: UpdateAlertSettingsInput!) { updateAlertSettings(input: $i) { runFinished } }', variables: { i: { entityName: '{orgEntity}', runFinished: false } }, probe: 'updateAlertSettings.runFinished' },
} satisfies Record<string, GqlCase>);

// ---------- HTTP routes ----------

const HISTORY_CHUNK = { files: { 'wandb-history.jsonl': { offset: 0, content: ['{"_step": 0, "loss": 0.5}'] } } };

/**
 * Keyed `METHOD url` as Fastify registers it. HEAD routes Fastify adds for GET ones are covered by the GET rule
 * (the test sends HEAD too and expects the same status). `POST /graphql` is covered field by field above.
 */
export const ROUTE_RULES: Record<string, HttpCase[] | 'graphql-fields'> = {
  'POST /graphql': 'graphql-fields',
  'GET /ready': [{ needs: 'public', method: 'GET', url: '/ready' }],
  'GET /healthz': [{ needs: 'public', method: 'GET', url: '/healthz' }],
  'GET /': [{ needs: 'public', method: 'GET', url: '/' }],
  'GET /assets/*': [{ needs: 'public', method: 'GET', url: '/assets/app.js' }],
  'GET /metrics': [{ needs: 'metricsToken', method: 'GET', url: '/metrics' }],
  'POST /files/:entity/:project/:run/file_stream': [
    { name: 'team run', needs: 'write', target: team, method: 'POST', url: '/files/{team}/{project}/{run}/file_stream', body: HISTORY_CHUNK },
    { name: 'personal run', needs: 'write', target: 'personal', method: 'POST', url: '/files/{personal}/{diary}/{diaryRun}/file_stream', body: HISTORY_CHUNK },
  ],
  'PUT /storage/upload/:token': [{ needs: 'signedUrl', token: 'runFilePut', method: 'PUT', url: '/storage/upload/{token}', body: 'uploaded through a signed URL' }],
  'GET /storage/download/:token/:name': [
    { name: 'run file', needs: 'signedUrl', token: 'runFileGet', method: 'GET', url: '/storage/download/{token}/notes.txt' },
    { name: 'artifact file', needs: 'signedUrl', token: 'artifactFileGet', method: 'GET', url: '/storage/download/{token}/data.txt' },
  ],
  'GET /artifactsV2/*': [
    { name: 'entity form', needs: 'read', target: team, method: 'GET', url: '/artifactsV2/default/{team}/{artifactId}/{md5}' },
    { name: 'collection form', needs: 'read', target: team, method: 'GET', url: '/artifactsV2/default/{team}/{project}/{collection}/{artifactId}/{md5}/data.txt' },
    { name: 'version form', needs: 'read', target: team, method: 'GET', url: '/artifactsV2/default/{team}/{project}/{collection}/{artifactId}/{artifactId}/{md5}/data.txt' },
  ],
  'GET /artifacts/:entity/:md5': [{ needs: 'read', target: team, method: 'GET', url: '/artifacts/{team}/{md5}' }],
  'POST /api/v1/series': [
    { needs: 'read', target: team, method: 'POST', url: '/api/v1/series', body: { entity: '{team}', project: '{project}', runs: ['{run}'], keys: ['loss'] } },
  ],
  'POST /api/v1/metric-keys/batch': [
    { needs: 'read', target: team, method: 'POST', url: '/api/v1/metric-keys/batch', body: { entity: '{team}', project: '{project}', runs: ['{run}'] } },
  ],
  'POST /api/v1/series/batch': [
    { needs: 'read', target: team, method: 'POST', url: '/api/v1/series/batch', body: { entity: '{team}', project: '{project}', queries: [{ runs: ['{run}'], keys: ['loss'] }] } },
  ],
  'POST /api/v1/runs': [
    { name: 'team', needs: 'read', target: team, method: 'POST', url: '/api/v1/runs', body: { entity: '{team}', project: '{project}' } },
    { name: 'personal', needs: 'read', target: 'personal', method: 'POST', url: '/api/v1/runs', body: { entity: '{personal}', project: '{diary}' } },
    { name: 'org-visible project', needs: 'read', target: 'orgProject', method: 'POST', url: '/api/v1/runs', body: { entity: '{team}', project: '{orgProject}' } },
    { name: 'public project', needs: 'read', target: 'publicProject', method: 'POST', url: '/api/v1/runs', body: { entity: '{team}', project: '{publicProject}' } },
  ],
  'POST /api/v1/runs/groups': [
    { needs: 'read', target: team, method: 'POST', url: '/api/v1/runs/groups', body: { entity: '{team}', project: '{project}', groupBy: 'state' } },
  ],
  // A layout is the caller's own: reading the project is enough to keep one (a viewer arranges panels too).
  'GET /api/v1/projects/:entity/:project/layout': [{ needs: 'read', target: team, method: 'GET', url: '/api/v1/projects/{team}/{project}/layout' }],
  'PUT /api/v1/projects/:entity/:project/layout': [{
    needs: 'read', target: team, method: 'PUT', url: '/api/v1/projects/{team}/{project}/layout',
    body: { version: 1, panels: { added: ['loss'], removed: [], sizes: {} }, runColors: {}, columns: null },
  }],
  'DELETE /api/v1/projects/:entity/:project/layout': [{ needs: 'read', target: team, method: 'DELETE', url: '/api/v1/projects/{team}/{project}/layout', status: 204 }],
  'GET /api/v1/runs/:entity/:project/:run/keys': [{ needs: 'read', target: team, method: 'GET', url: '/api/v1/runs/{team}/{project}/{run}/keys' }],
  'POST /api/v1/system-series': [
    { needs: 'read', target: team, method: 'POST', url: '/api/v1/system-series', body: { entity: '{team}', project: '{project}', runs: ['{run}'] } },
  ],
  // Server-Sent Events; max_seconds=0 ends the stream after its hello event so the request completes.
  'GET /api/live/projects/:entity/:project': [
    { name: 'team', needs: 'read', target: team, method: 'GET', url: '/api/live/projects/{team}/{project}?max_seconds=0' },
    { name: 'public project', needs: 'read', target: 'publicProject', method: 'GET', url: '/api/live/projects/{team}/{publicProject}?max_seconds=0' },
  ],
  'GET /api/v1/projects/:entity/:project/storage': [{ needs: 'read', target: team, method: 'GET', url: '/api/v1/projects/{team}/{project}/storage' }],
  'GET /api/v1/projects/:entity/:project/storage/history': [{ needs: 'read', target: team, method: 'GET', url: '/api/v1/projects/{team}/{project}/storage/history' }],
  // Run media (http/media-routes.ts): all read the run through RunService, so a hidden run is a 404.
  'GET /api/v1/media/:entity/:project/:run': [{ needs: 'read', target: team, method: 'GET', url: '/api/v1/media/{team}/{project}/{run}' }],
  'GET /api/v1/media/:entity/:project/:run/value': [{ needs: 'read', target: team, method: 'GET', url: '/api/v1/media/{team}/{project}/{run}/value?key=loss&step=1' }],
  // The seeded run logged no media: a reader gets past access to the 400 that says `loss` holds no histogram/table.
  'GET /api/v1/media/:entity/:project/:run/histograms': [{ needs: 'read', target: team, method: 'GET', url: '/api/v1/media/{team}/{project}/{run}/histograms?key=loss', status: 400 }],
  'GET /api/v1/media/:entity/:project/:run/table': [{ needs: 'read', target: team, method: 'GET', url: '/api/v1/media/{team}/{project}/{run}/table?key=loss&step=1', status: 400 }],
  'GET /api/v1/media/:entity/:project/:run/file/*': [{ needs: 'read', target: team, method: 'GET', url: '/api/v1/media/{team}/{project}/{run}/file/notes.txt' }],
  'GET /api/v1/media/:entity/:project/:run/artifact-file/:artifact/*': [{ needs: 'read', target: team, method: 'GET', url: '/api/v1/media/{team}/{project}/{run}/artifact-file/{artifactId}/data.txt' }],
  // The web UI's artifact file tree and alias permissions (a version or project the caller cannot read is 404 like a missing one).
  'GET /api/v1/artifacts/:id/files': [{ needs: 'read', target: team, method: 'GET', url: '/api/v1/artifacts/{artifactId}/files' }],
  // The whole version as a zip: the same read access as its files (a version the caller cannot read is 404).
  'GET /api/v1/artifacts/:id/archive': [{ needs: 'read', target: team, method: 'GET', url: '/api/v1/artifacts/{artifactId}/archive' }],
  'GET /api/v1/projects/:entity/:project/alias-permissions': [
    { name: 'project', needs: 'read', target: team, method: 'GET', url: '/api/v1/projects/{team}/{project}/alias-permissions' },
    { name: 'registry', needs: 'read', target: 'registry', method: 'GET', url: '/api/v1/projects/{orgEntity}/{registry}/alias-permissions' },
  ],
  // Signing in takes a password, not a credential: anyone may try (throttling is web-security.test.ts's).
  'POST /api/v1/session': [{ needs: 'public', method: 'POST', url: '/api/v1/session', body: { username: '{memberName}', password: '{memberPassword}' } }],
  'GET /api/v1/session': [{ needs: 'session', method: 'GET', url: '/api/v1/session' }],
  // Signing out: without a cookie (API keys, anonymous) or with a dead one it only clears the cookie (204); a live
  // session must send its CSRF token, so a cross-site request cannot sign anyone out.
  'DELETE /api/v1/session': [{
    needs: 'public', fresh: 'session', method: 'DELETE', url: '/api/v1/session', status: 204, expect: { sessionNoCsrf: 403 },
  }],
  'GET /api/v1/keys': [{ needs: 'authenticated', method: 'GET', url: '/api/v1/keys' }],
  'POST /api/v1/keys': [{ needs: 'authenticated', method: 'POST', url: '/api/v1/keys', body: { name: 'matrix' }, status: 201 }],
  'DELETE /api/v1/keys/:id': [{ needs: 'admin', target: 'ownKey', fresh: 'ownKey', method: 'DELETE', url: '/api/v1/keys/{fresh.keyId}' }],
  // TTL previews (http/admin-ui-routes.ts): read-only, so readers of the version or project may ask.
  'GET /api/v1/artifacts/:id/ttl-preview': [{ needs: 'read', target: team, method: 'GET', url: '/api/v1/artifacts/{artifactId}/ttl-preview?ttl=3600' }],
  'GET /api/v1/projects/:entity/:project/ttl-default-preview': [{ needs: 'read', target: team, method: 'GET', url: '/api/v1/projects/{team}/{project}/ttl-default-preview?value=86400' }],
  // Administration pages: site admins only; every other signed-in caller gets the 404 of a page that does not exist
  // (CSRF is checked first, so a session without its token is 403 on changes). Missing ids are 404 for the admin too.
  'GET /api/v1/admin/users': [{ needs: 'siteAdmin', expect: ADMIN_ONLY_GET, method: 'GET', url: '/api/v1/admin/users' }],
  'POST /api/v1/admin/users': [{ needs: 'siteAdmin', expect: ADMIN_ONLY, method: 'POST', url: '/api/v1/admin/users', body: { email: '{unique}@example.com' }, status: 201 }],
  'PUT /api/v1/admin/users/:user': [{ needs: 'siteAdmin', expect: ADMIN_ONLY, fresh: 'newUser', method: 'PUT', url: '/api/v1/admin/users/{fresh.username}', body: { admin: true } }],
  'GET /api/v1/admin/orgs': [{ needs: 'siteAdmin', expect: ADMIN_ONLY_GET, method: 'GET', url: '/api/v1/admin/orgs' }],
  'GET /api/v1/admin/members/:target': [{ needs: 'siteAdmin', expect: ADMIN_ONLY_GET, method: 'GET', url: '/api/v1/admin/members/{team}' }],
  'PUT /api/v1/admin/members/:target/:user': [{ needs: 'siteAdmin', expect: ADMIN_ONLY, fresh: 'newUser', method: 'PUT', url: '/api/v1/admin/members/{team}/{fresh.username}', body: { role: 'viewer' } }],
  'DELETE /api/v1/admin/members/:target/:user': [{ needs: 'siteAdmin', expect: ADMIN_ONLY, fresh: 'newUser', method: 'DELETE', url: '/api/v1/admin/members/{team}/{fresh.username}', status: 404 }],
  'POST /api/v1/admin/teams/:team/service-accounts': [{ needs: 'siteAdmin', expect: ADMIN_ONLY, method: 'POST', url: '/api/v1/admin/teams/{team}/service-accounts', body: { description: 'matrix' }, status: 201 }],
  'GET /api/v1/admin/service-accounts/:user/keys': [{ needs: 'siteAdmin', expect: ADMIN_ONLY_GET, method: 'GET', url: '/api/v1/admin/service-accounts/team-ml-bot/keys' }],
  'POST /api/v1/admin/service-accounts/:user/keys': [{ needs: 'siteAdmin', expect: ADMIN_ONLY, method: 'POST', url: '/api/v1/admin/service-accounts/team-ml-bot/keys', body: { name: 'matrix' }, status: 201 }],
  'DELETE /api/v1/admin/service-accounts/:user/keys/:id': [{ needs: 'siteAdmin', expect: ADMIN_ONLY, method: 'DELETE', url: '/api/v1/admin/service-accounts/team-ml-bot/keys/90000021', status: 404 }],
  'POST /api/v1/admin/teams': [{ needs: 'siteAdmin', expect: ADMIN_ONLY, method: 'POST', url: '/api/v1/admin/teams', body: { org: '{org}', name: '{unique}' }, status: 201 }],
  'GET /api/v1/admin/orgs/:org/ttl-default': [{ needs: 'siteAdmin', expect: ADMIN_ONLY_GET, method: 'GET', url: '/api/v1/admin/orgs/{org}/ttl-default' }],
  'GET /api/v1/admin/orgs/:org/ttl-default-preview': [{ needs: 'siteAdmin', expect: ADMIN_ONLY_GET, method: 'GET', url: '/api/v1/admin/orgs/{org}/ttl-default-preview?value=86400' }],
  // Unsetting (null) leaves the seeded data as it was for the other cases.
  'PUT /api/v1/admin/orgs/:org/ttl-default': [{ needs: 'siteAdmin', expect: ADMIN_ONLY, method: 'PUT', url: '/api/v1/admin/orgs/{org}/ttl-default', body: { seconds: null } }],
  'GET /api/v1/admin/webhooks': [{ needs: 'siteAdmin', expect: ADMIN_ONLY_GET, method: 'GET', url: '/api/v1/admin/webhooks?target={org}' }],
  'POST /api/v1/admin/webhooks': [{ needs: 'siteAdmin', expect: ADMIN_ONLY, method: 'POST', url: '/api/v1/admin/webhooks', body: { target: '{org}', url: 'http://127.0.0.1:9/matrix', secret: 'matrix-secret-0123456789' }, status: 201 }],
  'DELETE /api/v1/admin/webhooks/:id': [{ needs: 'siteAdmin', expect: ADMIN_ONLY, method: 'DELETE', url: '/api/v1/admin/webhooks/90000022', status: 404 }],
  'GET /api/v1/admin/webhooks/:id/deliveries': [{ needs: 'siteAdmin', expect: ADMIN_ONLY_GET, method: 'GET', url: '/api/v1/admin/webhooks/90000023/deliveries', status: 404 }],
};
