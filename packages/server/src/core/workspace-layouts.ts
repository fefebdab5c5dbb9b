import type { ProjectId, UserId } from '@cairn/shared';
import { z } from 'zod';
import type { AccessPolicy } from './access.js';
import type { Viewer } from './auth.js';
import { invalidInput } from './errors.js';

/** A saved layout as stored: the validated document as JSON text. */
export interface StoredWorkspaceLayout { json: string; updatedAt: Date }

/** Port: one layout per (user, project). */
export interface WorkspaceLayoutStore {
  getLayout(userId: UserId, projectId: ProjectId): Promise<StoredWorkspaceLayout | null>;
  putLayout(userId: UserId, projectId: ProjectId, json: string, at: Date): Promise<void>;
  deleteLayout(userId: UserId, projectId: ProjectId): Promise<void>;
}

const metricKey = z.string().min(1).max(1024);
const runName = z.string().min(1).max(256);

/**
 * What a user arranged on a project's workspace. Panels start auto-arranged by key prefix; the layout records
 * only the user's changes: metrics added as panels, panels removed, panel widths (1–3 grid columns), run colours
 * picked by hand, the runs-table columns chosen and hidden, and the runs hidden from the charts.
 */
export const WorkspaceLayout = z.object({
  version: z.literal(1),
  panels: z.object({
    added: z.array(metricKey).max(500),
    removed: z.array(metricKey).max(10_000),
    sizes: z.record(metricKey, z.number().int().min(1).max(3)),
  }).strict(),
  runColors: z.record(runName, z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour is #rrggbb')),
  columns: z.array(z.string().min(1).max(1100)).max(500).nullable(),
  /** Runs hidden from the charts; layouts saved before this field existed read as none hidden. */
  hiddenRuns: z.array(runName).max(10_000).default([]),
  /** Standard runs-table columns hidden by the user (the pinned select/eye/name columns cannot be). */
  hiddenColumns: z.array(z.enum(['state', 'createdAt', 'tags', 'group', 'jobType'])).max(5).default([]),
}).strict();
export type WorkspaceLayout = z.infer<typeof WorkspaceLayout>;

/** Saved layouts are small: a few hundred keys. This bounds what one user can park in the database. */
export const MAX_LAYOUT_BYTES = 256 * 1024;

/**
 * Workspace layouts per user and project. Anyone who may read the project may keep their own layout of it (a
 * viewer arranges panels too); nobody reads or writes another user's.
 */
export class WorkspaceLayoutService {
  constructor(private readonly access: AccessPolicy, private readonly store: WorkspaceLayoutStore, private readonly now = () => new Date()) {}

  async get(viewer: Viewer, entity: string, project: string): Promise<{ layout: WorkspaceLayout | null; updatedAt: Date | null }> {
    const found = await this.access.project(viewer, entity, project, 'read');
    const stored = await this.store.getLayout(viewer.user.id, found.project.id);
    if (!stored) return { layout: null, updatedAt: null };
    // A layout saved by an older UI that no longer parses is treated as none rather than breaking the page.
    const parsed = WorkspaceLayout.safeParse(JSON.parse(stored.json));
    return parsed.success ? { layout: parsed.data, updatedAt: stored.updatedAt } : { layout: null, updatedAt: stored.updatedAt };
  }

  async put(viewer: Viewer, entity: string, project: string, body: unknown): Promise<{ layout: WorkspaceLayout; updatedAt: Date }> {
    const found = await this.access.project(viewer, entity, project, 'read');
    const parsed = WorkspaceLayout.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidInput(`invalid workspace layout: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? ''}`);
    }
    const json = JSON.stringify(parsed.data);
    if (Buffer.byteLength(json) > MAX_LAYOUT_BYTES) throw invalidInput(`workspace layout is larger than ${MAX_LAYOUT_BYTES} bytes`);
    const at = this.now();
    await this.store.putLayout(viewer.user.id, found.project.id, json, at);
    return { layout: parsed.data, updatedAt: at };
  }

  /** Back to the automatic layout. */
  async reset(viewer: Viewer, entity: string, project: string): Promise<void> {
    const found = await this.access.project(viewer, entity, project, 'read');
    await this.store.deleteLayout(viewer.user.id, found.project.id);
  }
}
