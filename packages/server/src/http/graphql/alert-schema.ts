/** Run alerts (run.alert, run-state alerts), their destinations and settings. */
export const alertTypeDefs = /* GraphQL */ `
enum AlertSeverity { INFO WARN ERROR }

input NotifyScriptableRunAlertInput {
  entityName: String!
  projectName: String!
  runName: String!
  title: String!
  text: String!
  severity: AlertSeverity = INFO
  "Milliseconds: no alert with the same title is sent again for this run within it (default one minute)."
  waitDuration: Duration
  clientMutationId: String
}
type NotifyScriptableRunAlertPayload { success: Boolean! suppressed: Boolean! clientMutationId: String }

input AddAlertDestinationInput {
  entityName: String!
  "slack (an incoming-webhook URL) or webhook (signed JSON)"
  kind: String!
  url: String!
  "HMAC-SHA256 signing secret of a webhook destination, 16 characters or more"
  secret: String
  description: String
}
input RemoveAlertDestinationInput { entityName: String! id: Int! }
input UpdateAlertSettingsInput { entityName: String! runFinished: Boolean runFailed: Boolean runCrashed: Boolean }

extend type Mutation {
  notifyScriptableRunAlert(input: NotifyScriptableRunAlertInput!): NotifyScriptableRunAlertPayload
  addAlertDestination(input: AddAlertDestinationInput!): AlertDestination
  removeAlertDestination(input: RemoveAlertDestinationInput!): Boolean
  updateAlertSettings(input: UpdateAlertSettingsInput!): AlertSettings
}

type AlertDestination { id: Int! kind: String! url: String! description: String createdBy: String! createdAt: DateTime! }
"Run-state alerts switched on for an entity's runs."
type AlertSettings { runFinished: Boolean! runFailed: Boolean! runCrashed: Boolean! }

type RunAlertDelivery {
  id: Int!
  destinationId: Int!
  "pending | delivered | failed"
  status: String!
  attempts: Int!
  lastStatusCode: Int
  lastError: String
  createdAt: DateTime!
  deliveredAt: DateTime
}
type RunAlert {
  id: Int!
  title: String!
  text: String!
  level: AlertSeverity!
  "script (run.alert) or run_state"
  source: String!
  waitDuration: Duration!
  createdAt: DateTime!
  deliveries: [RunAlertDelivery!]!
}

extend type Entity {
  "Only for the entity's admins (null otherwise)."
  alertDestinations: [AlertDestination!]
  alertSettings: AlertSettings
}
extend type Run {
  "Alerts sent for this run, newest first."
  alerts(limit: Int): [RunAlert!]!
}
`;
