import { useEffect, useState } from 'react';
import { FILTER_OPS, isUnary, type FieldFilter, type FilterOp, type RunsQueryState } from './runs-query';

const STATES = ['running', 'finished', 'crashed', 'failed', 'killed'];

/** Search, state chips and `field op value` filters. Text input is applied after a short pause. */
export function FilterBar({ value, onChange, fields = [] }: { value: RunsQueryState; onChange(q: RunsQueryState): void; fields?: string[] }) {
  const [search, setSearch] = useState(value.search);
  const [drafts, setDrafts] = useState<FieldFilter[]>(value.filters);
  useEffect(() => {
    const t = setTimeout(() => {
      if (search !== value.search) onChange({ ...value, search });
    }, 250);
    return () => clearTimeout(t);
  }, [search, value, onChange]);

  const toggleState = (s: string) => onChange({
    ...value, states: value.states.includes(s) ? value.states.filter((x) => x !== s) : [...value.states, s],
  });
  const setDraft = (i: number, patch: Partial<FieldFilter>) => setDrafts(drafts.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const apply = (next = drafts) => onChange({ ...value, search, filters: next.filter((f) => f.field.trim() !== '') });

  return (
    <div className="filter-bar">
      <input type="search" aria-label="Search runs" placeholder="Search runs by name" value={search}
        onChange={(e) => setSearch(e.target.value)} />
      <div className="state-chips" role="group" aria-label="Filter by state">
        {STATES.map((s) => (
          <button key={s} type="button" className="chip" aria-pressed={value.states.includes(s)} onClick={() => toggleState(s)}>{s}</button>
        ))}
      </div>
      <form className="field-filters" onSubmit={(e) => { e.preventDefault(); apply(); }}>
        {drafts.map((d, i) => (
          <div className="field-filter" key={i}>
            <input aria-label="Filter field" list="filter-fields" placeholder="config.lr, summary_metrics.loss, tags, group…" value={d.field}
              onChange={(e) => setDraft(i, { field: e.target.value })} />
            <select aria-label="Operator" value={d.op} onChange={(e) => setDraft(i, { op: e.target.value as FilterOp })}>
              {FILTER_OPS.map((op) => <option key={op} value={op}>{op}</option>)}
            </select>
            {!isUnary(d.op) && (
              <input aria-label="Filter value" placeholder={d.op === 'in' || d.op === 'not in' ? 'a, b, c' : 'value'} value={d.value}
                onChange={(e) => setDraft(i, { value: e.target.value })} />
            )}
            <button type="button" aria-label="Remove filter" onClick={() => { const next = drafts.filter((_, j) => j !== i); setDrafts(next); apply(next); }}>✕</button>
          </div>
        ))}
        {/* Suggestions: the browser's own list (keyboard-friendly); long key lists are cut to keep typing fast. */}
        <datalist id="filter-fields">{fields.slice(0, 2000).map((f) => <option key={f} value={f} />)}</datalist>
        <div className="filter-actions">
          <button type="button" onClick={() => setDrafts([...drafts, { field: '', op: '=', value: '' }])}>+ Filter</button>
          {drafts.length > 0 && <button type="submit">Apply filters</button>}
        </div>
      </form>
    </div>
  );
}
