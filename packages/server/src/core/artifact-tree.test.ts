import { describe, expect, it } from 'vitest';
import { ArtifactTree, ArtifactTreeCache, type TreeFileInput } from './artifact-tree.js';

const f = (name: string, size = 1): TreeFileInput => ({ name, size, digest: `d-${name}`, ref: null });

describe('ArtifactTree', () => {
  const tree = new ArtifactTree([f('b.txt', 2), f('img/cat.png', 10), f('img/dog.png', 20), f('img/raw/x.bin', 100), f('a.txt', 3), f('z/y.txt', 4)]);

  it('lists a folder: subfolders first with their totals, then files, each by name', () => {
    const top = tree.list('', 0, 100)!;
    expect(top.entries.map((e) => `${e.kind}:${e.name}`)).toEqual(['dir:img', 'dir:z', 'file:a.txt', 'file:b.txt']);
    expect(top.entries[0]).toMatchObject({ path: 'img/', fileCount: 3, bytes: 130 });
    expect(top).toMatchObject({ total: 4, fileCount: 6, bytes: 139 });
    const img = tree.list('img/', 0, 100)!;
    expect(img.entries.map((e) => e.path)).toEqual(['img/raw/', 'img/cat.png', 'img/dog.png']);
    expect(img.entries[1]).toMatchObject({ kind: 'file', name: 'cat.png', size: 10, digest: 'd-img/cat.png' });
  });

  it('pages a folder and says when there is no such folder', () => {
    expect(tree.list('', 1, 2)!.entries.map((e) => e.name)).toEqual(['z', 'a.txt']);
    expect(tree.list('', 10, 2)!.entries).toEqual([]);
    expect(tree.list('nope/', 0, 10)).toBeNull();
    expect(tree.list('img', 0, 10)).toBeNull();
    expect(tree.list('img/cat.png/', 0, 10)).toBeNull();
  });

  it('keeps odd names whole: empty segments do not make nameless folders', () => {
    const t = new ArtifactTree([f('/abs'), f('a//b'), f('a/c')]);
    expect(t.list('', 0, 10)!.entries.map((e) => `${e.kind}:${e.name}`)).toEqual(['dir:a', 'file:/abs']);
    expect(t.list('a/', 0, 10)!.entries.map((e) => `${e.name}=${e.path}`)).toEqual(['/b=a//b', 'c=a/c']);
  });

  it('pages 100,000 files in one folder', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => f(`data/${String(i).padStart(6, '0')}.json`));
    const t = new ArtifactTree(many);
    const p = t.list('data/', 99_990, 50)!;
    expect(p.total).toBe(100_000);
    expect(p.entries.map((e) => e.name)).toEqual(Array.from({ length: 10 }, (_, i) => `0999${90 + i}.json`));
  });
});

describe('ArtifactTreeCache', () => {
  it('reuses a loaded tree and drops the least recently used beyond its size', async () => {
    const cache = new ArtifactTreeCache(3);
    let loads = 0;
    const load = (n: number) => async () => { loads++; return Array.from({ length: n }, (_, i) => f(`f${i}`)); };
    const a = await cache.get('a', load(2));
    expect(await cache.get('a', load(2))).toBe(a);
    await cache.get('b', load(1));
    await cache.get('a', load(2)); // a is now the most recent
    await cache.get('c', load(1)); // 4 files held: b (least recent) goes
    expect(loads).toBe(3);
    await cache.get('a', load(2));
    expect(loads).toBe(3);
    await cache.get('b', load(1));
    expect(loads).toBe(4);
  });
});
