import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { matchesSearch } from './sections';

const ITEM_HEIGHT = 28;

/** `config:lr` → `config.lr` (how filters and people name it). */
export const columnLabel = (id: string) => id.replace(/^config:/, 'config.').replace(/^summary:/, 'summary.');

/**
 * The column picker: a searchable, virtualised list of every config and summary key (thousands stay smooth).
 * Keyboard: type to search, ↑/↓ move through the list (focus stays in the search box), Enter or Space toggles.
 */
export function ColumnPicker({ available, chosen, onChange, fixed = [], onToggleFixed }: {
  available: { config: string[]; summary: string[] }; chosen: string[]; onChange(ids: string[]): void;
  /** The table's standard columns that can be hidden, with whether each is shown. */
  fixed?: { id: string; label: string; shown: boolean }[]; onToggleFixed?(id: string): void;
}) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const [active, setActive] = useState(0);
  const all = useMemo(() => [...available.config.map((k) => `config:${k}`), ...available.summary.map((k) => `summary:${k}`)], [available]);
  const matches = useMemo(() => all.filter((id) => matchesSearch(columnLabel(id), search)), [all, search]);
  const chosenSet = new Set(chosen);
  const list = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: matches.length, getScrollElement: () => list.current, estimateSize: () => ITEM_HEIGHT, overscan: 8 });
  useEffect(() => setActive(0), [search]);
  const toggle = (id: string) => onChange(chosenSet.has(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    const move = (i: number) => {
      const next = Math.max(0, Math.min(matches.length - 1, i));
      setActive(next);
      virtualizer.scrollToIndex(next);
    };
    if (e.key === 'ArrowDown') move(active + 1);
    else if (e.key === 'ArrowUp') move(active - 1);
    else if (e.key === 'PageDown') move(active + 10);
    else if (e.key === 'PageUp') move(active - 10);
    else if ((e.key === 'Enter' || (e.key === ' ' && e.ctrlKey)) && matches[active]) toggle(matches[active]!);
    else if (e.key === 'Escape') setOpen(false);
    else return;
    e.preventDefault();
  };
  const optionId = (i: number) => `column-option-${i}`;
  return (
    <div className="column-picker">
      <button type="button" aria-expanded={open} aria-controls="column-picker-popover" onClick={() => setOpen(!open)}>
        Columns ({chosen.length})
      </button>
      {open && (
        <div className="popover" id="column-picker-popover">
          <input type="search" autoFocus placeholder={`Search ${all.length} config and summary keys`} aria-label="Search columns"
            role="combobox" aria-expanded="true" aria-controls="column-options" aria-activedescendant={matches.length ? optionId(active) : undefined}
            value={search} onChange={(e) => setSearch(e.target.value)} onKeyDown={onKey} />
          <p className="muted picker-count">{matches.length} keys · {chosen.length} shown{chosen.length > 0 && (
            <> · <button type="button" className="link" onClick={() => onChange([])}>hide all</button></>
          )}</p>
          {fixed.length > 0 && (
            <fieldset className="picker-fixed">
              <legend className="sr-only">Standard columns</legend>
              {fixed.map((f) => (
                <label key={f.id}><input type="checkbox" checked={f.shown} onChange={() => onToggleFixed?.(f.id)} /> {f.label}</label>
              ))}
            </fieldset>
          )}
          <div ref={list} className="picker-list" role="listbox" id="column-options" aria-label="Columns" aria-multiselectable="true">
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualizer.getVirtualItems().map((vi) => {
                const id = matches[vi.index]!;
                return (
                  <div key={id} id={optionId(vi.index)} role="option" aria-selected={chosenSet.has(id)}
                    className={`picker-option${vi.index === active ? ' active' : ''}`} data-column-option={id}
                    style={{ position: 'absolute', top: 0, transform: `translateY(${vi.start}px)`, height: ITEM_HEIGHT, width: '100%' }}
                    onMouseDown={(e) => e.preventDefault()} onClick={() => { setActive(vi.index); toggle(id); }}>
                    <span aria-hidden="true" className="check">{chosenSet.has(id) ? '☑' : '☐'}</span> {columnLabel(id)}
                  </div>
                );
              })}
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
