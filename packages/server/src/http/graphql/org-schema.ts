/**
 * Organizations, teams and members in the W&B schema, as the SDK queries them: `FetchOrganization`,
 * `FetchOrgInfoFromEntity`, `GetTeamEntity`, `CreateTeam`, `CreateInvite`, `DeleteInvite`,
 * `CreateServiceAccount`, `CreateUserFromAdmin` (wandb/apis/_generated/operations.py).
 */
export const orgTypeDefs = /* GraphQL */ `
extend type Query {
  """Users whose username or email contains the text (SDK 0.2x sends \`query\`, older ones \`usernameOrEmail\`).
  Only site admins search everyone; anyone else finds at most themselves."""
  users(query: String, usernameOrEmail: String, first: Int, after: String): UserConnection
}
type UserConnection { edges: [UserEdge!]! }
type UserEdge { node: User }

extend type Mutation {
  """Only the caller's own settings; \`defaultEntity\` must be an entity the caller may write to."""
  updateUser(input: UpdateUserInput!): UpdateUserPayload
  createTeam(input: CreateTeamInput!): CreateTeamPayload
  createInvite(input: CreateInviteInput!): CreateInvitePayload
  deleteInvite(input: DeleteInviteInput!): DeleteInvitePayload
  createServiceAccount(input: CreateServiceAccountInput!): CreateServiceAccountPayload
  createUser(input: CreateUserInput!): CreateUserPayload
}

extend type Entity {
  """'user', 'team' or 'organization'."""
  entityType: String!
  """The user of a personal entity; null for teams and org entities."""
  user: User
  """Whether the name is free to take: an existing entity's never is."""
  available: Boolean
  photoUrl: String
  """True when the caller may read but not write here (the viewer role)."""
  readOnly: Boolean
  readOnlyAdmin: Boolean!
  privateOnly: Boolean!
  storageBytes: Int64!
  codeSavingEnabled: Boolean!
  """Projects are private to their entity: only its members see them."""
  defaultAccess: String!
  isPaid: Boolean
  limits: JSONString
  members: [Member!]!
}

"""A member of a team, an organization (its org entity) or a personal entity."""
type Member {
  id: ID
  admin: Boolean
  """Invitations take effect at once in Cairn: never pending."""
  pending: Boolean
  email: String
  username: String
  name: String!
  photoUrl: String
  """USER or SERVICE."""
  accountType: String
  """Keys are stored hashed and shown only when created: always null here."""
  apiKey: String
  role: String
}

extend type User {
  organizations: [Organization!]!
  accountType: String
}

input UpdateUserInput { id: ID defaultEntity: String clientMutationId: String }
type UpdateUserPayload { user: User clientMutationId: String }

input CreateTeamInput {
  teamName: String!
  teamAdminUserName: String
  """The organization's id (or name); optional when the caller administers exactly one."""
  organizationId: String
  clientMutationId: String
}
type CreateTeamPayload { entity: Entity clientMutationId: String }

input CreateInviteInput {
  entityName: String!
  email: String
  username: String
  admin: Boolean
  role: String
  clientMutationId: String
}
type Invite { id: ID! name: String email: String createdAt: DateTime toUser: User role: String }
type CreateInvitePayload { invite: Invite clientMutationId: String }

input DeleteInviteInput { id: String entityName: String clientMutationId: String }
type DeleteInvitePayload { success: Boolean! clientMutationId: String }

input CreateServiceAccountInput { entityName: String! description: String! clientMutationId: String }
type CreateServiceAccountPayload { user: User clientMutationId: String }

input CreateUserInput { email: String! admin: Boolean clientMutationId: String }
type CreateUserPayload { user: User clientMutationId: String }
`;
