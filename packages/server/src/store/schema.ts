import type { ColumnType, Generated } from 'kysely';

/**
 * Table shapes shared by SQLite and PostgreSQL. Portable on purpose: times are epoch milliseconds
 * (BIGINT), booleans are 0/1 integers, JSON documents are TEXT kept exactly as the SDK sent them.
 */
export interface Database {
  entities: { id: Generated<number>; name: string; type: string; created_at: number; org_id: Generated<number | null> };
  users: {
    id: Generated<number>; username: string; email: string | null; admin: number; entity_id: number;
    password_hash: string | null; created_at: number; deleted_at: number | null; service_account: Generated<number>;
    /** 0017: the entity the user's runs go to when none is named (null: their own). */
    default_entity_id: Generated<number | null>;
  };
  organizations: { id: Generated<number>; name: string; entity_id: number; created_at: number };
  memberships: { entity_id: number; user_id: number; role: string; created_at: number };
  api_keys: {
    id: Generated<number>; user_id: number; key_hash: string; prefix: string; name: string | null;
    created_at: number; revoked_at: number | null;
  };
  projects: {
    id: Generated<number>; entity_id: number; name: string; description: string | null;
    created_at: number; updated_at: number; run_counter: number;
    /** 0016: private | organization | restricted | public. */
    visibility: Generated<string>;
  };
  /** Named members of restricted projects (0016). */
  project_members: { project_id: number; user_id: number; role: string; created_at: number };
  runs: {
    id: Generated<number>; project_id: number; name: string; display_name: string; number: number;
    user_id: number | null; state: string; config: string; summary: string; system_metrics: string;
    tags: string; notes: string | null; description: string | null; group_name: string | null;
    job_type: string | null; host: string | null; program: string | null; commit_sha: string | null;
    repo: string | null; sweep_name: string | null; exit_code: number | null; stop_requested: number;
    created_at: number; updated_at: number; heartbeat_at: number;
    config_q: Generated<string>; summary_q: Generated<string>;
    /** The run-state alert owed for how this run ended, `<state>@<ms>` (0022). */
    state_alert_pending: ColumnType<string | null, string | null | undefined, string | null>;
  };
  run_files: {
    run_id: number; name: string; blob_key: string; size_bytes: number; md5: string | null;
    mimetype: string | null; uploaded: number; updated_at: number;
  };
  history_lines: {
    run_id: number; stream: string; writer: string; line_no: number; seq: number; step: number | null; data: string;
  };
  history_state: {
    run_id: number; stream: string; next_seq: number; next_step: number; last_step: number | null; keys: string;
  };
  series_keys: {
    run_id: number; key: string; numeric: number; step_lo: number | null; step_hi: number | null; count: number;
  };
  series_chunks: {
    run_id: number; key: string; chunk: number; count: number; summary: Uint8Array; blocks: Uint8Array;
  };
  series_points: { run_id: number; key: string; chunk: number; points: Uint8Array };
  series_rollups: { run_id: number; key: string; level: number; node: number; summary: Uint8Array };
  series_state: { run_id: number; indexed_seq: number };
  artifact_types: { id: Generated<number>; project_id: number; name: string; created_at: number };
  artifact_collections: {
    id: Generated<number>; project_id: number; type_id: number; name: string; kind: string; description: string | null;
    client_id: string | null; created_at: number; updated_at: number;
    /** Set when the sequence was deleted (0014): hidden from reads until logged to or restored again. */
    deleted_at: ColumnType<number | null, number | null | undefined, number | null>;
  };
  artifacts: {
    id: Generated<number>; project_id: number; sequence_id: number; type_id: number; state: string; digest: string;
    description: string | null; metadata: string | null; ttl_seconds: number | null; history_step: number | null;
    version_index: number | null; commit_hash: string | null; size: Generated<number>; file_count: Generated<number>;
    created_by_run_id: number | null; client_id: string | null; distributed_id: string | null;
    requested_aliases: Generated<string>; created_at: number; updated_at: number;
    committed_at: number | null; deleted_at: number | null;
    /** 1: the TTL comes from the collection/project default (0009); 0: ttl_seconds is the version's own (null = none). */
    ttl_inherited: Generated<number>;
  };
  /** Default TTLs versions inherit: collection_id 0 = the whole project. ttl_seconds 0 = "never expire". */
  /** An organization's default TTL for versions of its org entity's and teams' projects (0021). */
  org_artifact_ttl_defaults: { org_id: number; ttl_seconds: number; updated_at: number };
  artifact_ttl_defaults: { project_id: number; collection_id: number; ttl_seconds: number; updated_at: number };
  artifact_memberships: { collection_id: number; artifact_id: number; version_index: number; created_at: number };
  artifact_aliases: { id: Generated<number>; collection_id: number; alias: string; artifact_id: number; created_at: number };
  artifact_tags: { artifact_id: number; name: string };
  artifact_manifests: {
    artifact_id: number; type: string; name: string; digest: string; blob_key: string; base_artifact_id: number | null;
    updated_at: number;
  };
  /** Partial manifests (INCREMENTAL, PATCH) of a pending version, merged in id order on commit (0008). */
  artifact_manifest_parts: {
    id: Generated<number>; artifact_id: number; type: string; name: string; digest: string; blob_key: string;
    base_artifact_id: number | null; created_at: number;
  };
  artifact_files: {
    artifact_id: number; name: string; digest: string; size: number; ref: string | null; birth_artifact_id: number | null;
  };
  content_objects: { md5_hex: string; size: number | null; birth_artifact_id: number; stored_at: number | null; created_at: number };
  artifact_usage: { run_id: number; artifact_id: number; used_as: string | null; created_at: number };
  /** Runs that logged a version another run created (content dedup), besides its creator (0011). */
  artifact_outputs: { run_id: number; artifact_id: number; created_at: number };
  artifact_collection_tags: { collection_id: number; name: string };
  /** Append-only promotion history (0012): links, unlinks, alias changes, registry role changes. */
  promotion_events: {
    id: Generated<number>; at: number; project_id: number; collection_id: number | null; action: string; alias: string | null;
    from_artifact_id: number | null; from_version: number | null; to_artifact_id: number | null; to_version: number | null;
    actor_user_id: number | null; actor_name: string; detail: string | null;
  };
  /** Alias events of portfolio collections not yet fanned out to webhooks (0012). */
  promotion_outbox: { event_id: number };
  registry_alias_policies: { project_id: number; protected_aliases: string; updated_at: number; updated_by: string };
  webhooks: {
    id: Generated<number>; scope_kind: string; scope_id: number; url: string; secret: string; description: string | null;
    created_by: string; created_at: number; disabled_at: number | null;
    /** 'generic' | 'slack' (0015). */
    format: Generated<string>;
  };
  webhook_deliveries: {
    id: Generated<number>; webhook_id: number; event_type: string; body: string; status: string; attempts: Generated<number>;
    next_attempt_at: number; lease_until: number | null; last_status_code: number | null; last_error: string | null;
    created_at: number; delivered_at: number | null;
    /** The run alert this delivery carries (0015). */
    alert_id: Generated<number | null>;
  };
  /** Run alerts that were sent (0015). */
  run_alerts: {
    id: Generated<number>; run_id: number; title: string; text: string; level: string; wait_ms: number; source: string; created_at: number;
    /** Set for alerts that must be recorded at most once per run (0022). */
    dedupe_key: ColumnType<string | null, string | null | undefined, string | null>;
  };
  /** Content released by a purge, deleted from the blob store after the purge committed (0022). */
  blob_deletions: { md5_hex: string; queued_at: number };
  /** Run-state alerts an entity switched on (0015). */
  alert_settings: { entity_id: number; run_finished: number; run_failed: number; run_crashed: number; updated_at: number };
  /** A user's workspace layout per project (0018), JSON text. */
  workspace_layouts: { user_id: number; project_id: number; layout: string; updated_at: number };
  /** Saved views: reports and their drafts (0019); spec is the client's JSON text. */
  views: {
    id: Generated<number>; project_id: number; name: string; display_name: string; description: string; type: string; spec: string;
    parent_id: number | null; created_by: number; updated_by: number; created_using: string; created_at: number; updated_at: number;
  };
  console_lines: {
    run_id: number; writer: string; line_no: number; seq: number; level: string; label: string | null;
    ts: string | null; text: string;
  };
  sessions: {
    token_hash: string; user_id: number; created_at: number; last_seen_at: number; expires_at: number;
    ip: string | null; user_agent: string | null;
  };
  audit_log: {
    id: Generated<number>; at: number; actor: string | null; action: string; target: string | null;
    ip: string | null; detail: string | null;
  };
  /** Registry settings, accepted types, members and portfolio version counters (0013). */
  registries: { project_id: number; visibility: string; allow_all_types: number; created_at: number; updated_at: number };
  registry_artifact_types: { project_id: number; name: string; created_at: number };
  registry_members: { project_id: number; member_kind: string; member_id: number; role: string; created_at: number };
  portfolio_counters: { collection_id: number; next_version: number };
}
