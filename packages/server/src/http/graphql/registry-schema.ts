/**
 * Registries and linking in the W&B schema (protocol §6.9, §7), as the SDK's operations name them:
 * `FetchRegistries`, `FetchRegistry`, `RegistryCollections`, `RegistryVersions`, `UpsertRegistry`,
 * `RenameRegistry`, `DeleteRegistry`, registry members and roles, `LinkArtifact`, `UnlinkArtifact`,
 * `FetchLinkedArtifacts`, `UpdateArtifactPortfolio`, `DeleteArtifactPortfolio`
 * (wandb/sdk/artifacts/_generated/operations.py; core/api/graphql/mutation_link_artifact.graphql).
 */
export const registryTypeDefs = /* GraphQL */ `
enum ArtifactCollectionType { SEQUENCE PORTFOLIO }
enum RampIDType { OrgName UserName EntityName }

extend type Mutation {
  linkArtifact(input: LinkArtifactInput!): LinkArtifactPayload
  unlinkArtifact(input: UnlinkArtifactInput!): UnlinkArtifactPayload
  renameProject(input: RenameProjectInput!): RenameProjectPayload
  deleteModel(input: DeleteModelInput!): DeleteModelPayload
  createProjectMembers(input: CreateProjectMembersInput!): ProjectMembersPayload
  deleteProjectMembers(input: DeleteProjectMembersInput!): ProjectMembersPayload
  updateProjectMember(input: UpdateProjectMemberInput!): ProjectMembersPayload
  updateProjectTeamMember(input: UpdateProjectTeamMemberInput!): ProjectMembersPayload
  updateArtifactPortfolio(input: UpdateArtifactPortfolioInput!): ArtifactCollectionPayload
  deleteArtifactPortfolio(input: DeleteArtifactPortfolioInput!): DeleteArtifactCollectionPayload
}

extend type Entity {
  """A project of this entity (a registry of an org entity: wandb-registry-<name>) if the caller may read it."""
  project(name: String): Project
  """The portfolio collections of this org entity's registries that the caller may read (registry search)."""
  artifactCollections(
    projectFilters: JSONString, filters: JSONString, collectionTypes: [ArtifactCollectionType!],
    after: String, first: Int, order: String
  ): ArtifactCollectionConnection
  """The versions linked into this org entity's registries that the caller may read (registry search)."""
  artifactMemberships(
    projectFilters: JSONString, collectionFilters: JSONString, filters: JSONString,
    after: String, first: Int, order: String
  ): ArtifactCollectionMembershipConnection
}

extend type Organization {
  """Per-organization feature ramps: none in Cairn (every registry feature it has is on for everyone)."""
  featureFlags(rampIDType: RampIDType): [OrganizationFeatureFlag!]!
}
type OrganizationFeatureFlag { rampKey: String! isEnabled: Boolean! }

extend type Project {
  """Registries: whether any artifact type may be linked (else only artifactTypes)."""
  allowAllArtifactTypesInRegistry: Boolean!
  """Registries: the users given a role on it."""
  members: [ProjectMember!]!
  """Registries: the teams given a role on it."""
  teamMembers: [ProjectTeamMember!]!
}

extend type Artifact {
  """The collections the version is linked into (portfolios) that the caller may read."""
  artifactMemberships(after: String, first: Int): ArtifactCollectionMembershipConnection
}

type ArtifactCollectionMembershipConnection { edges: [ArtifactCollectionMembershipEdge!]! pageInfo: PageInfo! totalCount: Int }
type ArtifactCollectionMembershipEdge { node: ArtifactCollectionMembership cursor: String! }

type Role { ID: ID name: String! }
type ProjectMember { id: ID! name: String username: String email: String photoUrl: String accountType: String role: Role! }
type ProjectTeamMember { team: Entity! role: Role! }

input ArtifactTypeInput { name: String! description: String }

input LinkArtifactInput {
  artifactID: ID
  clientID: ID
  artifactPortfolioID: ID
  artifactPortfolioName: String
  entityName: String
  projectName: String
  aliases: [ArtifactAliasInput!]
  clientMutationId: String
}
type LinkArtifactPayload { versionIndex: Int artifactMembership: ArtifactCollectionMembership clientMutationId: String }

input UnlinkArtifactInput { artifactID: ID! artifactPortfolioID: ID! clientMutationId: String }
type UnlinkArtifactPayload { artifactID: ID success: Boolean! clientMutationId: String }

input RenameProjectInput { entityName: String! oldProjectName: String! newProjectName: String! clientMutationId: String }
type RenameProjectPayload { project: Project inserted: Boolean clientMutationId: String }

input DeleteModelInput { id: String! clientMutationId: String }
type DeleteModelPayload { success: Boolean clientMutationId: String }

input CreateProjectMembersInput { projectId: ID! userIds: [ID!] teamIds: [ID!] clientMutationId: String }
input DeleteProjectMembersInput { projectId: ID! userIds: [ID!] teamIds: [ID!] clientMutationId: String }
input UpdateProjectMemberInput { projectId: ID! userId: ID! userProjectRole: String! clientMutationId: String }
input UpdateProjectTeamMemberInput { projectId: ID! teamId: ID! teamProjectRole: String! clientMutationId: String }
type ProjectMembersPayload { success: Boolean! clientMutationId: String }

input UpdateArtifactPortfolioInput { artifactPortfolioID: ID! name: String description: String clientMutationId: String }
input DeleteArtifactPortfolioInput { artifactPortfolioID: ID! clientMutationId: String }
type DeleteArtifactCollectionPayload { artifactCollection: ArtifactCollection clientMutationId: String }
`;
