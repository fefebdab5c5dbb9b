/**
 * Promotion history and protected aliases (Cairn's own; the SDK does not use these). Times are ISO-8601 UTC with
 * milliseconds (`2024-05-01T12:00:00.123Z`); inputs also take an offset or epoch milliseconds.
 */
export const promotionTypeDefs = /* GraphQL */ `
extend type Query {
  """
  Promotion history, oldest first: of one collection (optionally one alias), or without collectionName of the
  whole project (a registry's role changes included). entityName may name an organization, projectName a
  registry by its bare name (model for wandb-registry-model).
  """
  promotionHistory(entityName: String!, projectName: String!, collectionName: String, alias: String, after: String, first: Int): PromotionEventConnection!
  "What an alias of a collection pointed to at a moment (default: now)."
  aliasAt(entityName: String!, projectName: String!, collectionName: String!, alias: String!, at: String): AliasAtAnswer!
  "The aliases only registry admins may add, move or remove (default staging, production)."
  registryProtectedAliases(entityName: String!, projectName: String!): [String!]!
}

extend type Mutation {
  setRegistryProtectedAliases(input: SetRegistryProtectedAliasesInput!): SetRegistryProtectedAliasesPayload
}

"aliases null: back to the defaults (staging, production)."
input SetRegistryProtectedAliasesInput { entityName: String! projectName: String! aliases: [String!] clientMutationId: String }
type SetRegistryProtectedAliasesPayload { aliases: [String!]! clientMutationId: String }

extend interface ArtifactCollection {
  aliasHistory(alias: String, after: String, first: Int): PromotionEventConnection!
  aliasAt(alias: String!, at: String): AliasAtAnswer!
}
extend type ArtifactSequence {
  aliasHistory(alias: String, after: String, first: Int): PromotionEventConnection!
  aliasAt(alias: String!, at: String): AliasAtAnswer!
}
extend type ArtifactPortfolio {
  aliasHistory(alias: String, after: String, first: Int): PromotionEventConnection!
  aliasAt(alias: String!, at: String): AliasAtAnswer!
}

"""
One append-only event. action: link, unlink, alias_add, alias_move, alias_remove, role_change. Versions are the
version index in the collection (v3), kept even after the version itself is purged.
"""
type PromotionEvent {
  id: ID!
  at: String!
  action: String!
  alias: String
  collectionName: String
  fromVersionIndex: Int
  fromVersion: String
  fromArtifact: Artifact
  toVersionIndex: Int
  toVersion: String
  toArtifact: Artifact
  "Username of who made the change (system, retention or cli for the server itself and its operator)."
  actor: String!
  detail: JSONString
}
type PromotionEventConnection { edges: [PromotionEventEdge!]! pageInfo: PageInfo! }
type PromotionEventEdge { node: PromotionEvent! cursor: String! }

type AliasAtAnswer {
  alias: String!
  at: String!
  "null: at that moment the alias pointed nowhere (not set yet, or removed)."
  versionIndex: Int
  version: String
  artifact: Artifact
  "When the state in force at 'at' began, and the event that began it."
  since: String
  event: PromotionEvent
}
`;
