/** GraphQL of the registry app (the SDK's registry schema, through the session). */
export const ORGS = `query { viewer { organizations { name orgEntity { name } } } }`;
export interface Orgs { viewer: { organizations: { name: string; orgEntity: { name: string } | null }[] } }

export const REGISTRIES = `query($org: String!) { entity(name: $org) { name projects(first: 200, order: "name") { edges { node {
  id name description createdAt access readOnly } } } } }`;
export interface RegistryRow { id: string; name: string; description: string | null; createdAt: string | null; access: string | null; readOnly: boolean | null }

export const SEARCH = `query($org: String!, $registries: JSONString, $collections: JSONString, $versions: JSONString) {
  entity(name: $org) {
    projects(first: 20, filters: $registries) { edges { node { name description } } }
    artifactCollections(first: 20, filters: $collections) { totalCount edges { node { name project { name entityName } defaultArtifactType { name }
      tags { edges { node { name } } } } } }
    artifactMemberships(first: 30, filters: $versions) { totalCount edges { node { versionIndex
      aliases { alias }
      artifactCollection { name project { name entityName } }
      artifact { tags { name } } } } }
  }
}`;
/** Versions only, by a metadata filter (the search bar given `accuracy > 0.9`): the server's SQL filter compiler. */
export const VERSION_SEARCH = `query($org: String!, $versions: JSONString) {
  entity(name: $org) {
    artifactMemberships(first: 30, filters: $versions) { totalCount edges { node { versionIndex
      aliases { alias }
      artifactCollection { name project { name entityName } }
      artifact { tags { name } } } } }
  }
}`;
export interface SearchResult {
  entity: {
    projects: { edges: { node: { name: string; description: string | null } }[] };
    artifactCollections: { totalCount: number; edges: { node: { name: string; project: { name: string; entityName: string } | null; defaultArtifactType: { name: string }; tags: { edges: { node: { name: string } }[] } } }[] };
    artifactMemberships: { totalCount: number | null; edges: { node: { versionIndex: number | null; aliases: { alias: string }[]; artifactCollection: { name: string; project: { name: string; entityName: string } | null } | null; artifact: { tags: { name: string }[] } | null } }[] };
  } | null;
}

export const REGISTRY = `query($org: String!, $registry: String!) { project(name: $registry, entityName: $org) {
  id name description access readOnly
  artifactCollections(first: 500) { edges { node { __typename id name description createdAt updatedAt
    defaultArtifactType { name } tags { edges { node { name } } } } } }
} }`;
export interface RegistryDetail {
  id: string; name: string; description: string | null; access: string | null; readOnly: boolean | null;
  artifactCollections: { edges: { node: { id: string; name: string; description: string | null; createdAt: string; updatedAt: string | null; defaultArtifactType: { name: string }; tags: { edges: { node: { name: string } }[] } } }[] };
}

const EVENT = 'id at action alias collectionName fromVersion toVersion actor';
export const REGISTRY_COLLECTION = `query($org: String!, $registry: String!, $collection: String!, $filters: JSONString) { project(name: $registry, entityName: $org) {
  name
  artifactCollection(name: $collection) {
    __typename id name description createdAt defaultArtifactType { name } tags { edges { node { name } } }
    artifacts(first: 200, filters: $filters) { totalCount edges { version node {
      id versionIndex createdAt size description
      aliases { alias artifactCollection { name project { name } } }
      tags { name }
      artifactType { name }
      artifactSequence { name project { name entityName } }
      createdBy { name displayName project { name entityName } }
    } } }
    aliasHistory(first: 1000) { edges { node { ${EVENT} } } }
  }
} }`;
export interface PromotionEvent { id: string; at: string; action: string; alias: string | null; collectionName: string | null; fromVersion: string | null; toVersion: string | null; actor: string }
export interface LinkedVersion {
  id: string; versionIndex: number | null; createdAt: string; size: number; description: string | null;
  aliases: { alias: string; artifactCollection: { name: string; project: { name: string } | null } | null }[];
  tags: { name: string }[]; artifactType: { name: string };
  artifactSequence: { name: string; project: { name: string; entityName: string } | null };
  createdBy: { name: string; displayName: string | null; project: { name: string; entityName: string } | null } | null;
}
export interface RegistryCollection {
  project: { name: string; artifactCollection: {
    id: string; name: string; description: string | null; createdAt: string; defaultArtifactType: { name: string };
    tags: { edges: { node: { name: string } }[] };
    artifacts: { totalCount: number; edges: { version: string; node: LinkedVersion }[] };
    aliasHistory: { edges: { node: PromotionEvent }[] };
  } | null } | null;
}

export const ALIAS_AT = `query($org: String!, $registry: String!, $collection: String!, $alias: String!, $at: String) {
  aliasAt(entityName: $org, projectName: $registry, collectionName: $collection, alias: $alias, at: $at) {
    alias at version since event { actor action at }
  }
}`;
export interface AliasAt { aliasAt: { alias: string; at: string; version: string | null; since: string | null; event: { actor: string; action: string; at: string } | null } }
