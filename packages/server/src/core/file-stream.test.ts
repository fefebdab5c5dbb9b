import type { ProjectId, RunId } from '@cairn/shared';
import { describe, expect, it } from 'vitest';
import type { Viewer } from './auth.js';
import { FileStreamService } from './file-stream.js';
import type { HistoryStore, MetaStore, Run, RunPatch, RunState } from './ports.js';
import type { RunService } from './runs.js';

const SINGLE_WRITER = '';
const SHARED_WRITER = 'client-2';

/** A service over one in-memory run: only what ingest() touches. */
function serviceWith(state: RunState, extra: Partial<Run> = {}) {
  let run = {
    id: 1 as RunId, projectId: 1 as ProjectId, name: 'r1', state, summary: '{}', systemMetrics: '{}',
    stopRequested: false, exitCode: null, ...extra,
  } as Run;
  const meta = {
    updateRun: async (_id: RunId, patch: RunPatch) => (run = { ...run, ...patch } as Run),
    markRunFilesUploaded: async () => {},
  } as unknown as MetaStore;
  const history = {
    append: async () => ({ stored: 0, lineCount: 0 }),
    upsertConsole: async () => {},
  } as unknown as HistoryStore;
  const runs = { find: async () => ({ run, project: {}, entity: {} }) } as unknown as RunService;
  const service = new FileStreamService(meta, history, runs);
  const target = { entity: 'e', project: 'p', run: 'r1' };
  return {
    send: (body: object, writer = SINGLE_WRITER) => service.ingest({} as Viewer, target, body, writer),
    run: () => run,
  };
}

describe('FileStreamService run state', () => {
  it('complete with exit code 0 finishes, any other code fails', async () => {
    const ok = serviceWith('running');
    await ok.send({ complete: true, exitcode: 0 });
    expect(ok.run()).toMatchObject({ state: 'finished', exitCode: 0 });
    const bad = serviceWith('running');
    await bad.send({ complete: true, exitcode: 3 });
    expect(bad.run()).toMatchObject({ state: 'failed', exitCode: 3 });
  });

  it('a stopped run that exits with an error was killed', async () => {
    const s = serviceWith('running', { stopRequested: true });
    expect(await s.send({})).toEqual({ stopped: true });
    await s.send({ complete: true, exitcode: 255 });
    expect(s.run()).toMatchObject({ state: 'killed', exitCode: 255 });
    // Spent: resuming the run later does not stop it again.
    expect(await s.send({})).toEqual({ stopped: false });
  });

  it('any request revives a crashed run; a single writer also revives a finished one (resume)', async () => {
    for (const state of ['crashed', 'preempted', 'finished', 'failed'] as const) {
      const s = serviceWith(state);
      await s.send({});
      expect(s.run().state).toBe('running');
    }
  });

  it('a shared-mode writer revives a crashed run but does not undo how the primary ended it', async () => {
    const crashed = serviceWith('crashed');
    await crashed.send({}, SHARED_WRITER);
    expect(crashed.run().state).toBe('running');
    for (const state of ['finished', 'failed', 'killed'] as const) {
      const s = serviceWith(state);
      await s.send({ files: { 'wandb-history.jsonl': { offset: 0, content: ['{"x": 1}'] } } }, SHARED_WRITER);
      expect(s.run().state).toBe(state);
    }
  });

  it('requests after preempting keep the run preempting', async () => {
    const s = serviceWith('running');
    await s.send({ preempting: true });
    await s.send({});
    expect(s.run().state).toBe('preempting');
  });
});
