import { randomBytes } from 'node:crypto';
import { encodeGqlId } from '@cairn/shared';
import type { AccessPolicy, AccessMode } from './access.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { Entity, MetaStore, Project } from './ports.js';
import type { StoredView, ViewStore } from './report-ports.js';

/** A view together with the project it belongs to (what GraphQL resolves View fields from). */
export interface ViewInProject { view: StoredView; project: Project; entity: Entity }

export interface UpsertViewInput {
  id?: number | null;
  entityName?: string | null;
  projectName?: string | null;
  name?: string | null;
  displayName?: string | null;
  description?: string | null;
  type?: string | null;
  spec?: string | null;
  createdUsing?: string | null;
  parentId?: number | null;
}

const DRAFT_SUFFIX = '/draft';
const MAX_NAME = 128;
const MAX_TYPE = 64;
const MAX_DISPLAY_NAME = 1024;
const MAX_DESCRIPTION = 64 * 1024;

/** Drafts (W&B: type "runs/draft") are their author's unpublished edits: only the author sees them. */
export const isDraft = (view: StoredView) => view.type.endsWith(DRAFT_SUFFIX);

// Named by the id clients know (base64 "View:<n>").
const viewNotFound = (id: number) => new DomainError(ErrorCodes.NOT_FOUND, `report (view) ${encodeGqlId('View', id)} not found`);

/** A random 12-character name, as W&B's app and SDK make them. */
const generateName = () => randomBytes(9).toString('base64url').slice(0, 12);

/** The spec must be a JSON object; it is kept as the exact text the client sent. */
function checkSpec(spec: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(spec);
  } catch (e) {
    throw invalidInput(`report spec is not valid JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidInput('report spec must be a JSON object');
  }
}

function checkLength(what: string, value: string | null | undefined, max: number): void {
  if (value != null && value.length > max) throw invalidInput(`${what} is longer than ${max} characters`);
}

/**
 * Reports and other saved views of a project (W&B's upsertView / view / allViews / deleteView). Access is the
 * project's: read it to read its views, write it to save or delete them; a view the viewer may not see is
 * not found, never forbidden.
 */
export class ReportService {
  constructor(
    private readonly meta: MetaStore,
    private readonly access: AccessPolicy,
    private readonly views: ViewStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The view with its project, or NOT_FOUND when it is absent or the viewer may not see it. */
  async get(viewer: Viewer, id: number, mode: AccessMode = 'read'): Promise<ViewInProject> {
    const view = await this.views.findView(id);
    const located = view ? await this.locate(view) : null;
    if (!view || !located) throw viewNotFound(id);
    await this.access.requireProject(viewer, located.entity, located.project, mode, () => viewNotFound(id));
    if (isDraft(view) && view.createdBy !== viewer.user.id) throw viewNotFound(id);
    return { view, ...located };
  }

  /** A readable project's views, newest first; `type` null lists every type. Others' drafts are left out. */
  async list(viewer: Viewer, entity: Entity, project: Project, filter: { type?: string | null; name?: string | null } = {}): Promise<ViewInProject[]> {
    await this.access.requireProject(viewer, entity, project, 'read',
      () => new DomainError(ErrorCodes.PROJECT_NOT_FOUND, `project ${entity.name}/${project.name} not found`));
    const views = await this.views.listViews(project.id, { type: filter.type ?? undefined, name: filter.name ?? undefined });
    return views.filter((v) => !isDraft(v) || v.createdBy === viewer.user.id).map((view) => ({ view, project, entity }));
  }

  /**
   * Saves a view: by id (it must exist and be writable), else by name within the project (updating the view of
   * that name when there is one), else as a new view with a generated name.
   */
  async upsert(viewer: Viewer, input: UpsertViewInput): Promise<{ saved: ViewInProject; inserted: boolean }> {
    if (input.spec != null) checkSpec(input.spec);
    checkLength('name', input.name, MAX_NAME);
    checkLength('type', input.type, MAX_TYPE);
    checkLength('displayName', input.displayName, MAX_DISPLAY_NAME);
    checkLength('description', input.description, MAX_DESCRIPTION);
    if (input.type === '') throw invalidInput('view type must not be empty');
    const at = this.now();

    let existing: ViewInProject | null = null;
    let target: { entity: Entity; project: Project };
    if (input.id != null) {
      existing = await this.get(viewer, input.id, 'write');
      target = existing;
    } else {
      if (!input.projectName) throw invalidInput('upsertView needs an id, or the projectName of a new view');
      target = await this.access.project(viewer, input.entityName, input.projectName, 'write');
      const named = input.name ? await this.views.findViewByName(target.project.id, input.name) : null;
      if (named) existing = await this.get(viewer, named.id, 'write');
    }
    const parentId = await this.checkParent(viewer, target.project, input.parentId, existing?.view.id);

    if (existing) {
      const updated = await this.views.updateView(existing.view.id, {
        displayName: input.displayName ?? undefined, description: input.description ?? undefined,
        type: input.type ?? undefined, spec: input.spec ?? undefined, parentId, updatedBy: viewer.user.id, updatedAt: at,
      });
      if (!updated) throw viewNotFound(existing.view.id);
      return { saved: { ...target, view: updated }, inserted: false };
    }
    if (input.spec == null) throw invalidInput('a new view needs a spec');
    const view = await this.views.insertView({
      projectId: target.project.id, name: input.name || generateName(), displayName: input.displayName ?? '',
      description: input.description ?? '', type: input.type ?? 'runs', spec: input.spec, parentId: parentId ?? null,
      createdBy: viewer.user.id, createdUsing: input.createdUsing ?? 'WANDB_UI', createdAt: at,
    });
    return { saved: { ...target, view }, inserted: true };
  }

  /**
   * Publishes a draft: a draft of a published view copies its title, description and spec into that view and
   * is deleted; a stand-alone draft simply becomes published. Answers the published view.
   */
  async publish(viewer: Viewer, draftId: number): Promise<ViewInProject> {
    const draft = await this.get(viewer, draftId, 'write');
    if (!isDraft(draft.view)) throw invalidInput(`view ${draftId} is not a draft`);
    const publishedType = draft.view.type.slice(0, -DRAFT_SUFFIX.length);
    const at = this.now();
    if (draft.view.parentId === null) {
      const view = await this.views.updateView(draftId, { type: publishedType, updatedBy: viewer.user.id, updatedAt: at });
      if (!view) throw viewNotFound(draftId);
      return { ...draft, view };
    }
    const parent = await this.get(viewer, draft.view.parentId, 'write');
    const view = await this.views.updateView(parent.view.id, {
      displayName: draft.view.displayName, description: draft.view.description, spec: draft.view.spec,
      type: publishedType, updatedBy: viewer.user.id, updatedAt: at,
    });
    if (!view) throw viewNotFound(parent.view.id);
    await this.views.deleteViews([draftId]);
    return { ...parent, view };
  }

  /**
   * Deletes a view. Its drafts go with it when `deleteDrafts`; otherwise a view that still has drafts is kept
   * and `pendingDrafts` says why (W&B's deleteView answer).
   */
  async delete(viewer: Viewer, id: number, deleteDrafts: boolean): Promise<{ success: boolean; pendingDrafts: boolean }> {
    const { view } = await this.get(viewer, id, 'write');
    const drafts = await this.views.listViews(view.projectId, { parentId: view.id });
    if (drafts.length > 0 && !deleteDrafts) return { success: false, pendingDrafts: true };
    await this.views.deleteViews([...drafts.map((d) => d.id), view.id]);
    return { success: true, pendingDrafts: false };
  }

  private async checkParent(viewer: Viewer, project: Project, parentId: number | null | undefined, selfId: number | undefined) {
    if (parentId == null) return undefined;
    const parent = await this.get(viewer, parentId, 'read');
    if (parent.project.id !== project.id) throw invalidInput('a draft and the view it edits must be in the same project');
    if (parent.view.id === selfId) throw invalidInput('a view cannot be its own parent');
    if (isDraft(parent.view)) throw invalidInput('a draft cannot be the parent of another view');
    return parent.view.id;
  }

  private async locate(view: StoredView): Promise<{ project: Project; entity: Entity } | null> {
    const project = await this.meta.findProjectById(view.projectId);
    const entity = project ? await this.meta.findEntityById(project.entityId) : null;
    return project && entity ? { project, entity } : null;
  }
}
