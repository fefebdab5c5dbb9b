import { describe, expect, it } from 'vitest';
import { ADDED_SECTION, arrangeSections, emptyLayout, layoutEdits } from './layout';

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
