/**
 * Lays out the lineage graph with ELK (layered, left to right: inputs → run → outputs) in a Web Worker, with a
 * deadline; where there is no Worker, or it fails or is too slow, the simple layered layout from graph.ts is used,
 * so the graph is always drawn.
 */
import ELK from 'elkjs/lib/elk-api.js';
import { layeredLayout, type GraphView } from './graph';

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 54;
const DEADLINE_MS = 8000;
/**
 * Graphs larger than this get the simple layered layout: ELK's layered algorithm takes seconds at 500 nodes (measured
 * in docs/benchmarks.md), past the 1 s budget for layout and first paint.
 */
export const MAX_ELK_NODES = 200;

let elk: InstanceType<typeof ELK> | null = null;

function getElk(): InstanceType<typeof ELK> | null {
  if (typeof Worker === 'undefined') return null;
  elk ??= new ELK({
    workerFactory: () => new Worker(new URL('../../../workers/lineage-layout.worker.ts', import.meta.url), { type: 'module' }),
  });
  return elk;
}

export type Positions = Map<string, { x: number; y: number }>;

export async function layoutGraph(view: GraphView): Promise<{ positions: Positions; engine: 'elk' | 'fallback' }> {
  const fallback = () => ({
    positions: layeredLayout(view, { width: NODE_WIDTH, height: NODE_HEIGHT, gapX: 70, gapY: 18 }), engine: 'fallback' as const,
  });
  const engine = getElk();
  if (!engine || view.nodes.length === 0 || view.nodes.length > MAX_ELK_NODES) return fallback();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const result = await Promise.race([
      engine.layout({
        id: 'root',
        layoutOptions: {
          'elk.algorithm': 'layered',
          'elk.direction': 'RIGHT',
          'elk.layered.spacing.nodeNodeBetweenLayers': '70',
          'elk.spacing.nodeNode': '18',
          'elk.separateConnectedComponents': 'true',
          // Fewer passes and no greedy switch: lineage graphs are shallow and wide, and speed matters more here.
          'elk.layered.thoroughness': '1',
          'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
          'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
        },
        children: view.nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
        edges: view.edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
      }),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('layout deadline passed')), DEADLINE_MS); }),
    ]);
    const positions: Positions = new Map();
    for (const c of result.children ?? []) positions.set(c.id, { x: c.x ?? 0, y: c.y ?? 0 });
    return { positions, engine: 'elk' };
  } catch {
    // A worker stuck on a huge graph is dropped; the next layout starts a fresh one.
    elk?.terminateWorker();
    elk = null;
    return fallback();
  } finally {
    clearTimeout(timer);
  }
}
