import type { Virtualizer } from '@tanstack/react-virtual';
import { describe, expect, it, vi } from 'vitest';
import { observeSharedElementOffset } from './shared-scroll';

/** A scroll element whose offset reads are counted. */
function scroller() {
  const el = document.createElement('div');
  let top = 0;
  let left = 0;
  const reads = { n: 0 };
  Object.defineProperty(el, 'scrollTop', { get: () => (reads.n++, top), set: (v: number) => { top = v; } });
  Object.defineProperty(el, 'scrollLeft', { get: () => (reads.n++, left), set: (v: number) => { left = v; } });
  return { el, reads, scrollTo(t: number, l: number) { top = t; left = l; el.dispatchEvent(new Event('scroll')); } };
}
const virtualizer = (el: Element, horizontal: boolean) => ({ scrollElement: el, options: { horizontal } }) as unknown as Virtualizer<Element, Element>;

describe('observeSharedElementOffset', () => {
  it('tells every virtualiser its own axis from one read, the one whose axis moved last', () => {
    const s = scroller();
    const calls: string[] = [];
    const offRows = observeSharedElementOffset(virtualizer(s.el, false), (o, scrolling) => calls.push(`rows ${o} ${scrolling}`))!;
    const offCols = observeSharedElementOffset(virtualizer(s.el, true), (o, scrolling) => calls.push(`cols ${o} ${scrolling}`))!;
    s.reads.n = 0;
    s.scrollTo(320, 0);
    expect(calls).toEqual(['cols 0 true', 'rows 320 true']);
    expect(s.reads.n).toBe(2);
    calls.length = 0;
    s.scrollTo(320, 120);
    expect(calls).toEqual(['rows 320 true', 'cols 120 true']);
    offRows();
    offCols();
    calls.length = 0;
    s.scrollTo(640, 0);
    expect(calls).toEqual([]);
  });

  it('ends a scroll with the offsets of its last scroll event, reading nothing', () => {
    vi.useFakeTimers();
    try {
      const s = scroller();
      const calls: string[] = [];
      const off = observeSharedElementOffset(virtualizer(s.el, false), (o, scrolling) => calls.push(`${o} ${scrolling}`))!;
      s.scrollTo(96, 0);
      const readsAfterScroll = s.reads.n;
      // From the scrollend event, or where there is none a moment after the last scroll event.
      if ('onscrollend' in window) s.el.dispatchEvent(new Event('scrollend'));
      else vi.advanceTimersByTime(200);
      expect(calls).toEqual(['96 true', '96 false']);
      expect(s.reads.n).toBe(readsAfterScroll);
      off();
    } finally {
      vi.useRealTimers();
    }
  });
});
