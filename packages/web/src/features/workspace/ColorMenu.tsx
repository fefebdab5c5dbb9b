import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';
import { RUN_PALETTE } from '../../lib/colors';

const NAMES: Record<string, string> = {
  '#0072B2': 'blue', '#E69F00': 'orange', '#009E73': 'bluish green', '#CC79A7': 'reddish purple', '#D55E00': 'vermillion',
  '#56B4E9': 'sky blue', '#882255': 'wine', '#332288': 'indigo', '#999933': 'olive', '#6b6b6b': 'grey',
};

/**
 * A run's colour swatch that opens a menu of the colour-blind-safe palette. Keyboard: Enter/Space/↓ opens,
 * arrows move, Enter picks, Escape closes; focus returns to the swatch.
 */
export function ColorMenu({ run, color, onPick }: { run: string; color: string; onPick(color: string | null): void }) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const choices = [...RUN_PALETTE, null];
  useEffect(() => {
    if (open) menu.current?.querySelectorAll<HTMLElement>('[role="menuitemradio"]')[active]?.focus();
  }, [open, active]);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && e.target !== button.current) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  const pick = (c: string | null) => {
    onPick(c);
    setOpen(false);
    button.current?.focus();
  };
  const at = () => {
    const r = button.current?.getBoundingClientRect();
    return r ? { top: r.bottom + 4, left: r.left } : {};
  };
  const onMenuKey = (e: KeyboardEvent) => {
    e.stopPropagation();
    const n = choices.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowRight') setActive((a) => (a + 1) % n);
    else if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') setActive((a) => (a - 1 + n) % n);
    else if (e.key === 'Home') setActive(0);
    else if (e.key === 'End') setActive(n - 1);
    else if (e.key === 'Escape' || e.key === 'Tab') {
      setOpen(false);
      button.current?.focus();
    } else return;
    e.preventDefault();
  };
  return (
    <span className="color-menu">
      <button ref={button} type="button" tabIndex={-1} className="swatch-button" aria-haspopup="menu" aria-expanded={open}
        aria-label={`Colour of ${run}: ${NAMES[color] ?? color}`}
        onClick={() => { setActive(Math.max(0, RUN_PALETTE.indexOf(color as (typeof RUN_PALETTE)[number]))); setOpen(!open); }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') { e.preventDefault(); e.stopPropagation(); setOpen(true); }
        }}>
        <i className="swatch" style={{ background: color, borderColor: color }} />
      </button>
      {open && createPortal(
        // In a portal: table cells clip what overflows them.
        <div ref={menu} role="menu" aria-label={`Colour of ${run}`} className="color-popover" onKeyDown={onMenuKey} style={at()}>
          {choices.map((c, i) => (
            <button key={c ?? 'auto'} type="button" role="menuitemradio" aria-checked={c === color} tabIndex={i === active ? 0 : -1}
              title={c ? NAMES[c] : 'Automatic'} aria-label={c ? NAMES[c] : 'Automatic colour'} onClick={() => pick(c)} className="color-choice">
              {c ? <i className="swatch" style={{ background: c, borderColor: c }} /> : <span aria-hidden="true">Auto</span>}
            </button>
          ))}
        </div>, document.body,
      )}
    </span>
  );
}
