/** Artifacts in the W&B schema (protocol §6): names, nullability and inputs as the SDK sends and reads them. */
export const artifactTypeDefs = /* GraphQL */ `
enum ArtifactState { PENDING COMMITTED DELETED }
enum ArtifactDigestAlgorithm { MANIFEST_MD5 }
enum ArtifactManifestType { FULL INCREMENTAL PATCH }
enum ArtifactStorageLayout { V1 V2 }
enum CompleteMultipartAction { Complete Abort }
enum ArtifactCollectionState { READY DELETED }

extend type Query {
  artifact(id: ID!): Artifact
  artifactCollection(id: ID!): ArtifactCollection
  clientIDMapping(clientID: ID!): ClientIDMapping
}

extend type Mutation {
  createArtifact(input: CreateArtifactInput!): CreateArtifactPayload
  createArtifactManifest(input: CreateArtifactManifestInput!): CreateArtifactManifestPayload
  updateArtifactManifest(input: UpdateArtifactManifestInput!): UpdateArtifactManifestPayload
  createArtifactFiles(input: CreateArtifactFilesInput!): CreateArtifactFilesPayload
  commitArtifact(input: CommitArtifactInput!): CommitArtifactPayload
  useArtifact(input: UseArtifactInput!): UseArtifactPayload
  completeMultipartUploadArtifact(input: CompleteMultipartUploadArtifactInput!): CompleteMultipartUploadArtifactPayload
  updateArtifact(input: UpdateArtifactInput!): UpdateArtifactPayload
  addAliases(input: AddAliasesInput!): AliasesPayload
  deleteAliases(input: DeleteAliasesInput!): AliasesPayload
  deleteArtifact(input: DeleteArtifactInput!): DeleteArtifactPayload
  updateArtifactSequence(input: UpdateArtifactSequenceInput!): ArtifactCollectionPayload
  moveArtifactSequence(input: MoveArtifactSequenceInput!): ArtifactCollectionPayload
  """Deletes every version (restorable for the grace period) and hides the sequence."""
  deleteArtifactSequence(input: DeleteArtifactSequenceInput!): DeleteArtifactCollectionPayload
  createArtifactCollectionTagAssignments(input: CreateArtifactCollectionTagAssignmentsInput!): CreateArtifactCollectionTagAssignmentsPayload
  deleteArtifactCollectionTagAssignments(input: DeleteArtifactCollectionTagAssignmentsInput!): DeleteArtifactCollectionTagAssignmentsPayload
}

extend type Project {
  artifactType(name: String!): ArtifactType
  """includeAll (registries): the accepted types, or every type in use when all are accepted."""
  artifactTypes(after: String, first: Int, includeAll: Boolean): ArtifactTypeConnection
  artifactCollection(name: String!): ArtifactCollection
  artifactCollectionMembership(name: String!): ArtifactCollectionMembership
  """Older SDKs: the version named "collection:alias" or "collection:vN" (tracking is recorded by useArtifact)."""
  artifact(name: String!, enableTracking: Boolean): Artifact
  artifactCollections(after: String, first: Int, filters: JSONString, order: String): ArtifactCollectionConnection
}

extend type Run {
  outputArtifacts(after: String, first: Int): ArtifactConnection
  inputArtifacts(after: String, first: Int): InputArtifactConnection
}

extend type File {
  storagePath: String
  uploadUrl: String
  uploadHeaders: [String!]
  uploadMultipartUrls: UploadMultipartUrls
  artifact: Artifact
}

type UploadMultipartUrls { uploadID: String! uploadUrlParts: [UploadUrlPart!]! }
type UploadUrlPart { partNumber: Int64! uploadUrl: String! }

type ClientIDMapping { serverID: ID! }

type ArtifactType {
  id: ID!
  name: String!
  description: String
  createdAt: DateTime!
  artifactCollection(name: String!): ArtifactCollection
  artifactCollections(after: String, first: Int, filters: JSONString, order: String): ArtifactCollectionConnection
  artifact(name: String!): Artifact
}
type ArtifactTypeConnection { edges: [ArtifactTypeEdge!]! pageInfo: PageInfo! totalCount: Int! }
type ArtifactTypeEdge { node: ArtifactType cursor: String! }

interface ArtifactCollection {
  id: ID!
  name: String!
  description: String
  createdAt: DateTime!
  updatedAt: DateTime
  project: Project
  defaultArtifactType: ArtifactType!
  artifactMembership(aliasName: String!): ArtifactCollectionMembership
  artifacts(after: String, first: Int, order: String, filters: JSONString): VersionedArtifactConnection
  tags(after: String, first: Int): TagConnection
  aliases(after: String, first: Int): ArtifactAliasConnection
  state: ArtifactCollectionState!
}
type ArtifactSequence implements ArtifactCollection {
  id: ID!
  name: String!
  description: String
  createdAt: DateTime!
  updatedAt: DateTime
  project: Project
  defaultArtifactType: ArtifactType!
  artifactMembership(aliasName: String!): ArtifactCollectionMembership
  artifacts(after: String, first: Int, order: String, filters: JSONString): VersionedArtifactConnection
  tags(after: String, first: Int): TagConnection
  aliases(after: String, first: Int): ArtifactAliasConnection
  state: ArtifactCollectionState!
  latestArtifact: Artifact
  digestAlgorithm: ArtifactDigestAlgorithm!
}
type ArtifactPortfolio implements ArtifactCollection {
  id: ID!
  name: String!
  description: String
  createdAt: DateTime!
  updatedAt: DateTime
  project: Project
  defaultArtifactType: ArtifactType!
  artifactMembership(aliasName: String!): ArtifactCollectionMembership
  artifacts(after: String, first: Int, order: String, filters: JSONString): VersionedArtifactConnection
  tags(after: String, first: Int): TagConnection
  aliases(after: String, first: Int): ArtifactAliasConnection
  state: ArtifactCollectionState!
}
type ArtifactCollectionConnection { edges: [ArtifactCollectionEdge!]! pageInfo: PageInfo! totalCount: Int! }
type ArtifactCollectionEdge { node: ArtifactCollection cursor: String! }

type Artifact {
  id: ID!
  artifactSequence: ArtifactSequence!
  versionIndex: Int
  artifactType: ArtifactType!
  description: String
  metadata: JSONString
  ttlDurationSeconds: Int64!
  ttlIsInherited: Boolean!
  tags: [Tag!]!
  historyStep: Int64
  state: ArtifactState!
  size: Int64!
  digest: String!
  digestAlgorithm: ArtifactDigestAlgorithm!
  commitHash: String
  fileCount: Int64!
  createdAt: DateTime!
  updatedAt: DateTime
  aliases: [ArtifactAlias!]!
  currentManifest: ArtifactManifest
  files(names: [String!], after: String, first: Int): FileConnection
  usedBy(after: String, first: Int): RunConnection
  createdBy: Run
}
type ArtifactConnection { edges: [ArtifactEdge!]! pageInfo: PageInfo! totalCount: Int! }
type ArtifactEdge { node: Artifact cursor: String! }
type InputArtifactConnection { edges: [InputArtifactEdge!]! pageInfo: PageInfo! totalCount: Int! }
type InputArtifactEdge { node: Artifact cursor: String! usedAs: [String!] }
type VersionedArtifactConnection { edges: [VersionedArtifactEdge!]! pageInfo: PageInfo! totalCount: Int! }
type VersionedArtifactEdge { node: Artifact version: String! cursor: String! }

type ArtifactAlias { id: ID! alias: String! artifactCollection: ArtifactCollection }
type ArtifactAliasConnection { edges: [ArtifactAliasEdge!]! pageInfo: PageInfo! }
type ArtifactAliasEdge { node: ArtifactAlias cursor: String! }
type Tag { id: ID! name: String! }
type TagConnection { edges: [TagEdge!]! pageInfo: PageInfo! }
type TagEdge { node: Tag cursor: String! }

type ArtifactCollectionMembership {
  id: ID!
  versionIndex: Int
  createdAt: DateTime!
  aliases: [ArtifactAlias!]!
  artifactCollection: ArtifactCollection
  artifact: Artifact
  files(names: [String!], after: String, first: Int): FileConnection
}

type ArtifactManifest { id: ID! file: File! }

input ArtifactAliasInput { artifactCollectionName: String! alias: String! }
input TagInput { tagName: String! tagCategoryName: String attributes: String }
input CreateArtifactInput {
  entityName: String!
  projectName: String!
  artifactTypeName: String!
  """The sequence of the new version; when absent, the first of artifactCollectionNames (public API Run.log_artifact)."""
  artifactCollectionName: String
  artifactCollectionNames: [String!]
  runName: String
  digest: String!
  digestAlgorithm: ArtifactDigestAlgorithm!
  description: String
  labels: JSONString
  aliases: [ArtifactAliasInput!]
  tags: [TagInput!]
  metadata: JSONString
  ttlDurationSeconds: Int64
  historyStep: Int64
  enableDigestDeduplication: Boolean
  distributedID: String
  clientID: ID
  sequenceClientID: ID
  storageRegion: String
  clientMutationId: String
}
type CreateArtifactPayload { artifact: Artifact! clientMutationId: String }

input CreateArtifactManifestInput {
  artifactID: ID!
  baseArtifactID: ID
  name: String!
  digest: String!
  entityName: String!
  projectName: String!
  runName: String
  type: ArtifactManifestType
  includeUpload: Boolean
  clientMutationId: String
}
type CreateArtifactManifestPayload { artifactManifest: ArtifactManifest! clientMutationId: String }
input UpdateArtifactManifestInput { artifactManifestID: ID! digest: String baseArtifactID: ID clientMutationId: String }
type UpdateArtifactManifestPayload { artifactManifest: ArtifactManifest! clientMutationId: String }

input UploadPartsInput { partNumber: Int64! hexMD5: String! }
input CreateArtifactFileSpecInput {
  artifactID: ID!
  name: String!
  md5: String!
  mimetype: String
  artifactManifestID: ID
  uploadPartsInput: [UploadPartsInput!]
}
input CreateArtifactFilesInput {
  artifactFiles: [CreateArtifactFileSpecInput!]!
  storageLayout: ArtifactStorageLayout!
  cloudRegionID: String
  clientMutationId: String
}
type CreateArtifactFilesPayload { files: FileConnection! clientMutationId: String }

input CompleteMultipartUploadArtifactInput {
  completeMultipartAction: CompleteMultipartAction!
  completedParts: [UploadPartsInput!]!
  artifactID: ID!
  storagePath: String!
  uploadID: String!
  clientMutationId: String
}
type CompleteMultipartUploadArtifactPayload { digest: String clientMutationId: String }

input CommitArtifactInput { artifactID: ID! clientMutationId: String }
type CommitArtifactPayload { artifact: Artifact! clientMutationId: String }

input UseArtifactInput {
  entityName: String!
  projectName: String!
  runName: String!
  artifactID: ID!
  usedAs: String
  artifactEntityName: String
  artifactProjectName: String
  clientMutationId: String
}
type UseArtifactPayload { artifact: Artifact! clientMutationId: String }

input ArtifactCollectionAliasInput { alias: String! artifactCollectionName: String! entityName: String! projectName: String! }
input UpdateArtifactInput {
  artifactID: ID!
  description: String
  labels: JSONString
  metadata: JSONString
  aliases: [ArtifactAliasInput!]
  tagsToAdd: [TagInput!]
  tagsToDelete: [TagInput!]
  ttlDurationSeconds: Int64
  clientMutationId: String
}
type UpdateArtifactPayload { artifact: Artifact! clientMutationId: String }
input AddAliasesInput { artifactID: ID! aliases: [ArtifactCollectionAliasInput!]! clientMutationId: String }
input DeleteAliasesInput { artifactID: ID! aliases: [ArtifactCollectionAliasInput!]! clientMutationId: String }
type AliasesPayload { success: Boolean! clientMutationId: String }
input DeleteArtifactInput { artifactID: ID! deleteAliases: Boolean clientMutationId: String }
type DeleteArtifactPayload { artifact: Artifact! clientMutationId: String }

input UpdateArtifactSequenceInput { artifactSequenceID: ID! name: String description: String clientMutationId: String }
input DeleteArtifactSequenceInput { artifactSequenceID: ID! clientMutationId: String }
"""The collection and every version in it take the destination type (created in the project when new)."""
input MoveArtifactSequenceInput { artifactSequenceID: ID! destinationArtifactTypeName: String! clientMutationId: String }
type ArtifactCollectionPayload { artifactCollection: ArtifactCollection! clientMutationId: String }
input CreateArtifactCollectionTagAssignmentsInput {
  entityName: String!
  projectName: String!
  artifactCollectionName: String!
  tags: [TagInput!]!
  clientMutationID: String
}
type CreateArtifactCollectionTagAssignmentsPayload { tags: [Tag!]! clientMutationID: String }
input DeleteArtifactCollectionTagAssignmentsInput {
  entityName: String!
  projectName: String!
  artifactCollectionName: String!
  tags: [TagInput!]!
  clientMutationID: String
}
type DeleteArtifactCollectionTagAssignmentsPayload { success: Boolean! clientMutationID: String }
`;
