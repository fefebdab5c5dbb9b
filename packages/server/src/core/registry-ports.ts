import type { EntityId, ProjectId, UserId } from '@cairn/shared';
import type { Artifact, ArtifactCollection, ChangeActor, FilterNode, Project } from './ports.js';

// ---------- Registries: curated collections of an organization (protocol §6.9, §7) ----------


/** `organization`: every member of the organization reads it; `restricted`: only its own members (and org admins). */
export type RegistryVisibility = 'organization' | 'restricted';

/**
 * Roles on one registry. `restricted_viewer` is W&B's view-only role; Cairn treats it like `viewer` (it reads
 * metadata and can download), see docs/decisions.md.
 */
export type RegistryRole = 'admin' | 'member' | 'viewer' | 'restricted_viewer';
export const REGISTRY_ROLES: readonly RegistryRole[] = ['admin', 'member', 'viewer', 'restricted_viewer'];

/** Settings of a registry project. `artifactTypes`: the accepted types when `allowAllTypes` is false. */
export interface RegistrySettings {
  projectId: ProjectId; visibility: RegistryVisibility; allowAllTypes: boolean; artifactTypes: string[];
}

/** A user or a whole team given a role on one registry. */
export type RegistryMemberKind = 'user' | 'team';
export interface RegistryMember { kind: RegistryMemberKind; memberId: UserId | EntityId; role: RegistryRole; createdAt: Date }

// Field references of the three search levels; names are parsed by core/registry-filter.ts.
export type RegistryFieldRef = { column: 'id' | 'name' | 'entityId' | 'description' | 'createdAt' | 'updatedAt' };
export type CollectionFieldRef = { column: 'id' | 'name' | 'description' | 'createdAt' | 'updatedAt' | 'type' | 'tag' };
export type VersionFieldRef =
  | { column: 'id' | 'version' | 'tag' | 'alias' | 'createdAt' | 'updatedAt' | 'linkedAt' | 'size' | 'digest' | 'description' }
  | { metadata: string[] };

export interface SearchOrder<F> { field: F; descending: boolean }

/** What every registry search shares: the registries the caller may read, and a filter on them. */
export interface RegistryScope { projectIds: ProjectId[]; registryFilter: FilterNode<RegistryFieldRef> }
export interface Paging { offset: number; limit: number }

export interface CollectionSearch extends RegistryScope, Paging {
  collectionFilter: FilterNode<CollectionFieldRef>; order: SearchOrder<CollectionFieldRef> | null;
}
export interface VersionSearch extends RegistryScope, Paging {
  collectionFilter: FilterNode<CollectionFieldRef>; versionFilter: FilterNode<VersionFieldRef>; order: SearchOrder<VersionFieldRef> | null;
}

/** A version as a member of a registry collection. */
export interface LinkedVersion { collection: ArtifactCollection; artifact: Artifact; versionIndex: number; linkedAt: Date }

export interface LinkInput {
  /** The portfolio's project (a registry or a legacy `model-registry` project) and the portfolio's name. */
  projectId: ProjectId; collectionName: string;
  /** The type of the artifact being linked; a new portfolio takes it, an existing one must have it. */
  typeName: string;
  artifactId: number;
  /** Aliases to point at the linked version, besides `latest` (which a new link always takes). */
  aliases: string[];
  actor: ChangeActor;
}

export interface RegistryStore {
  /** The settings row of a registry project, or null when it has none (defaults apply). */
  findSettings(projectId: ProjectId): Promise<RegistrySettings | null>;
  /** Creates or changes the settings row; `addTypes` are added to the accepted types (types are never removed). */
  saveSettings(projectId: ProjectId, patch: { visibility?: RegistryVisibility; allowAllTypes?: boolean; addTypes?: string[] }, defaults: Omit<RegistrySettings, 'projectId'>): Promise<RegistrySettings>;
  /**
   * Creates the project and its settings atomically; null (nothing changed) when a project of that name exists.
   * The creator (if any) becomes the registry's first admin.
   */
  createRegistry(input: { entityId: EntityId; name: string; description: string | null; settings: Omit<RegistrySettings, 'projectId'>; admin: UserId | null }): Promise<Project | null>;
  /** New name and/or description; CONFLICT when the name is taken in the entity. */
  updateProject(projectId: ProjectId, patch: { name?: string; description?: string | null }): Promise<Project>;
  /**
   * Removes a registry: its portfolio collections with their memberships, aliases and tags, its types,
   * members and settings, and the project. Linked artifacts themselves stay in their own projects.
   * 'not-empty' (nothing removed) when the project holds runs or logged artifact versions of its own.
   */
  deleteRegistry(projectId: ProjectId): Promise<'deleted' | 'not-empty'>;
  listMembers(projectId: ProjectId): Promise<RegistryMember[]>;
  /**
   * Adds the member or changes its role; returns the previous role (null: was not a member). The change is
   * recorded in the promotion history (role_change, by `actor`) in the same transaction.
   */
  setMember(projectId: ProjectId, kind: RegistryMemberKind, memberId: number, role: RegistryRole, actor?: ChangeActor): Promise<RegistryRole | null>;
  /** Returns the role it had (null: was not a member); recorded like setMember. */
  removeMember(projectId: ProjectId, kind: RegistryMemberKind, memberId: number, actor?: ChangeActor): Promise<RegistryRole | null>;
  /** Explicit roles of a user on these registries: their own and their teams' (teamIds), per project. */
  memberRoles(projectIds: ProjectId[], userId: UserId, teamIds: EntityId[]): Promise<Map<ProjectId, RegistryRole[]>>;
  /**
   * Links an artifact into a portfolio collection (created when missing, with the artifact's type): the next
   * version index of the collection (indices are never reused), `latest` and the aliases moved to it, all
   * recorded as promotion events. Linking a version that is already a member keeps its index and only moves
   * the aliases. INVALID_INPUT when the collection holds another type; CONFLICT when the name is a sequence.
   */
  link(input: LinkInput): Promise<{ collection: ArtifactCollection; versionIndex: number; created: boolean }>;
  /**
   * Removes a version from a portfolio collection with its aliases there (recorded); `latest` moves to the
   * newest remaining version. False when it was not a member.
   */
  unlink(collectionId: number, artifactId: number, actor: ChangeActor): Promise<boolean>;
  /** Removes a portfolio collection, its memberships (unlinked, recorded), aliases and tags. */
  deletePortfolio(collectionId: number, actor: ChangeActor): Promise<void>;
  /** Projects (registries) among `projectIds` matching the filter, in order (default: oldest first). */
  searchRegistries(q: RegistryScope & Paging & { order: SearchOrder<RegistryFieldRef> | null }): Promise<Project[]>;
  searchCollections(q: CollectionSearch): Promise<ArtifactCollection[]>;
  countCollections(q: Omit<CollectionSearch, 'order' | 'offset' | 'limit'>): Promise<number>;
  searchVersions(q: VersionSearch): Promise<LinkedVersion[]>;
  countVersions(q: Omit<VersionSearch, 'order' | 'offset' | 'limit'>): Promise<number>;
  /** Every portfolio collection that has the artifact as a member, with its project. */
  portfoliosOf(artifactId: number): Promise<{ collection: ArtifactCollection; versionIndex: number; linkedAt: Date }[]>;
  /** When the version joined the collection, or null when it is not a member. */
  linkedAt(collectionId: number, artifactId: number): Promise<Date | null>;
  /** Artifact types used by the versions linked into a project's collections. */
  typesInUse(projectId: ProjectId): Promise<string[]>;
}
