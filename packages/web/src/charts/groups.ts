/** Grouped workspace → chart groups. Pure: groups.test.ts. */
import { assignColors } from '../lib/colors';
import type { ChartGroup } from './transforms';

/** The runs-table's rows as grouped: a group header, then the runs loaded under it. */
export type GroupedItem = { kind: 'group'; key: string; label: string } | { kind: 'run'; row: { name: string } } | { kind: string };

/**
 * One chart group per group header with runs loaded under it (collapsed groups have none loaded and are not
 * drawn), members in table order, hidden runs left out. Colours from the colour-blind-safe palette, by group key.
 */
export function chartGroupsOf(items: readonly GroupedItem[], hidden: ReadonlySet<string> = new Set(), maxGroups = 10): ChartGroup[] {
  const groups: { key: string; label: string; members: string[] }[] = [];
  let current: { key: string; label: string; members: string[] } | null = null;
  for (const item of items) {
    if (item.kind === 'group' && 'key' in item) {
      current = { key: item.key, label: item.label, members: [] };
      groups.push(current);
    } else if (item.kind === 'run' && 'row' in item && current && !hidden.has(item.row.name)) {
      current.members.push(item.row.name);
    }
  }
  const drawn = groups.filter((g) => g.members.length > 0).slice(0, maxGroups);
  const colors = assignColors(drawn.map((g) => g.key));
  return drawn.map((g) => ({ name: g.key, label: g.label, color: colors.get(g.key)!, members: g.members }));
}
