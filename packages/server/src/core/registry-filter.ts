import { invalidInput } from './errors.js';
import type { FilterNode } from './ports.js';
import type { CollectionFieldRef, RegistryFieldRef, SearchOrder, VersionFieldRef } from './registry-ports.js';
import { parseMongoFilter } from './run-filter.js';

/**
 * Registry search filters (protocol §7) exactly as the SDK sends them: JSONString MongoDB-style documents on
 * registries (projects), collections and versions. Field names are the SDK's "basic" and "advanced" search names
 * and their aliases (wandb/apis/public/registries/_utils.py), plus camelCase spellings older SDKs pass through
 * from users. Parsing is core/run-filter.ts's parseMongoFilter; only the field names differ.
 */
const REGISTRY_FIELDS: Record<string, RegistryFieldRef['column']> = {
  id: 'id', project_id: 'id', projectId: 'id', name: 'name', entity_id: 'entityId', entityId: 'entityId',
  description: 'description', created_at: 'createdAt', createdAt: 'createdAt', updated_at: 'updatedAt', updatedAt: 'updatedAt',
};
const COLLECTION_FIELDS: Record<string, CollectionFieldRef['column']> = {
  id: 'id', collection_id: 'id', artifact_collection_id: 'id', name: 'name', collection_name: 'name', artifact_collection_name: 'name',
  description: 'description', created_at: 'createdAt', createdAt: 'createdAt', updated_at: 'updatedAt', updatedAt: 'updatedAt',
  type: 'type', artifact_type: 'type', tag: 'tag', tags: 'tag',
};
const VERSION_FIELDS: Record<string, Exclude<VersionFieldRef, { metadata: string[] }>['column']> = {
  id: 'id', artifact_id: 'id', version: 'version', version_index: 'version', versionIndex: 'version',
  tag: 'tag', tags: 'tag', alias: 'alias', aliases: 'alias',
  created_at: 'createdAt', createdAt: 'createdAt', artifact_created_at: 'createdAt', updated_at: 'updatedAt', updatedAt: 'updatedAt',
  linked_at: 'linkedAt', acm_created_at: 'linkedAt', artifact_size: 'size', size: 'size', digest: 'digest', description: 'description',
};
const MAX_PATH = 16;

function lookup<T>(table: Record<string, T>, name: string, what: string): T {
  // Own keys only: "constructor" or "__proto__" must not find Object.prototype's members.
  if (typeof name === 'string' && Object.hasOwn(table, name)) return table[name]!;
  throw invalidInput(`unknown ${what} filter field ${JSON.stringify(name)}: use ${Object.keys(table).filter((k) => !/[A-Z]/.test(k)).join(', ')}`);
}

export const registryField = (name: string): RegistryFieldRef => ({ column: lookup(REGISTRY_FIELDS, name, 'registry') });
export const collectionField = (name: string): CollectionFieldRef => ({ column: lookup(COLLECTION_FIELDS, name, 'collection') });
export function versionField(name: string): VersionFieldRef {
  const [head, ...path] = typeof name === 'string' ? name.split('.') : [];
  if ((head === 'metadata' || head === 'artifact_metadata') && path.length > 0) {
    if (path.length > MAX_PATH || path.some((p) => p === '')) throw invalidInput(`invalid metadata field ${JSON.stringify(name)}`);
    return { metadata: path };
  }
  if (head === 'metadata') throw invalidInput('filter on a metadata key: "metadata.<key>"');
  return { column: lookup(VERSION_FIELDS, name, 'version') };
}

export const parseRegistryFilter = (json: string | null | undefined): FilterNode<RegistryFieldRef> => parseMongoFilter(json, registryField);
export const parseCollectionFilter = (json: string | null | undefined): FilterNode<CollectionFieldRef> => parseMongoFilter(json, collectionField);
export const parseVersionFilter = (json: string | null | undefined): FilterNode<VersionFieldRef> => parseMongoFilter(json, versionField);

/** `name`, `+created_at`, `-updated_at`, … → an order on those fields; null (store default) when absent. */
function parseOrder<F>(order: string | null | undefined, field: (name: string) => F, allowed: (f: F) => boolean, what: string): SearchOrder<F> | null {
  if (!order) return null;
  const descending = order.startsWith('-');
  const f = field(order.replace(/^[+-]/, ''));
  if (!allowed(f)) throw invalidInput(`cannot order ${what} by ${JSON.stringify(order)}`);
  return { field: f, descending };
}
const SORTABLE = new Set(['name', 'createdAt', 'updatedAt']);
export const parseRegistryOrder = (order: string | null | undefined) =>
  parseOrder(order, registryField, (f) => SORTABLE.has(f.column), 'registries');
export const parseCollectionOrder = (order: string | null | undefined) =>
  parseOrder(order, collectionField, (f) => SORTABLE.has(f.column), 'collections');
export const parseVersionOrder = (order: string | null | undefined) =>
  parseOrder(order, versionField, (f) => !('metadata' in f) && ['createdAt', 'updatedAt', 'linkedAt', 'size', 'version'].includes(f.column), 'versions');
