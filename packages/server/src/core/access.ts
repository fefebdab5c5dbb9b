import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes } from './errors.js';
import type { Entity, MetaStore, Project } from './ports.js';

/**
 * The one place that decides who may read or write an entity's projects. Today: site admins and members
 * of the entity. What a viewer may not see answers exactly like what does not exist (no name leaks).
 */
export class AccessPolicy {
  constructor(private readonly meta: MetaStore) {}

  async canAccessEntity(viewer: Viewer, entity: Entity): Promise<boolean> {
    if (viewer.user.admin || viewer.user.entityId === entity.id) return true;
    return this.meta.isMember(entity.id, viewer.user.id);
  }

  /** The entity by name (or the viewer's own when name is empty), or ENTITY_NOT_FOUND. */
  async entity(viewer: Viewer, name: string | null | undefined): Promise<Entity> {
    const wanted = name || viewer.user.username;
    const entity = await this.meta.findEntityByName(wanted);
    if (!entity || !(await this.canAccessEntity(viewer, entity))) {
      throw new DomainError(ErrorCodes.ENTITY_NOT_FOUND, `entity ${wanted} not found`);
    }
    return entity;
  }

  async entityOrNull(viewer: Viewer, name: string | null | undefined): Promise<Entity | null> {
    try {
      return await this.entity(viewer, name);
    } catch (e) {
      if (e instanceof DomainError && e.code === ErrorCodes.ENTITY_NOT_FOUND) return null;
      throw e;
    }
  }

  async project(viewer: Viewer, entityName: string | null | undefined, projectName: string): Promise<{ entity: Entity; project: Project }> {
    const entity = await this.entity(viewer, entityName);
    const project = await this.meta.findProject(entity.id, projectName);
    if (!project) throw new DomainError(ErrorCodes.PROJECT_NOT_FOUND, `project ${entity.name}/${projectName} not found`);
    return { entity, project };
  }
}
