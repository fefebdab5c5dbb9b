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
  console_lines: {
    run_id: number; writer: string; line_no: number; seq: number; level: string; label: string | null;
    ts: string | null; text: string;
  };
}
