/**
 * The GraphQL schema the SDK speaks, reconstructed from its operations (protocol §2–5, §8). Names,
 * nullability and input fields match what the SDK sends and introspects; add a field only when it works.
 */
export const typeDefs = /* GraphQL */ `
scalar JSONString
scalar JSON
scalar Int64
scalar DateTime
scalar Duration

type Query {
  viewer: User
  serverInfo: ServerInfo
  entity(name: String): Entity
  project(name: String, entityName: String): Project
  model(name: String, entityName: String): Project
  projects(entityName: String, after: String, first: Int): ProjectConnection
  models(entityName: String, after: String, first: Int): ProjectConnection
  organization(name: String): Organization
}

type Mutation {
  upsertBucket(input: UpsertBucketInput!): UpsertBucketPayload
  createRunFiles(input: CreateRunFilesInput!): CreateRunFilesPayload
  markRunFilesUploaded(input: MarkRunFilesUploadedInput!): MarkRunFilesUploadedPayload
  stopRun(input: StopRunInput!): StopRunPayload
  rewindRun(input: RewindRunInput!): RewindRunPayload
  deleteRun(input: DeleteRunInput!): DeleteRunPayload
  updateRunState(input: UpdateRunStateInput!): UpdateRunStatePayload
  upsertModel(input: UpsertModelInput!): UpsertModelPayload
}

type User {
  id: ID!
  name: String!
  username: String
  email: String
  entity: String
  admin: Boolean
  flags: JSONString
  deletedAt: DateTime
  photoUrl: String
  teams(first: Int, after: String): EntityConnection
  apiKeys: ApiKeyConnection
}

type ApiKeyConnection { edges: [ApiKeyEdge!]! }
type ApiKeyEdge { node: ApiKey }
"""Keys are stored hashed: name shows only the key's prefix."""
type ApiKey { id: ID! name: String! description: String }

type EntityConnection { edges: [EntityEdge!]! }
type EntityEdge { node: Entity }

type Entity {
  id: ID!
  name: String!
  isTeam: Boolean!
  organization: Organization
  xxhashDigestsEnabled: Boolean!
  """filters/order: MongoDB-style JSON and [+|-]name|created_at|updated_at (an org entity's registries)."""
  projects(first: Int, after: String, filters: JSONString, order: String): ProjectConnection
}

type Organization {
  id: ID!
  name: String!
  coreWeaveOrganizationId: String
  orgEntity: Entity
}

type ServerInfo {
  cliVersionInfo: JSON
  latestLocalVersionInfo: LocalVersionInfo
  features: [ServerFeature!]!
}
type LocalVersionInfo { outOfDate: Boolean! latestVersionString: String! versionOnThisInstanceString: String! }
type ServerFeature { name: String! isEnabled: Boolean! }

type ProjectConnection { edges: [ProjectEdge!]! pageInfo: PageInfo! }
type ProjectEdge { node: Project cursor: String! }
type PageInfo { endCursor: String hasNextPage: Boolean! startCursor: String hasPreviousPage: Boolean! }

type Project {
  id: ID!
  internalId: ID!
  name: String!
  entityName: String!
  entity: Entity!
  description: String
  createdAt: DateTime
  updatedAt: DateTime
  isBenchmark: Boolean!
  readOnly: Boolean
  access: String
  views: JSONString
  runCount(filters: JSONString): Int!
  user: User
  run(name: String!): Run
  bucket(name: String!, missingOk: Boolean): Run
  runs(filters: JSONString, after: String, first: Int, order: String): RunConnection
}

type RunConnection { edges: [RunEdge!]! pageInfo: PageInfo! totalCount: Int! }
type RunEdge { node: Run cursor: String! }

type Run {
  id: ID!
  name: String!
  displayName: String
  description: String
  notes: String
  state: String
  config: JSONString
  summaryMetrics: JSONString
  systemMetrics: JSONString
  wandbConfig(keys: [String!]): JSONString
  tags: [String!]!
  group: String
  jobType: String
  host: String
  commit: String
  sweepName: String
  exitcode: Int
  stopped: Boolean!
  readOnly: Boolean!
  projectId: Int!
  project: Project
  user: User
  createdAt: DateTime
  updatedAt: DateTime
  heartbeatAt: DateTime
  historyLineCount: Int!
  eventsLineCount: Int!
  logLineCount: Int!
  historyTail: JSONString!
  eventsTail: JSONString!
  historyKeys: JSON
  history(minStep: Int64, maxStep: Int64, samples: Int): [String!]!
  events(samples: Int): [String!]!
  sampledHistory(specs: [JSONString!]!): [JSON!]!
  parquetHistory(liveKeys: [String!]!): ParquetHistory!
  fileCount: Int!
  files(names: [String], after: String, first: Int, pattern: String): FileConnection
  logLines(first: Int, last: Int, after: String, useImprovedPagination: Boolean): LogLineConnection
}

type ParquetHistory { parquetUrls: [String!]! liveData: [JSON!]! }

type FileConnection { edges: [FileEdge!]! pageInfo: PageInfo! totalCount: Int! }
type FileEdge { node: File cursor: String! }
type File {
  id: ID!
  name: String!
  displayName: String!
  url(upload: Boolean): String
  directUrl: String!
  sizeBytes: Int64!
  mimetype: String
  updatedAt: DateTime
  md5: String
  digest: String
}

type LogLineConnection { edges: [LogLineEdge!]! pageInfo: PageInfo! }
type LogLineEdge { node: LogLine! cursor: String! }
type LogLine { id: ID! number: Int! timestamp: String level: String! label: String line: String! }

input UpsertBucketInput {
  id: String
  name: String
  groupName: String
  modelName: String
  entityName: String
  description: String
  displayName: String
  notes: String
  config: JSONString
  commit: String
  host: String
  debug: Boolean
  jobProgram: String
  jobRepo: String
  jobType: String
  state: String
  sweep: String
  tags: [String!]
  summaryMetrics: JSONString
  clientMutationId: String
}
type UpsertBucketPayload { bucket: Run inserted: Boolean serverSettings: ServerSettings clientMutationId: String }
# The Python sender (wandb sync up to SDK 0.29) probes __type(name: "ServerSettings") before every upsertBucket and
# fails the sync when the type is missing; Cairn has no server messages to show, so the list is always empty.
type ServerSettings { serverMessages: [ServerMessage!]! }
type ServerMessage { utfText: String plainText: String htmlText: String messageType: String messageLevel: String }

input CreateRunFilesInput { entityName: String! projectName: String! runName: String! files: [String!]! clientMutationId: String }
type CreateRunFilesPayload { runID: ID! uploadHeaders: [String!]! files: [RunFileUpload!]! clientMutationId: String }
type RunFileUpload { name: String! uploadUrl: String }

input MarkRunFilesUploadedInput { entityName: String! projectName: String! runName: String! files: [String!]! clientMutationId: String }
type MarkRunFilesUploadedPayload { success: Boolean! clientMutationId: String }

input StopRunInput { id: ID! clientMutationId: String }
type StopRunPayload { success: Boolean! clientMutationId: String }

input RewindRunInput { runName: String! entityName: String projectName: String metricName: String! metricValue: Float! clientMutationId: String }
type RewindRunPayload { rewoundRun: Run clientMutationId: String }

input UpdateRunStateInput { id: ID! state: String! clientMutationId: String }
type UpdateRunStatePayload { success: Boolean! clientMutationId: String }

input DeleteRunInput { id: ID! deleteArtifacts: Boolean clientMutationId: String }
type DeleteRunPayload { clientMutationId: String }

input UpsertModelInput {
  id: String
  name: String
  entityName: String
  description: String
  access: String
  views: JSONString
  framework: String
  """Registries (a wandb-registry-* project of an org entity): accept every type, or only artifactTypes."""
  allowAllArtifactTypesInRegistry: Boolean
  artifactTypes: [ArtifactTypeInput!]
  clientMutationId: String
}
type UpsertModelPayload { project: Project model: Project inserted: Boolean clientMutationId: String }
`;
