import type { Virtualizer } from '@tanstack/react-virtual';

type OffsetCallback = (offset: number, isScrolling: boolean) => void;
interface Subscriber { horizontal: boolean; cb: OffsetCallback }
interface Hub { subscribers: Set<Subscriber>; detach(): void }

const hubs = new WeakMap<Element, Hub>();
/** Without `scrollend` (jsdom, old browsers), scrolling is over this long after the last scroll event. */
const SCROLL_END_MS = 150;

/**
 * An `observeElementOffset` for virtualisers that share one scroll element (a table's rows and columns). Each
 * virtualiser on its own listens to `scroll` and reads its offset and the scroll size there; the first one
 * re-renders synchronously, so the second one's reads force a style and layout pass of the freshly rendered rows
 * in every scroll frame (10–30 ms in the 10,000-run bench). Here one listener reads the offsets and tells the
 * virtualisers in an order where the one that re-renders comes last.
 */
export function observeSharedElementOffset<E extends Element>(instance: Virtualizer<E, Element>, cb: OffsetCallback): (() => void) | undefined {
  const element = instance.scrollElement;
  if (!element) return undefined;
  let hub = hubs.get(element);
  if (!hub) {
    const created = hubOf(element);
    hubs.set(element, created);
    hub = created;
  }
  const subscriber: Subscriber = { horizontal: !!instance.options.horizontal, cb };
  hub.subscribers.add(subscriber);
  const own = hub;
  return () => {
    own.subscribers.delete(subscriber);
    if (own.subscribers.size > 0) return;
    own.detach();
    if (hubs.get(element) === own) hubs.delete(element);
  };
}

function hubOf(element: Element): Hub {
  const subscribers = new Set<Subscriber>();
  const hasScrollEnd = typeof window !== 'undefined' && 'onscrollend' in window;
  let endTimer: ReturnType<typeof setTimeout> | undefined;
  let last = { top: element.scrollTop, left: element.scrollLeft };
  const tell = (isScrolling: boolean) => {
    // Both offsets read before any subscriber renders. A virtualiser also reads the scroll size in its callback,
    // so the ones whose axis did not move go first (they do not re-render), the one that moved last. The end of
    // a scroll reads nothing: the offsets are those of its last scroll event, and a read right after that event's
    // render would force the layout again.
    const now = isScrolling ? { top: element.scrollTop, left: element.scrollLeft } : last;
    const before = last;
    last = now;
    const moved = (s: Subscriber) => (s.horizontal ? now.left !== before.left : now.top !== before.top);
    const ordered = [...subscribers].sort((a, b) => Number(moved(a)) - Number(moved(b)));
    for (const s of ordered) s.cb(s.horizontal ? now.left : now.top, isScrolling);
  };
  const onScroll = () => {
    if (!hasScrollEnd) {
      clearTimeout(endTimer);
      endTimer = setTimeout(() => tell(false), SCROLL_END_MS);
    }
    tell(true);
  };
  const onScrollEnd = () => tell(false);
  element.addEventListener('scroll', onScroll, { passive: true });
  if (hasScrollEnd) element.addEventListener('scrollend', onScrollEnd, { passive: true });
  return {
    subscribers,
    detach() {
      clearTimeout(endTimer);
      element.removeEventListener('scroll', onScroll);
      if (hasScrollEnd) element.removeEventListener('scrollend', onScrollEnd);
    },
  };
}
