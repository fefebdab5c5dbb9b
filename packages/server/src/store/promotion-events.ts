import type { Transaction } from 'kysely';
import type { ChangeActor } from '../core/ports.js';
import type { PromotionAction } from '../core/promotion-ports.js';
import type { Database } from './schema.js';

/** A collection locked for a change: further alias changes to it wait until this transaction ends. */
export interface LockedCollection { id: number; projectId: number; kind: string }

/**
 * Locks the collection row (PostgreSQL: a row lock until commit; SQLite writes are serialised anyway), so two
 * concurrent moves of one alias are recorded as A→B→C rather than both as A→x.
 */
export async function lockCollection(tx: Transaction<Database>, collectionId: number, now: number): Promise<LockedCollection | null> {
  const r = await tx.updateTable('artifact_collections').set({ updated_at: now }).where('id', '=', collectionId)
    .returning(['id', 'project_id', 'kind']).executeTakeFirst();
  return r ? { id: r.id, projectId: r.project_id, kind: r.kind } : null;
}

export interface CollectionChange {
  action: PromotionAction; alias: string | null; fromArtifactId: number | null; toArtifactId: number | null;
  detail?: Record<string, unknown>;
}

/**
 * Appends events for changes made in this transaction to a locked collection. Alias events of portfolio
 * collections (registries) also go to the webhook outbox, in the same transaction.
 */
export async function recordCollectionChanges(
  tx: Transaction<Database>, collection: LockedCollection, changes: CollectionChange[], actor: ChangeActor, at: number,
): Promise<void> {
  if (changes.length === 0) return;
  const ids = [...new Set(changes.flatMap((c) => [c.fromArtifactId, c.toArtifactId]).filter((x): x is number => x !== null))];
  const versions = new Map<number, number>();
  if (ids.length > 0) {
    const rows = await tx.selectFrom('artifact_memberships').select(['artifact_id', 'version_index'])
      .where('collection_id', '=', collection.id).where('artifact_id', 'in', ids).execute();
    for (const r of rows) versions.set(Number(r.artifact_id), Number(r.version_index));
  }
  const inserted = await tx.insertInto('promotion_events').values(changes.map((c) => ({
    at, project_id: collection.projectId, collection_id: collection.id, action: c.action, alias: c.alias,
    from_artifact_id: c.fromArtifactId, from_version: c.fromArtifactId === null ? null : versions.get(c.fromArtifactId) ?? null,
    to_artifact_id: c.toArtifactId, to_version: c.toArtifactId === null ? null : versions.get(c.toArtifactId) ?? null,
    actor_user_id: actor.userId, actor_name: actor.username, detail: c.detail ? JSON.stringify(c.detail) : null,
  }))).returning(['id', 'action']).execute();
  if (collection.kind !== 'portfolio') return;
  const outbox = inserted.filter((r) => r.action.startsWith('alias_')).map((r) => ({ event_id: r.id }));
  if (outbox.length > 0) await tx.insertInto('promotion_outbox').values(outbox).execute();
}

/**
 * Points aliases of a locked collection at an artifact (an alias is unique in its collection: it moves) and
 * records each real change; pointing an alias where it already points records nothing.
 */
export async function moveAliasesRecorded(
  tx: Transaction<Database>, collection: LockedCollection, artifactId: number, aliases: string[], actor: ChangeActor, now: number,
  detail?: Record<string, unknown>,
): Promise<void> {
  const wanted = [...new Set(aliases)];
  if (wanted.length === 0) return;
  const before = new Map((await tx.selectFrom('artifact_aliases').select(['alias', 'artifact_id'])
    .where('collection_id', '=', collection.id).where('alias', 'in', wanted).execute()).map((r) => [r.alias, Number(r.artifact_id)]));
  const changes: CollectionChange[] = [];
  for (const alias of wanted) {
    const from = before.get(alias);
    if (from === artifactId) continue;
    await tx.insertInto('artifact_aliases').values({ collection_id: collection.id, alias, artifact_id: artifactId, created_at: now })
      .onConflict((oc) => oc.columns(['collection_id', 'alias']).doUpdateSet({ artifact_id: artifactId, created_at: now })).execute();
    changes.push({ action: from === undefined ? 'alias_add' : 'alias_move', alias, fromArtifactId: from ?? null, toArtifactId: artifactId, ...(detail ? { detail } : {}) });
  }
  await recordCollectionChanges(tx, collection, changes, actor, now);
}

/** Removes aliases of a locked collection that point at the artifact (all of them when `aliases` is null), recorded. */
export async function removeAliasesRecorded(
  tx: Transaction<Database>, collection: LockedCollection, artifactId: number, aliases: string[] | null, actor: ChangeActor, now: number,
  detail?: Record<string, unknown>,
): Promise<void> {
  let q = tx.selectFrom('artifact_aliases').select('alias').where('collection_id', '=', collection.id).where('artifact_id', '=', artifactId);
  if (aliases !== null) {
    if (aliases.length === 0) return;
    q = q.where('alias', 'in', aliases);
  }
  const present = (await q.orderBy('id').execute()).map((r) => r.alias);
  if (present.length === 0) return;
  await tx.deleteFrom('artifact_aliases').where('collection_id', '=', collection.id).where('artifact_id', '=', artifactId)
    .where('alias', 'in', present).execute();
  await recordCollectionChanges(tx, collection, present.map((alias) => ({
    action: 'alias_remove' as const, alias, fromArtifactId: artifactId, toArtifactId: null, ...(detail ? { detail } : {}),
  })), actor, now);
}

/** Removes every alias of an artifact in every collection (a deleted version), recorded per collection. */
export async function removeAllAliasesRecorded(tx: Transaction<Database>, artifactId: number, actor: ChangeActor, now: number, reason: string) {
  const collections = (await tx.selectFrom('artifact_aliases').select('collection_id').distinct().where('artifact_id', '=', artifactId).execute())
    .map((r) => Number(r.collection_id)).sort((a, b) => a - b); // one lock order everywhere: no deadlocks
  for (const id of collections) {
    const locked = await lockCollection(tx, id, now);
    if (locked) await removeAliasesRecorded(tx, locked, artifactId, null, actor, now, { reason });
    else await tx.deleteFrom('artifact_aliases').where('collection_id', '=', id).where('artifact_id', '=', artifactId).execute();
  }
}

/**
 * Appends a registry role change (a user's or a team's role on a registry project) in the transaction that
 * makes it. `from`/`to` null: was not / is no longer a member.
 */
export async function recordRegistryRoleChange(
  tx: Transaction<Database>, projectId: number, member: { kind: 'user' | 'team'; id: number }, change: { from: string | null; to: string | null },
  actor: ChangeActor, now: number,
): Promise<void> {
  if (change.from === change.to) return;
  const name = member.kind === 'user'
    ? (await tx.selectFrom('users').select('username as name').where('id', '=', member.id).executeTakeFirst())?.name
    : (await tx.selectFrom('entities').select('name').where('id', '=', member.id).executeTakeFirst())?.name;
  await tx.insertInto('promotion_events').values({
    at: now, project_id: projectId, collection_id: null, action: 'role_change', alias: null, from_artifact_id: null, from_version: null,
    to_artifact_id: null, to_version: null, actor_user_id: actor.userId, actor_name: actor.username,
    detail: JSON.stringify({ user: name ?? null, memberKind: member.kind, memberId: member.id, from: change.from, to: change.to }),
  }).execute();
}
