/**
 * Settings every panel of a grid shares (x axis, smoothing, log scales), the grid's live-update fan-out to its
 * panels, and the toolbar that changes the settings. Panels read them from context, so the grid's layout code
 * does not thread them through.
 */
import { createContext, useContext, useId } from 'react';
import type { LiveUpdate } from '../lib/live';
import type { ChartGroup } from './transforms';

/** The x axes W&B offers by name; any other logged numeric key may be typed in. */
export const X_AXES = [
  { key: '_step', label: 'Step' },
  { key: '_runtime', label: 'Relative time (s)' },
  { key: '_timestamp', label: 'Wall time' },
] as const;

export interface ChartSettings {
  xKey: string;
  /** EMA weight 0..0.99 (0 = off). */
  smoothing: number;
  logY: boolean;
  logX: boolean;
}
export const DEFAULT_CHART_SETTINGS: ChartSettings = { xKey: '_step', smoothing: 0, logY: false, logX: false };

export const xAxisLabel = (xKey: string) => X_AXES.find((a) => a.key === xKey)?.label ?? xKey;

/** A panel's view of the grid: settings, grouped runs (null = not grouped) and the live updates of its project. */
export interface ChartGridContext {
  settings: ChartSettings;
  groups: ChartGroup[] | null;
  /** Registers a listener for the project's live updates; returns its removal. */
  onLive(listener: (u: LiveUpdate) => void): () => void;
  /** Whether updates arrive by push (else panels refetch now and then). */
  live: boolean;
}

const noop = () => () => undefined;
export const ChartGridCtx = createContext<ChartGridContext>({ settings: DEFAULT_CHART_SETTINGS, groups: null, onLive: noop, live: false });
export const useChartGrid = () => useContext(ChartGridCtx);

/** The toolbar: x axis (named or any key), smoothing slider, log toggles. */
export function ChartControls({ value, onChange, keys }: { value: ChartSettings; onChange(s: ChartSettings): void; keys: Iterable<string> }) {
  const id = useId();
  const named = X_AXES.some((a) => a.key === value.xKey);
  return (
    <div className="chart-controls" role="group" aria-label="Chart settings">
      <label>X axis{' '}
        <select aria-label="X axis" value={named ? value.xKey : '*'}
          onChange={(e) => onChange({ ...value, xKey: e.target.value === '*' ? '' : e.target.value })}>
          {X_AXES.map((a) => <option key={a.key} value={a.key}>{a.label}</option>)}
          <option value="*">Metric…</option>
        </select>
      </label>
      {!named && (
        <>
          <input aria-label="X axis metric key" list={`${id}-keys`} placeholder="metric key" defaultValue={value.xKey}
            onKeyDown={(e) => { if (e.key === 'Enter') onChange({ ...value, xKey: e.currentTarget.value.trim() }); }}
            onBlur={(e) => { if (e.currentTarget.value.trim()) onChange({ ...value, xKey: e.currentTarget.value.trim() }); }} />
          <datalist id={`${id}-keys`}>{[...keys].slice(0, 2000).map((k) => <option key={k} value={k} />)}</datalist>
        </>
      )}
      <label>Smoothing{' '}
        <input type="range" aria-label="Smoothing" min={0} max={0.99} step={0.01} value={value.smoothing}
          onChange={(e) => onChange({ ...value, smoothing: Number(e.target.value) })} />
        <output>{value.smoothing.toFixed(2)}</output>
      </label>
      <label><input type="checkbox" checked={value.logY} onChange={(e) => onChange({ ...value, logY: e.target.checked })} /> Log y</label>
      <label><input type="checkbox" checked={value.logX} onChange={(e) => onChange({ ...value, logX: e.target.checked })} /> Log x</label>
    </div>
  );
}
