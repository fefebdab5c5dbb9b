/** Reports and other saved views (W&B's View: upsertView, view(id), project.allViews, deleteView). */
export const reportTypeDefs = /* GraphQL */ `
"How a view was made (the SDK sends WANDB_SDK)."
enum ViewSource { WANDB_UI WANDB_UI_SHARE_PANEL WANDB_SDK }

type View {
  id: ID!
  name: String!
  displayName: String
  description: String
  "runs (a report), runs/draft (a draft), or another view type"
  type: String!
  "The JSON text exactly as it was saved."
  spec: JSONString
  project: Project
  entityName: String!
  projectName: String!
  user: User
  updatedBy: User
  createdUsing: String
  createdAt: DateTime!
  updatedAt: DateTime!
  "The published view this draft edits."
  parentId: ID
}
type ViewConnection { edges: [ViewEdge!]! pageInfo: PageInfo! totalCount: Int! }
type ViewEdge { node: View cursor: String! }

input UpsertViewInput {
  id: ID
  entityName: String
  projectName: String
  name: String
  displayName: String
  description: String
  type: String
  "A JSON object as text; stored and returned unchanged."
  spec: String
  createdUsing: ViewSource
  "Makes this view a draft of that published view (publishView copies it back)."
  parentId: ID
  clientMutationId: String
}
type UpsertViewPayload { view: View inserted: Boolean clientMutationId: String }
input DeleteViewInput { id: ID! deleteDrafts: Boolean clientMutationId: String }
type DeleteViewPayload { success: Boolean pendingDrafts: Boolean clientMutationId: String }
input PublishViewInput { id: ID! clientMutationId: String }
type PublishViewPayload { view: View clientMutationId: String }

extend type Query {
  "A view by id; not found when it is absent or the viewer may not read its project."
  view(id: ID!): View
}
extend type Mutation {
  upsertView(input: UpsertViewInput!): UpsertViewPayload
  deleteView(input: DeleteViewInput!): DeleteViewPayload
  "Publishes a draft (type .../draft) into the view it edits, or as a new published view."
  publishView(input: PublishViewInput!): PublishViewPayload
}
extend type Project {
  "The project's views, newest first (others' drafts are never listed). viewType null lists every type."
  allViews(viewType: String = "runs", viewName: String, first: Int, after: String): ViewConnection
}
`;
