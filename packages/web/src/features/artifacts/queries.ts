/** GraphQL documents and fetchers of the artifact pages (the session's /graphql, as the SDK's schema names things). */
import { apiFetch, gql } from '../../lib/api';

export interface RunRef { name: string; displayName: string | null; state?: string | null; project: { name: string; entityName: string } | null }
export interface AliasRef { alias: string; artifactCollection: { name: string; project?: { name: string; entityName: string } | null } | null }
export interface VersionRow {
  id: string; versionIndex: number | null; state: string; size: number; fileCount: number; createdAt: string;
  description: string | null; digest: string; ttlDurationSeconds: number; ttlIsInherited: boolean;
  aliases: AliasRef[]; tags: { name: string }[]; createdBy: RunRef | null;
  artifactType: { name: string }; artifactSequence: { name: string; project: { name: string; entityName: string } | null };
}

const VERSION_FIELDS = `
  id versionIndex state size fileCount createdAt description digest ttlDurationSeconds ttlIsInherited
  aliases { alias artifactCollection { name project { name entityName } } }
  tags { name }
  createdBy { name displayName state project { name entityName } }
  artifactType { name }
  artifactSequence { name project { name entityName } }
`;

export const TYPES_AND_COLLECTIONS = `query($entity: String!, $project: String!) {
  project(name: $project, entityName: $entity) {
    name
    artifactTypes(first: 100) { edges { node { name } } }
    artifactCollections(first: 1000) { edges { node { __typename id name description createdAt updatedAt
      defaultArtifactType { name }
      ... on ArtifactSequence { latestArtifact { versionIndex size createdAt } }
      tags(first: 20) { edges { node { name } } }
    } } }
  }
}`;
export interface CollectionSummary {
  __typename: string; defaultArtifactType: { name: string }; id: string; name: string; description: string | null; createdAt: string; updatedAt: string | null;
  latestArtifact?: { versionIndex: number | null; size: number; createdAt: string } | null;
  tags: { edges: { node: { name: string } }[] };
}
export interface TypesAndCollections {
  project: { name: string; artifactTypes: { edges: { node: { name: string } }[] }; artifactCollections: { edges: { node: CollectionSummary }[] } } | null;
}

export const COLLECTION = `query($entity: String!, $project: String!, $collection: String!, $first: Int!, $after: String) {
  project(name: $project, entityName: $entity) {
    artifactCollection(name: $collection) {
      __typename id name description createdAt
      defaultArtifactType { name }
      tags { edges { node { name } } }
      artifacts(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { version node { ${VERSION_FIELDS} } }
      }
    }
  }
}`;
export interface CollectionDetail {
  __typename: string; id: string; name: string; description: string | null; createdAt: string;
  defaultArtifactType: { name: string };
  tags: { edges: { node: { name: string } }[] };
  artifacts: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { version: string; node: VersionRow }[] };
}

export const VERSION = `query($entity: String!, $project: String!, $name: String!) {
  project(name: $project, entityName: $entity) {
    artifact(name: $name) {
      ${VERSION_FIELDS}
      metadata commitHash updatedAt historyStep
      usedBy(first: 100) { totalCount edges { node { name displayName state project { name entityName } } } }
      artifactMemberships(first: 50) { edges { node { versionIndex artifactCollection { name project { name entityName } } } } }
    }
  }
}`;
export interface VersionDetail extends VersionRow {
  metadata: string | null; commitHash: string | null; updatedAt: string | null; historyStep: number | null;
  usedBy: { totalCount: number; edges: { node: RunRef }[] };
  artifactMemberships: { edges: { node: { versionIndex: number | null; artifactCollection: { name: string; project: { name: string; entityName: string } | null } | null } }[] } | null;
}

export const fetchVersion = (entity: string, project: string, collection: string, version: string, signal?: AbortSignal) =>
  gql<{ project: { artifact: VersionDetail | null } | null }>(VERSION, { entity, project, name: `${collection}:${version}` }, signal)
    .then((d) => d.project?.artifact ?? null);

export interface TreeEntry {
  kind: 'dir' | 'file'; name: string; path: string;
  fileCount?: number; bytes?: number; size?: number; digest?: string; md5Hex?: string | null; ref?: string | null; url?: string | null;
}
export interface TreePage { prefix: string; total: number; offset: number; fileCount: number; bytes: number; entries: TreeEntry[] }

export const fetchTreePage = (artifactId: string, prefix: string, offset: number, limit: number, signal?: AbortSignal) =>
  apiFetch<TreePage>(`/api/v1/artifacts/${encodeURIComponent(artifactId)}/files?${new URLSearchParams({ prefix, offset: String(offset), limit: String(limit) })}`, { signal });

export interface AliasPermissions { protectedAliases: string[]; canWrite: boolean; canChangeProtected: boolean; reason: string | null }
export const fetchAliasPermissions = (entity: string, project: string, signal?: AbortSignal) =>
  apiFetch<AliasPermissions>(`/api/v1/projects/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/alias-permissions`, { signal });

export const ADD_ALIASES = `mutation($id: ID!, $aliases: [ArtifactCollectionAliasInput!]!) { addAliases(input: { artifactID: $id, aliases: $aliases }) { success } }`;
export const DELETE_ALIASES = `mutation($id: ID!, $aliases: [ArtifactCollectionAliasInput!]!) { deleteAliases(input: { artifactID: $id, aliases: $aliases }) { success } }`;
export const UPDATE_ARTIFACT = `mutation($input: UpdateArtifactInput!) { updateArtifact(input: $input) { artifact { id } } }`;

/** Adds or removes one alias of a version in a collection (a registry's portfolio or the version's own sequence). */
export function changeAlias(artifactId: string, where: { entity: string; project: string; collection: string }, alias: string, remove: boolean) {
  return gql(remove ? DELETE_ALIASES : ADD_ALIASES, {
    id: artifactId,
    aliases: [{ alias, artifactCollectionName: where.collection, entityName: where.entity, projectName: where.project }],
  });
}
