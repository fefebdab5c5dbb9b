import { describe, expect, it } from 'vitest';
import type { Entity, Project, Run } from '../../core/ports.js';
import type { RunInProject } from '../../core/runs.js';
import { resolvers, type GqlContext } from './resolvers.js';

const STORED_LINES = 7;

/** A context whose services answer just what upsertBucket and historyLineCount need. */
function fakeContext(): GqlContext {
  const found: RunInProject = { run: { id: 1 } as unknown as Run, project: {} as Project, entity: {} as Entity };
  return {
    viewer: {} as GqlContext['viewer'],
    baseUrl: 'http://localhost',
    sharedMode: false,
    services: {
      runs: { upsert: async () => ({ ...found, inserted: false }) },
      streams: { historyLineCount: async () => STORED_LINES },
    } as unknown as GqlContext['services'],
  };
}

async function upsertThenLineCount(input: Record<string, unknown>): Promise<unknown> {
  const ctx = fakeContext();
  const payload = (await resolvers.Mutation.upsertBucket(undefined, { input }, ctx)) as { bucket: RunInProject };
  return resolvers.Run.historyLineCount!(payload.bucket, {}, ctx);
}

describe('upsertBucket historyLineCount', () => {
  it('is the stored count for an upsert by name, so a client that did not resume continues the history', async () => {
    expect(await upsertThenLineCount({ name: 'abc', modelName: 'p' })).toBe(STORED_LINES);
  });

  it('is 0 for an upsert by storage id, so wandb-core < 0.28.2 keeps its resumed console and events offsets', async () => {
    expect(await upsertThenLineCount({ id: 'UnVuOjE=', name: 'abc' })).toBe(0);
  });

  it('stays the stored count when the run is read anywhere else', async () => {
    const ctx = fakeContext();
    const found = { run: { id: 1 } as unknown as Run, project: {} as Project, entity: {} as Entity };
    expect(await resolvers.Run.historyLineCount!(found, {}, ctx)).toBe(STORED_LINES);
  });
});
