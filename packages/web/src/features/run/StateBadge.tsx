/** Run state as text plus a shape, never colour alone (readable for colour-blind users). */
const SYMBOL: Record<string, string> = { running: '▶', finished: '✓', crashed: '✕', failed: '✕', killed: '■', preempted: '⏸' };

export function StateBadge({ state, compact = false }: { state: string | null; compact?: boolean }) {
  const s = state ?? 'unknown';
  return (
    <span className={`state state-${s}`} title={s} data-state={s}>
      <span aria-hidden="true">{SYMBOL[s] ?? '•'}</span>
      {compact ? <span className="sr-only">{s}</span> : ` ${s}`}
    </span>
  );
}
