import { Background, Controls, Handle, Position, ReactFlow, useReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { gql } from '../../../lib/api';
import { Link } from '../../../app/router';
import { ART, artifactNode, RUN, runNode, runRefOf, type GqlArt, type GqlRun } from './nodes';
import { addHop, emptyGraph, firstViewNodes, viewOf, type Direction, type GraphView, type LineageGraph, type LineageNode, type ViewNode } from './graph';
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH, type Positions } from './layout';

/** Versions of one collection with the same neighbours fold into a group beyond this many. */
export const GROUP_THRESHOLD = 5;
const HOP_LIMIT = 500;

/** Fetches one hop from a node: an artifact's creating run (up) or its consumers (down); a run's inputs (up) or outputs (down). */
async function fetchHop(node: LineageNode, direction: Direction): Promise<{ nodes: LineageNode[]; edges: { from: string; to: string }[] }> {
  if (node.kind === 'artifact') {
    const field = direction === 'up' ? `createdBy { ${RUN} }` : `usedBy(first: ${HOP_LIMIT}) { edges { node { ${RUN} } } }`;
    const d = await gql<{ artifact: { createdBy?: GqlRun | null; usedBy?: { edges: { node: GqlRun }[] } } | null }>(
      `query($id: ID!) { artifact(id: $id) { id ${field} } }`, { id: node.id });
    const runs = direction === 'up' ? (d.artifact?.createdBy ? [d.artifact.createdBy] : []) : (d.artifact?.usedBy?.edges.map((e) => e.node) ?? []);
    const nodes = runs.map((r) => runNode(r)).filter((n): n is LineageNode => n !== null);
    return { nodes, edges: nodes.map((r) => (direction === 'up' ? { from: r.id, to: node.id } : { from: node.id, to: r.id })) };
  }
  const [entity, project, name] = runRefOf(node.id);
  const field = direction === 'up' ? 'inputArtifacts' : 'outputArtifacts';
  const d = await gql<{ project: { run: Record<string, { edges: { node: GqlArt }[] }> | null } | null }>(
    `query($entity: String!, $project: String!, $run: String!) { project(name: $project, entityName: $entity) { run(name: $run) {
      ${field}(first: ${HOP_LIMIT}) { edges { node { ${ART} } } } } } }`, { entity, project, run: name });
  const nodes = (d.project?.run?.[field]?.edges ?? []).map((e) => artifactNode(e.node));
  return { nodes, edges: nodes.map((a) => (direction === 'up' ? { from: a.id, to: node.id } : { from: node.id, to: a.id })) };
}

type FlowData = { node: ViewNode };
/** What a node's buttons do; a context, so that a node's data changes only when the graph does. */
const Actions = createContext<{ onExpand: (id: string, d: Direction) => void; onOpenGroup: (id: string) => void }>({
  onExpand: () => undefined, onOpenGroup: () => undefined,
});

function LineageNodeView({ data }: NodeProps<Node<FlowData>>) {
  const n = data.node;
  const actions = useContext(Actions);
  return (
    <div className={`lineage-node ${n.kind}${n.focus ? ' focus' : ''}`} data-node-id={n.id} data-kind={n.kind} data-label={n.label}>
      <Handle type="target" position={Position.Left} />
      {n.canExpandUp && <button type="button" className="expand up" title="Show inputs" aria-label={`Show inputs of ${n.label}`}
        onClick={() => actions.onExpand(n.id, 'up')}>◀</button>}
      <div className="lineage-body">
        {n.kind === 'group'
          ? <button type="button" className="link" onClick={() => actions.onOpenGroup(n.id)} title="Show every version">{n.label}</button>
          : n.href ? <Link to={n.href} className="nodrag">{n.label}</Link> : <span>{n.label}</span>}
        <div className="muted small">{n.sub}</div>
      </div>
      {n.canExpandDown && <button type="button" className="expand down" title="Show outputs" aria-label={`Show outputs of ${n.label}`}
        onClick={() => actions.onExpand(n.id, 'down')}>▶</button>}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}
const nodeTypes = { lineage: LineageNodeView };


/** Keeps the whole graph in view as it grows (fitView on the component only applies once). */
function FitOnChange({ positions }: { positions: Positions }) {
  const flow = useReactFlow();
  // The first layout is fitted by ReactFlow's own `fitView`; fitting it again a frame later redrew every node.
  const first = useRef(positions);
  useEffect(() => {
    if (positions === first.current) return;
    const frame = requestAnimationFrame(() => void flow.fitView({ padding: 0.15, maxZoom: 1.2 }));
    return () => cancelAnimationFrame(frame);
  }, [positions, flow]);
  return null;
}

/**
 * The lineage around one node: inputs → run → outputs, laid out by ELK in a Worker, grown one hop at a time in
 * either direction from any node, with many sibling versions folded into group nodes.
 */
export function LineageGraphView({ focus, initialHops = true }: { focus: LineageNode; initialHops?: boolean }) {
  const [graph, setGraph] = useState<LineageGraph>(() => emptyGraph(focus));
  const [openGroups, setOpenGroups] = useState<ReadonlySet<string>>(new Set());
  const [pending, setPending] = useState(0);
  const busy = pending > 0;
  const [error, setError] = useState<string | null>(null);
  // The last finished layout and the view it is of: that view is drawn until the next layout is ready, so a node
  // never shows up before it has a place.
  const [laidOut, setLaidOut] = useState<{ view: GraphView; positions: Positions; engine: string } | null>(null);
  const graphRef = useRef(graph);
  graphRef.current = graph;

  const expand = useCallback(async (id: string, direction: Direction) => {
    const node = graphRef.current.nodes.get(id);
    if (!node) return;
    setPending((n) => n + 1);
    setError(null);
    try {
      const hop = await fetchHop(node, direction);
      setGraph((g) => addHop(g, id, direction, hop));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setPending((n) => n - 1);
    }
  }, []);

  useEffect(() => {
    if (!initialHops) return;
    // Both directions at once: one round trip's wait instead of two.
    void Promise.all([expand(focus.id, 'up'), expand(focus.id, 'down')]);
  }, [focus.id, expand, initialHops]);

  const view = useMemo(() => viewOf(graph, GROUP_THRESHOLD, openGroups), [graph, openGroups]);
  useEffect(() => {
    let live = true;
    void layoutGraph(view).then((r) => {
      if (live) setLaidOut({ view, positions: r.positions, engine: r.engine });
    });
    return () => {
      live = false;
    };
  }, [view]);

  const onOpenGroup = useCallback((id: string) => setOpenGroups((s) => new Set([...s, id])), []);
  const onExpand = useCallback((id: string, d: Direction) => void expand(id, d), [expand]);
  const drawn = laidOut?.view;
  const positions = laidOut?.positions ?? null;
  const flowNodes: Node<FlowData>[] = useMemo(() => (drawn?.nodes ?? []).map((n) => ({
    id: n.id, type: 'lineage', position: positions?.get(n.id) ?? { x: 0, y: 0 }, width: NODE_WIDTH, height: NODE_HEIGHT,
    data: { node: n }, draggable: false, connectable: false,
  })), [drawn, positions]);
  const actions = useMemo(() => ({ onExpand, onOpenGroup }), [onExpand, onOpenGroup]);
  const flowEdges: Edge[] = useMemo(() => (drawn?.edges ?? []).map((e) => ({ id: `${e.from}->${e.to}`, source: e.from, target: e.to })), [drawn]);
  // Only the first view's fit depends on it (ReactFlow applies `fitView` once), so it is computed from the first layout.
  const firstFit = useRef<{ padding: number; maxZoom: number; nodes?: { id: string }[] } | null>(null);
  if (!firstFit.current && drawn && positions) {
    const nodes = firstViewNodes(drawn.nodes.map((n) => n.id), positions, focus.id);
    firstFit.current = { padding: 0.15, maxZoom: 1.2, ...(nodes ? { nodes } : {}) };
  }

  return (
    <div className="lineage" data-testid="lineage" data-nodes={view.nodes.length} data-laid-out={drawn === view ? 'yes' : 'no'} data-engine={laidOut?.engine}>
      {error && <p className="error" role="alert">{error}</p>}
      {busy && <p className="muted small" role="status">Loading lineage…</p>}
      <div className="lineage-canvas">
        {positions && (
          <Actions.Provider value={actions}>
          <ReactFlow nodes={flowNodes} edges={flowEdges} nodeTypes={nodeTypes}
            fitView fitViewOptions={firstFit.current ?? { padding: 0.15, maxZoom: 1.2 }} minZoom={0.05} nodesConnectable={false} onlyRenderVisibleElements proOptions={{ hideAttribution: true }}>
            <Background />
            <Controls showInteractive={false} />
            <FitOnChange positions={positions} />
          </ReactFlow>
          </Actions.Provider>
        )}
      </div>
      <p className="muted small">◀ shows a node's inputs, ▶ its outputs. {view.nodes.length} nodes.</p>
    </div>
  );
}
