/**
 * The lineage graph's model: runs and artifact versions joined by "used" (artifact → run) and "logged"
 * (run → artifact) edges, grown one hop at a time, and the view of it that is drawn, where many versions of one
 * collection hanging off the same node fold into one group node. Pure: tested in graph.test.ts.
 */

export type Direction = 'up' | 'down';

export interface LineageNode {
  id: string;
  kind: 'run' | 'artifact';
  label: string;
  /** Second line: the artifact's type, or the run's project. */
  sub: string;
  href: string | null;
  /** Artifacts: entity/project/collection, the key siblings are grouped by. */
  collection?: string;
  state?: string | null;
}
export interface LineageEdge { from: string; to: string }

export interface LineageGraph {
  nodes: ReadonlyMap<string, LineageNode>;
  /** "from\u0000to" keys. */
  edges: ReadonlySet<string>;
  /** Nodes whose inputs (up) or outputs (down) have been fetched. */
  expanded: Readonly<Record<Direction, ReadonlySet<string>>>;
  focus: string;
}

export const edgeKey = (e: LineageEdge) => `${e.from}\u0000${e.to}`;
export const edgeOf = (key: string): LineageEdge => {
  const [from, to] = key.split('\u0000') as [string, string];
  return { from, to };
};

export function emptyGraph(focus: LineageNode): LineageGraph {
  return { nodes: new Map([[focus.id, focus]]), edges: new Set(), expanded: { up: new Set(), down: new Set() }, focus: focus.id };
}

/** The graph with one hop fetched from `from` in a direction merged in (nodes already known keep their data). */
export function addHop(g: LineageGraph, from: string, direction: Direction, hop: { nodes: LineageNode[]; edges: LineageEdge[] }): LineageGraph {
  const nodes = new Map(g.nodes);
  for (const n of hop.nodes) if (!nodes.has(n.id)) nodes.set(n.id, n);
  const edges = new Set(g.edges);
  for (const e of hop.edges) if (nodes.has(e.from) && nodes.has(e.to) && e.from !== e.to) edges.add(edgeKey(e));
  const expanded = { up: new Set(g.expanded.up), down: new Set(g.expanded.down) };
  expanded[direction].add(from);
  return { ...g, nodes, edges, expanded };
}

export interface ViewNode {
  id: string;
  kind: 'run' | 'artifact' | 'group';
  label: string;
  sub: string;
  href: string | null;
  state?: string | null;
  /** Group nodes: the versions folded into it. */
  members?: string[];
  canExpandUp: boolean;
  canExpandDown: boolean;
  focus: boolean;
}
export interface GraphView { nodes: ViewNode[]; edges: LineageEdge[] }

/**
 * What is drawn: versions of one collection that share the same neighbours fold into one group node when there are
 * more than `threshold` of them, unless that group is in `openGroups`. The focus node is never folded.
 */
export function viewOf(g: LineageGraph, threshold: number, openGroups: ReadonlySet<string> = new Set()): GraphView {
  const edges = [...g.edges].map(edgeOf);
  const neighbours = new Map<string, { ins: string[]; outs: string[] }>();
  for (const id of g.nodes.keys()) neighbours.set(id, { ins: [], outs: [] });
  for (const e of edges) {
    neighbours.get(e.to)!.ins.push(e.from);
    neighbours.get(e.from)!.outs.push(e.to);
  }
  // Siblings: same collection, same inputs, same outputs (e.g. the 40 checkpoints one run logged).
  const buckets = new Map<string, string[]>();
  for (const n of g.nodes.values()) {
    if (n.kind !== 'artifact' || !n.collection || n.id === g.focus) continue;
    const nb = neighbours.get(n.id)!;
    const key = `${n.collection}\u0001${[...nb.ins].sort().join(',')}\u0001${[...nb.outs].sort().join(',')}`;
    const list = buckets.get(key);
    if (list) list.push(n.id);
    else buckets.set(key, [n.id]);
  }
  const groupOf = new Map<string, string>();
  const groups: ViewNode[] = [];
  for (const [key, members] of buckets) {
    const id = `group:${key}`;
    if (members.length <= threshold || openGroups.has(id)) continue;
    const first = g.nodes.get(members[0]!)!;
    for (const m of members) groupOf.set(m, id);
    groups.push({
      id, kind: 'group', label: `${first.collection!.split('/').pop()} ×${members.length}`, sub: `${members.length} versions of ${first.sub}`,
      href: null, members, canExpandUp: false, canExpandDown: false, focus: false,
    });
  }
  const mapId = (id: string) => groupOf.get(id) ?? id;
  const nodes: ViewNode[] = [];
  for (const n of g.nodes.values()) {
    if (groupOf.has(n.id)) continue;
    nodes.push({
      id: n.id, kind: n.kind, label: n.label, sub: n.sub, href: n.href, state: n.state ?? null,
      canExpandUp: !g.expanded.up.has(n.id), canExpandDown: !g.expanded.down.has(n.id), focus: n.id === g.focus,
    });
  }
  nodes.push(...groups);
  const seen = new Set<string>();
  const outEdges: LineageEdge[] = [];
  for (const e of edges) {
    const m = { from: mapId(e.from), to: mapId(e.to) };
    const k = edgeKey(m);
    if (m.from === m.to || seen.has(k)) continue;
    seen.add(k);
    outEdges.push(m);
  }
  return { nodes, edges: outEdges };
}

/**
 * A simple layered layout (longest path from the sources, rows in input order): the fallback when the ELK worker
 * is unavailable or misses its deadline. Positions are top-left corners.
 */
export function layeredLayout(view: GraphView, size: { width: number; height: number; gapX: number; gapY: number }): Map<string, { x: number; y: number }> {
  const ins = new Map<string, string[]>(view.nodes.map((n) => [n.id, []]));
  for (const e of view.edges) ins.get(e.to)?.push(e.from);
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle (should not happen in lineage): cut it
    visiting.add(id);
    const d = Math.max(-1, ...(ins.get(id) ?? []).map(depth)) + 1;
    visiting.delete(id);
    layer.set(id, d);
    return d;
  };
  const rows = new Map<number, number>();
  const out = new Map<string, { x: number; y: number }>();
  for (const n of view.nodes) {
    const l = depth(n.id);
    const r = rows.get(l) ?? 0;
    rows.set(l, r + 1);
    out.set(n.id, { x: l * (size.width + size.gapX), y: r * (size.height + size.gapY) });
  }
  return out;
}

/** Graphs larger than this open on the focus and its nearest neighbours rather than on everything. */
export const FIT_ALL_LIMIT = 60;
const FIRST_VIEW_NODES = 24;

/**
 * What the first view fits: the whole graph when small; else the focus and the nodes laid out nearest to it, so a
 * graph of hundreds of nodes opens readable (fitting 500 nodes shrinks every label to a pixel) and, with
 * `onlyRenderVisibleElements`, draws only those; the rest is a pan or a zoom away.
 */
export function firstViewNodes(ids: string[], positions: ReadonlyMap<string, { x: number; y: number }>, focus: string): { id: string }[] | undefined {
  if (ids.length <= FIT_ALL_LIMIT) return undefined;
  const at = positions.get(focus);
  if (!at) return undefined;
  const dist = (id: string) => {
    const p = positions.get(id);
    return p ? (p.x - at.x) ** 2 + (p.y - at.y) ** 2 : Infinity;
  };
  return ids.map((id) => ({ id, d: dist(id) })).sort((a, b) => a.d - b.d).slice(0, FIRST_VIEW_NODES).map(({ id }) => ({ id }));
}
