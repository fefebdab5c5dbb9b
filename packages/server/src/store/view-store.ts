import type { ProjectId, UserId } from '@cairn/shared';
import type { Selectable } from 'kysely';
import { DomainError, ErrorCodes } from '../core/errors.js';
import type { NewView, StoredView, ViewChanges, ViewFilter, ViewStore } from '../core/report-ports.js';
import type { Database } from './schema.js';
import type { SqlDatabase } from './sql-database.js';

const toView = (r: Selectable<Database['views']>): StoredView => ({
  id: Number(r.id), projectId: Number(r.project_id) as ProjectId, name: r.name, displayName: r.display_name,
  description: r.description, type: r.type, spec: r.spec, parentId: r.parent_id === null ? null : Number(r.parent_id),
  createdBy: Number(r.created_by) as UserId, updatedBy: Number(r.updated_by) as UserId, createdUsing: r.created_using,
  createdAt: new Date(Number(r.created_at)), updatedAt: new Date(Number(r.updated_at)),
});

/** Saved views (reports and drafts) on SQLite or PostgreSQL. */
export class KyselyViewStore implements ViewStore {
  private readonly db;
  constructor(sqlDb: SqlDatabase) {
    this.db = sqlDb.db;
  }

  async insertView(v: NewView): Promise<StoredView> {
    // Checked first so both dialects answer the same error (the unique index still guards a race).
    if (await this.findViewByName(v.projectId, v.name)) {
      throw new DomainError(ErrorCodes.CONFLICT, `a view named ${v.name} already exists in this project`);
    }
    const at = v.createdAt.getTime();
    const row = await this.db.insertInto('views').values({
      project_id: v.projectId, name: v.name, display_name: v.displayName, description: v.description, type: v.type,
      spec: v.spec, parent_id: v.parentId, created_by: v.createdBy, updated_by: v.createdBy, created_using: v.createdUsing,
      created_at: at, updated_at: at,
    }).returningAll().executeTakeFirstOrThrow();
    return toView(row);
  }

  async updateView(id: number, c: ViewChanges): Promise<StoredView | null> {
    const row = await this.db.updateTable('views').set({
      ...(c.displayName !== undefined ? { display_name: c.displayName } : {}),
      ...(c.description !== undefined ? { description: c.description } : {}),
      ...(c.type !== undefined ? { type: c.type } : {}),
      ...(c.spec !== undefined ? { spec: c.spec } : {}),
      ...(c.parentId !== undefined ? { parent_id: c.parentId } : {}),
      updated_by: c.updatedBy, updated_at: c.updatedAt.getTime(),
    }).where('id', '=', id).returningAll().executeTakeFirst();
    return row ? toView(row) : null;
  }

  async findView(id: number): Promise<StoredView | null> {
    const row = await this.db.selectFrom('views').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toView(row) : null;
  }

  async findViewByName(projectId: ProjectId, name: string): Promise<StoredView | null> {
    const row = await this.db.selectFrom('views').selectAll().where('project_id', '=', projectId).where('name', '=', name).executeTakeFirst();
    return row ? toView(row) : null;
  }

  async listViews(projectId: ProjectId, filter: ViewFilter = {}): Promise<StoredView[]> {
    let q = this.db.selectFrom('views').selectAll().where('project_id', '=', projectId);
    if (filter.type !== undefined) q = q.where('type', '=', filter.type);
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.parentId !== undefined) q = q.where('parent_id', '=', filter.parentId);
    return (await q.orderBy('updated_at', 'desc').orderBy('id', 'desc').execute()).map(toView);
  }

  async deleteViews(ids: number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await this.db.deleteFrom('views').where('id', 'in', ids).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
