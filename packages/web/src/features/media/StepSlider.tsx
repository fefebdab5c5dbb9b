/** A slider over the steps a key was logged at (by position, so uneven steps are evenly spaced). */
export function StepSlider({ label, steps, index, onChange }: { label: string; steps: number[]; index: number; onChange(i: number): void }) {
  if (steps.length < 2) return <p className="media-step muted">Step {steps[0] ?? '—'}</p>;
  return (
    <label className="media-step">
      <span>Step <b data-testid="media-step">{steps[index]}</b></span>
      <input type="range" min={0} max={steps.length - 1} value={index} aria-label={`Step of ${label}`}
        aria-valuetext={`step ${steps[index]}`} onChange={(e) => onChange(Number(e.target.value))} />
    </label>
  );
}
