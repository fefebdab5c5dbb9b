import { describe, expect, it } from 'vitest';
import { idOfSlug, slugOf } from './api';
import { codeOf, panelGridOf, parseSpec, safeImageUrl, safeLinkUrl, selectRuns, toEditorBlocks, toSpec } from './spec';

describe('report specs', () => {
  it('drops the empty paragraphs W&B keeps at both ends, and survives a spec that is not JSON', () => {
    const spec = JSON.stringify({ blocks: [
      { type: 'paragraph', children: [{ text: '' }] }, { type: 'heading', level: 1, children: [{ text: 'T' }] },
      { type: 'paragraph', children: [{ text: '' }] }, { type: 'paragraph', children: [{ text: '' }] },
    ] });
    expect(parseSpec(spec).blocks.map((b) => b.type)).toEqual(['heading']);
    expect(parseSpec('{"blocks": [').blocks).toEqual([]);
  });

  it('reads code lines, panel grids and run-set selections as wandb-workspaces writes them', () => {
    expect(codeOf({ type: 'code-block', language: 'python', children: [
      { type: 'code-line', children: [{ text: 'a = 1' }] }, { type: 'code-line', children: [{ text: 'b = 2' }] },
    ] })).toEqual({ code: 'a = 1\nb = 2', language: 'python' });
    const grid = panelGridOf({ type: 'panel-grid', metadata: {
      openRunSet: 0,
      runSets: [{ name: 'All', project: { entityName: 'e', name: 'p' }, selections: { root: 1, tree: ['hidden-run'] } }],
      panelBankSectionConfig: { panels: [{ __id__: 'x', viewType: 'Run History Line Plot', config: { metrics: ['loss'], xAxis: '_step', chartTitle: 'L' } }] },
    } }, 'fallback', 'proj');
    expect(grid.runSets[0]).toMatchObject({ entity: 'e', project: 'p', name: 'All', root: 1 });
    expect(grid.panels).toEqual([{ id: 'x', viewType: 'Run History Line Plot', title: 'L', metrics: ['loss'], xAxis: '_step' }]);
    const runs = [{ name: 'a' }, { name: 'hidden-run' }];
    expect(selectRuns(runs, grid.runSets[0]!).map((r) => r.name)).toEqual(['a']);
    expect(selectRuns(runs, { ...grid.runSets[0]!, root: 0 }).map((r) => r.name)).toEqual(['hidden-run']);
  });

  it('shows only safe image and link addresses', () => {
    expect(safeImageUrl('javascript:alert(1)')).toBeNull();
    expect(safeImageUrl('data:text/html;base64,PHNjcmlwdD4=')).toBeNull();
    expect(safeImageUrl('data:image/png;base64,AAAA')).toBe('data:image/png;base64,AAAA');
    expect(safeLinkUrl('JavaScript:alert(1)')).toBeNull();
    expect(safeLinkUrl('https://example.com')).toBe('https://example.com');
  });

  it('edits text blocks and keeps every other block and spec field exactly', () => {
    const kept = { type: 'weave-panel', config: { deep: [1, 2] } };
    const original = { version: 5, width: 'fluid', custom: { x: 1 }, blocks: [] };
    const editor = toEditorBlocks([{ type: 'heading', level: 2, children: [{ text: 'H' }] }, kept, { type: 'paragraph', children: [{ text: 'b', bold: true }] }]);
    expect(editor.map((b) => b.kind)).toEqual(['heading', 'kept', 'kept']); // formatted text is kept, not flattened
    const out = JSON.parse(toSpec([...editor, { kind: 'lineplot', metrics: 'loss, acc', title: '' }], 'e', 'p', original));
    expect(out).toMatchObject({ version: 5, width: 'fluid', custom: { x: 1 } });
    expect(out.blocks[1]).toEqual({ type: 'heading', level: 2, children: [{ text: 'H' }] });
    expect(out.blocks[2]).toEqual(kept);
    const grid = panelGridOf(out.blocks[4], '', '');
    expect(grid.runSets[0]).toMatchObject({ entity: 'e', project: 'p', root: 1, tree: [] });
    expect(grid.panels[0]).toMatchObject({ viewType: 'Run History Line Plot', metrics: ['loss', 'acc'] });
  });

  it('report URLs: W&B slugs without padding, read back with it', () => {
    const id = Buffer.from('View:12').toString('base64'); // has padding
    const slug = slugOf({ id, displayName: 'My report: v2!' });
    expect(slug).toBe(`My-report-v2--${id.replace(/=+$/, '')}`);
    expect(idOfSlug(slug)).toBe(id);
    expect(idOfSlug('x--not base64!')).toBeNull();
  });
});
