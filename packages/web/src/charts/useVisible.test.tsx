import { act, render, screen } from '@testing-library/react';
import { useRef } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { useVisibleOnce } from './useVisible';

function Probe() {
  const ref = useRef<HTMLDivElement>(null);
  const visible = useVisibleOnce(ref);
  return <div ref={ref} data-testid="probe">{visible ? 'drawn' : 'placeholder'}</div>;
}

describe('useVisibleOnce', () => {
  it('stays a placeholder until the element scrolls into view, then stays drawn', () => {
    const observers: { callback: IntersectionObserverCallback; disconnect: ReturnType<typeof vi.fn> }[] = [];
    vi.stubGlobal('IntersectionObserver', class {
      disconnect = vi.fn();
      constructor(readonly callback: IntersectionObserverCallback) {
        observers.push(this);
      }
      observe() {}
      unobserve() {}
    });
    render(<Probe />);
    expect(screen.getByTestId('probe').textContent).toBe('placeholder');
    const io = observers.at(-1)!;
    act(() => io.callback([{ isIntersecting: false } as IntersectionObserverEntry], io as never));
    expect(screen.getByTestId('probe').textContent).toBe('placeholder');
    act(() => io.callback([{ isIntersecting: true } as IntersectionObserverEntry], io as never));
    expect(screen.getByTestId('probe').textContent).toBe('drawn');
    expect(io.disconnect).toHaveBeenCalled();
    vi.unstubAllGlobals();
  });
});
