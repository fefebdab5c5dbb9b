import type { ProjectId, UserId } from '@cairn/shared';
import type { StoredWorkspaceLayout, WorkspaceLayoutStore } from '../core/workspace-layouts.js';
import type { SqlDatabase } from './sql-database.js';

/** Workspace layouts on SQLite or PostgreSQL: one JSON text per (user, project), replaced whole on save. */
export class KyselyWorkspaceLayoutStore implements WorkspaceLayoutStore {
  private readonly db;
  constructor(sqlDb: SqlDatabase) {
    this.db = sqlDb.db;
  }

  async getLayout(userId: UserId, projectId: ProjectId): Promise<StoredWorkspaceLayout | null> {
    const r = await this.db.selectFrom('workspace_layouts').select(['layout', 'updated_at'])
      .where('user_id', '=', userId).where('project_id', '=', projectId).executeTakeFirst();
    return r ? { json: r.layout, updatedAt: new Date(Number(r.updated_at)) } : null;
  }

  async putLayout(userId: UserId, projectId: ProjectId, json: string, at: Date): Promise<void> {
    const values = { user_id: userId, project_id: projectId, layout: json, updated_at: at.getTime() };
    await this.db.insertInto('workspace_layouts').values(values)
      .onConflict((oc) => oc.columns(['user_id', 'project_id']).doUpdateSet({ layout: json, updated_at: values.updated_at }))
      .execute();
  }

  async deleteLayout(userId: UserId, projectId: ProjectId): Promise<void> {
    await this.db.deleteFrom('workspace_layouts').where('user_id', '=', userId).where('project_id', '=', projectId).execute();
  }
}
