import type { ProjectId, UserId } from '@cairn/shared';

/**
 * A saved view of a project (W&B's `View`): reports are views of type "runs", their drafts "runs/draft".
 * `spec` is the JSON text exactly as the client sent it; Cairn never rewrites it.
 */
export interface StoredView {
  id: number;
  projectId: ProjectId;
  /** Unique within the project (the SDK sends a random 12-character name). */
  name: string;
  displayName: string;
  description: string;
  type: string;
  spec: string;
  /** The published view a draft edits (null for published views and for stand-alone drafts). */
  parentId: number | null;
  createdBy: UserId;
  updatedBy: UserId;
  /** WANDB_SDK, WANDB_UI, … as the client said. */
  createdUsing: string;
  createdAt: Date;
  updatedAt: Date;
}

export type NewView = Omit<StoredView, 'id' | 'updatedAt' | 'updatedBy'>;
export type ViewChanges = Partial<Pick<StoredView, 'displayName' | 'description' | 'type' | 'spec' | 'parentId'>> & { updatedBy: UserId; updatedAt: Date };

export interface ViewFilter {
  type?: string;
  name?: string;
  parentId?: number;
}

export interface ViewStore {
  /** Fails with CONFLICT when the project already has a view of that name. */
  insertView(view: NewView): Promise<StoredView>;
  updateView(id: number, changes: ViewChanges): Promise<StoredView | null>;
  findView(id: number): Promise<StoredView | null>;
  findViewByName(projectId: ProjectId, name: string): Promise<StoredView | null>;
  /** A project's views, most recently updated first. */
  listViews(projectId: ProjectId, filter?: ViewFilter): Promise<StoredView[]>;
  /** Deletes the views and returns how many there were. */
  deleteViews(ids: number[]): Promise<number>;
}
