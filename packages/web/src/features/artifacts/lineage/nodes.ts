/** Lineage nodes from GraphQL runs and artifact versions (kept apart from the graph view so pages can import them cheaply). */
import { runPath, versionPath } from '../paths';
import type { LineageNode } from './graph';

export const RUN = 'name displayName state project { name entityName }';
export const ART = 'id versionIndex state artifactType { name } artifactSequence { name project { name entityName } }';
export interface GqlRun { name: string; displayName: string | null; state: string | null; project: { name: string; entityName: string } | null }
export interface GqlArt { id: string; versionIndex: number | null; state: string; artifactType: { name: string }; artifactSequence: { name: string; project: { name: string; entityName: string } | null } }

export const runId = (entity: string, project: string, name: string) => `run:${JSON.stringify([entity, project, name])}`;
export const runRefOf = (id: string) => JSON.parse(id.slice(4)) as [string, string, string];

export function runNode(r: GqlRun, fallbackProject?: { entity: string; project: string }): LineageNode | null {
  const entity = r.project?.entityName ?? fallbackProject?.entity;
  const project = r.project?.name ?? fallbackProject?.project;
  if (!entity || !project) return null;
  return { id: runId(entity, project, r.name), kind: 'run', label: r.displayName ?? r.name, sub: `run · ${project}`, href: runPath(entity, project, r.name), state: r.state };
}
export function artifactNode(a: GqlArt): LineageNode {
  const p = a.artifactSequence.project;
  const version = a.versionIndex === null ? null : `v${a.versionIndex}`;
  return {
    id: a.id, kind: 'artifact', label: `${a.artifactSequence.name}${version ? `:${version}` : ''}`, sub: a.artifactType.name,
    // A version seen only through a registry has no project here: it is shown, not linked.
    href: p && version ? versionPath(p.entityName, p.name, a.artifactType.name, a.artifactSequence.name, version) : null,
    collection: `${p?.entityName ?? '?'}/${p?.name ?? '?'}/${a.artifactSequence.name}`,
  };
}

