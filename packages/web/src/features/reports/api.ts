import { gql } from '../../lib/api';

/** A report (W&B view) as the UI reads it through GraphQL. */
export interface ReportView {
  id: string;
  name: string;
  displayName: string | null;
  description: string | null;
  type: string;
  spec: string | null;
  parentId: string | null;
  createdAt: string;
  updatedAt: string;
  user: { username: string | null } | null;
  project: { name: string; entityName: string } | null;
}

const FIELDS = 'id name displayName description type spec parentId createdAt updatedAt user { username } project { name entityName }';
const LIST_FIELDS = 'id name displayName description type parentId updatedAt user { username }';

export const listReports = (entity: string, project: string, signal?: AbortSignal) => gql<{
  project: { allViews: { edges: { node: ReportView }[] }; drafts: { edges: { node: ReportView }[] } } | null;
}>(`query($e: String!, $p: String!) { project(entityName: $e, name: $p) {
  allViews(viewType: "runs", first: 1000) { edges { node { ${LIST_FIELDS} } } }
  drafts: allViews(viewType: "runs/draft", first: 1000) { edges { node { ${LIST_FIELDS} } } } } }`, { e: entity, p: project }, signal);

export const getReport = (id: string, signal?: AbortSignal) =>
  gql<{ view: ReportView }>(`query($id: ID!) { view(id: $id) { ${FIELDS} } }`, { id }, signal).then((d) => d.view);

export interface SaveInput {
  id?: string; entityName: string; projectName: string; displayName: string; description: string; type: string; spec: string; parentId?: string;
}
export const saveReport = (input: SaveInput) => gql<{ upsertView: { view: ReportView } }>(
  `mutation($i: UpsertViewInput!) { upsertView(input: $i) { view { ${FIELDS} } } }`, { i: { ...input, createdUsing: 'WANDB_UI' } },
).then((d) => d.upsertView.view);

export const publishReport = (id: string) => gql<{ publishView: { view: ReportView } }>(
  `mutation($id: ID!) { publishView(input: { id: $id }) { view { ${FIELDS} } } }`, { id },
).then((d) => d.publishView.view);

export const deleteReport = (id: string) => gql<{ deleteView: { success: boolean } }>(
  'mutation($id: ID!) { deleteView(input: { id: $id, deleteDrafts: true }) { success } }', { id },
);

/** W&B's report URL slug: "<title>--<id without padding>"; the id is what follows the last "--". */
export function slugOf(view: { id: string; displayName: string | null }): string {
  const title = (view.displayName ?? '').replace(/\W/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '') || 'report';
  return `${title}--${view.id.replace(/=+$/, '')}`;
}

export function idOfSlug(slug: string): string | null {
  const at = slug.lastIndexOf('--');
  const id = at >= 0 ? slug.slice(at + 2) : slug;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(id)) return null;
  return id.replace(/=+$/, '') + '='.repeat((4 - (id.replace(/=+$/, '').length % 4)) % 4);
}
