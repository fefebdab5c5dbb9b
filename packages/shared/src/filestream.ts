import { z } from 'zod';

/** One logical file inside a file_stream request: `offset` is the 0-based line index of content[0]. */
export const FileStreamChunk = z.object({
  offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  content: z.array(z.string()),
});
export type FileStreamChunk = z.infer<typeof FileStreamChunk>;

/** Body of POST /files/{entity}/{project}/{run}/file_stream (protocol §4.1). Unknown keys are ignored. */
export const FileStreamRequest = z.object({
  files: z.record(z.string(), FileStreamChunk).optional(),
  uploaded: z.array(z.string()).optional(),
  preempting: z.boolean().optional(),
  complete: z.boolean().optional(),
  exitcode: z.number().int().nullable().optional(),
});
export type FileStreamRequest = z.infer<typeof FileStreamRequest>;

export const HISTORY_FILE = 'wandb-history.jsonl';
export const EVENTS_FILE = 'wandb-events.jsonl';
export const SUMMARY_FILE = 'wandb-summary.json';
export const OUTPUT_FILE = 'output.log';
