import type { Generated } from 'kysely';

/**
 * Table shapes shared by SQLite and PostgreSQL. Portable on purpose: times are epoch milliseconds
 * (BIGINT), booleans are 0/1 integers, JSON documents are TEXT kept exactly as the SDK sent them.
 */
export interface Database {
  entities: { id: Generated<number>; name: string; type: string; created_at: number };
  users: {
    id: Generated<number>; username: string; email: string | null; admin: number; entity_id: number;
    password_hash: string | null; created_at: number; deleted_at: number | null;
  };
  memberships: { entity_id: number; user_id: number; role: string; created_at: number };
  api_keys: {
    id: Generated<number>; user_id: number; key_hash: string; prefix: string; name: string | null;
    created_at: number; revoked_at: number | null;
  };
  projects: {
    id: Generated<number>; entity_id: number; name: string; description: string | null;
    created_at: number; updated_at: number; run_counter: number;
  };
  runs: {
    id: Generated<number>; project_id: number; name: string; display_name: string; number: number;
    user_id: number | null; state: string; config: string; summary: string; system_metrics: string;
    tags: string; notes: string | null; description: string | null; group_name: string | null;
    job_type: string | null; host: string | null; program: string | null; commit_sha: string | null;
    repo: string | null; sweep_name: string | null; exit_code: number | null; stop_requested: number;
    created_at: number; updated_at: number; heartbeat_at: number;
    config_q: Generated<string>; summary_q: Generated<string>;
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
  };
  artifacts: {
    id: Generated<number>; project_id: number; sequence_id: number; type_id: number; state: string; digest: string;
    description: string | null; metadata: string | null; ttl_seconds: number | null; history_step: number | null;
    version_index: number | null; commit_hash: string | null; size: Generated<number>; file_count: Generated<number>;
    created_by_run_id: number | null; client_id: string | null; distributed_id: string | null;
    requested_aliases: Generated<string>; created_at: number; updated_at: number;
    committed_at: number | null; deleted_at: number | null;
  };
  artifact_memberships: { collection_id: number; artifact_id: number; version_index: number; created_at: number };
  artifact_aliases: { id: Generated<number>; collection_id: number; alias: string; artifact_id: number; created_at: number };
  artifact_tags: { artifact_id: number; name: string };
  artifact_manifests: {
    artifact_id: number; type: string; name: string; digest: string; blob_key: string; base_artifact_id: number | null;
    updated_at: number;
  };
  artifact_files: {
    artifact_id: number; name: string; digest: string; size: number; ref: string | null; birth_artifact_id: number | null;
  };
  content_objects: { md5_hex: string; size: number | null; birth_artifact_id: number; stored_at: number | null; created_at: number };
  artifact_usage: { run_id: number; artifact_id: number; used_as: string | null; created_at: number };
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
}
