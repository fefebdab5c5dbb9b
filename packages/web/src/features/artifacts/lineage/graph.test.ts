import { describe, expect, it } from 'vitest';
import { addHop, emptyGraph, firstViewNodes, layeredLayout, viewOf, type LineageNode } from './graph';

const art = (id: string, collection = 'me/p/data'): LineageNode => ({ id, kind: 'artifact', label: id, sub: 'dataset', href: `/a/${id}`, collection });
const run = (id: string): LineageNode => ({ id, kind: 'run', label: id, sub: 'p', href: `/r/${id}` });

describe('lineage graph', () => {
  it('grows one hop at a time and remembers which directions were expanded', () => {
    let g = emptyGraph(art('model'));
    g = addHop(g, 'model', 'up', { nodes: [run('train')], edges: [{ from: 'train', to: 'model' }] });
    g = addHop(g, 'train', 'up', { nodes: [art('data:v0'), art('model')], edges: [{ from: 'data:v0', to: 'train' }] });
    expect([...g.nodes.keys()]).toEqual(['model', 'train', 'data:v0']);
    const v = viewOf(g, 5);
    expect(v.edges).toEqual([{ from: 'train', to: 'model' }, { from: 'data:v0', to: 'train' }]);
    const byId = new Map(v.nodes.map((n) => [n.id, n]));
    expect(byId.get('model')).toMatchObject({ focus: true, canExpandUp: false, canExpandDown: true });
    expect(byId.get('train')).toMatchObject({ canExpandUp: false, canExpandDown: true });
    expect(byId.get('data:v0')).toMatchObject({ canExpandUp: true, canExpandDown: true });
  });

  it('ignores edges to nodes it does not hold and self-loops', () => {
    const g = addHop(emptyGraph(run('r')), 'r', 'down', { nodes: [art('a')], edges: [{ from: 'r', to: 'a' }, { from: 'r', to: 'ghost' }, { from: 'r', to: 'r' }] });
    expect(viewOf(g, 5).edges).toEqual([{ from: 'r', to: 'a' }]);
  });

  it('folds many versions of one collection with the same neighbours into a group, unless opened', () => {
    const ckpts = Array.from({ length: 8 }, (_, i) => art(`ckpt:v${i}`, 'me/p/ckpt'));
    const g = addHop(emptyGraph(run('train')), 'train', 'down', {
      nodes: [...ckpts, art('other', 'me/p/eval')], edges: [...ckpts, art('other')].map((a) => ({ from: 'train', to: a.id })),
    });
    const v = viewOf(g, 5);
    const group = v.nodes.find((n) => n.kind === 'group')!;
    expect(group.label).toBe('ckpt ×8');
    expect(group.members).toHaveLength(8);
    expect(v.nodes).toHaveLength(3);
    expect(v.edges).toEqual([{ from: 'train', to: group.id }, { from: 'train', to: 'other' }]);
    expect(viewOf(g, 5, new Set([group.id])).nodes).toHaveLength(10);
    expect(viewOf(g, 10).nodes).toHaveLength(10);
  });

  it('lays out layers from the sources when ELK is not there', () => {
    let g = emptyGraph(art('data'));
    g = addHop(g, 'data', 'down', { nodes: [run('train')], edges: [{ from: 'data', to: 'train' }] });
    g = addHop(g, 'train', 'down', { nodes: [art('model')], edges: [{ from: 'train', to: 'model' }] });
    const pos = layeredLayout(viewOf(g, 5), { width: 100, height: 40, gapX: 50, gapY: 10 });
    expect(pos.get('data')).toEqual({ x: 0, y: 0 });
    expect(pos.get('train')).toEqual({ x: 150, y: 0 });
    expect(pos.get('model')).toEqual({ x: 300, y: 0 });
  });
});

describe('firstViewNodes', () => {
  const column = (n: number) => new Map<string, { x: number; y: number }>(Array.from({ length: n }, (_, i) => [`r${i}`, { x: 300, y: i * 72 }]));
  it('fits everything when the graph is small', () => {
    const positions = column(10);
    expect(firstViewNodes([...positions.keys()], positions, 'r0')).toBeUndefined();
  });
  it('fits the focus and its nearest neighbours in a big graph', () => {
    const positions = column(499).set('art', { x: 0, y: 250 * 72 });
    const fit = firstViewNodes([...positions.keys()], positions, 'art')!;
    expect(fit).toHaveLength(24);
    expect(fit[0]).toEqual({ id: 'art' });
    const rows = fit.slice(1).map((n) => Number(n.id.slice(1)));
    expect(Math.min(...rows)).toBeGreaterThanOrEqual(238);
    expect(Math.max(...rows)).toBeLessThanOrEqual(262);
  });
});
