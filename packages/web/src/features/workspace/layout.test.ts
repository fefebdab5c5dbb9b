import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ADDED_SECTION, arrangeSections, createLayoutSaver, emptyLayout, layoutEdits, type SaveState, type WorkspaceLayout } from './layout';

describe('workspace layout edits', () => {
  it('adds a panel once, and adding a removed one brings it back', () => {
    let l = layoutEdits.removePanel(emptyLayout(), 'val/loss');
    l = layoutEdits.addPanel(layoutEdits.addPanel(l, 'val/loss'), 'val/loss');
    expect(l.panels).toEqual({ added: ['val/loss'], removed: [], sizes: {} });
  });

  it('cycles a panel width 1 → 2 → 3 → 1, storing only non-default widths', () => {
    let l = emptyLayout();
    const widths: (number | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      l = layoutEdits.resizePanel(l, 'k');
      widths.push(l.panels.sizes.k);
    }
    expect(widths).toEqual([2, 3, undefined]);
  });

  it('sets and clears a run colour', () => {
    const l = layoutEdits.setRunColor(emptyLayout(), 'r1', '#0072B2');
    expect(l.runColors).toEqual({ r1: '#0072B2' });
    expect(layoutEdits.setRunColor(l, 'r1', null).runColors).toEqual({});
  });

  it('hides a run and shows it again, keeping the other hidden runs; a layout saved without hidden runs works', () => {
    let l = layoutEdits.toggleHiddenRun(emptyLayout(), 'r1');
    l = layoutEdits.toggleHiddenRun(l, 'r2');
    expect(l.hiddenRuns).toEqual(['r1', 'r2']);
    expect(layoutEdits.toggleHiddenRun(l, 'r1').hiddenRuns).toEqual(['r2']);
    const older = { ...emptyLayout(), hiddenRuns: undefined };
    expect(layoutEdits.toggleHiddenRun(older, 'r3').hiddenRuns).toEqual(['r3']);
  });

  it('hides a standard column and shows it again', () => {
    const l = layoutEdits.toggleHiddenColumn(emptyLayout(), 'tags');
    expect(l.hiddenColumns).toEqual(['tags']);
    expect(layoutEdits.toggleHiddenColumn(l, 'tags').hiddenColumns).toEqual([]);
  });

  it('arranges sections: added panels first, removed ones left out, empty sections dropped', () => {
    const auto = [{ name: 'Charts', keys: ['acc', 'loss'] }, { name: 'val', keys: ['val/loss'] }];
    let l = layoutEdits.addPanel(emptyLayout(), 'train/lr');
    l = layoutEdits.removePanel(l, 'val/loss');
    expect(arrangeSections(auto, l, '')).toEqual([{ name: ADDED_SECTION, keys: ['train/lr'] }, { name: 'Charts', keys: ['acc', 'loss'] }]);
    expect(arrangeSections(auto, l, 'acc')).toEqual([{ name: 'Charts', keys: ['acc', 'loss'] }]);
    expect(arrangeSections(auto, undefined, '')).toBe(auto);
  });
});

describe('layout saver', () => {
  /** A PUT the test finishes by hand, to order saves as a slow server would. */
  function server() {
    const puts: { layout: WorkspaceLayout; keepalive: boolean; done: () => void; fail: (e: Error) => void }[] = [];
    const put = (layout: WorkspaceLayout, { keepalive }: { keepalive: boolean }) =>
      new Promise<void>((done, fail) => puts.push({ layout, keepalive, done, fail }));
    return { puts, put };
  }
  /** Lets finished PUTs' promise chains run (timers are fake). */
  const settle = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  const colour = (c: string) => layoutEdits.setRunColor(emptyLayout(), 'bravo', c);
  /** A saver on a hand-finished server, with every state it reported. */
  const open = () => {
    const { puts, put } = server();
    const states: SaveState[] = [];
    return { puts, states, saver: createLayoutSaver(put, (s) => states.push(s), 400) };
  };
  /** The save delay passes and what it started runs. */
  const afterDelay = async (ms = 400) => {
    vi.advanceTimersByTime(ms);
    await settle();
  };

  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => vi.useRealTimers());

  it('stays pending while a later edit waits, even when an earlier PUT finishes (the lost-colour race)', async () => {
    const { puts, states, saver } = open();
    saver.edit(colour('red'));
    await afterDelay();
    expect(puts).toHaveLength(1);
    saver.edit(colour('wine'));
    puts[0]!.done();
    await settle();
    expect(states.at(-1)).toEqual({ pending: true, error: null });
    await afterDelay();
    expect(puts.map((p) => p.layout.runColors.bravo)).toEqual(['red', 'wine']);
    puts[1]!.done();
    await settle();
    expect(states.at(-1)).toEqual({ pending: false, error: null });
  });

  it('sends one PUT at a time, in edit order, so an older layout never lands last', async () => {
    const { puts, saver } = open();
    saver.edit(colour('red'));
    vi.advanceTimersByTime(400);
    saver.edit(colour('wine'));
    await afterDelay();
    expect(puts).toHaveLength(1); // the second waits for the first
    puts[0]!.done();
    await settle();
    expect(puts.map((p) => p.layout.runColors.bravo)).toEqual(['red', 'wine']);
  });

  it('joins quick edits into one PUT of the last one', async () => {
    const { puts, saver } = open();
    saver.edit(colour('red'));
    vi.advanceTimersByTime(200);
    saver.edit(colour('wine'));
    await afterDelay();
    expect(puts.map((p) => p.layout.runColors.bravo)).toEqual(['wine']);
  });

  it('reports the newest edit failing, and a later save clears it; an older failure is not reported', async () => {
    const { puts, states, saver } = open();
    saver.edit(colour('red'));
    await afterDelay();
    saver.edit(colour('wine'));
    puts[0]!.fail(new Error('HTTP 500'));
    await settle();
    expect(states.at(-1)).toEqual({ pending: true, error: null });
    await afterDelay();
    puts[1]!.fail(new Error('HTTP 503'));
    await settle();
    expect(states.at(-1)).toEqual({ pending: false, error: new Error('HTTP 503') });
    saver.edit(colour('blue'));
    await afterDelay();
    puts[2]!.done();
    await settle();
    expect(states.at(-1)).toEqual({ pending: false, error: null });
  });

  it('flush sends a waiting edit at once with keepalive (the tab is closing); nothing waiting, nothing sent', async () => {
    const { puts, saver } = open();
    saver.flush();
    saver.edit(colour('wine'));
    saver.flush();
    await settle();
    expect(puts.map((p) => [p.layout.runColors.bravo, p.keepalive])).toEqual([['wine', true]]);
    await afterDelay(1000);
    expect(puts).toHaveLength(1);
  });
});
