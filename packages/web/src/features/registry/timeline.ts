/** Promotion events in words. Pure: tested in timeline.test.ts. */
export interface EventLike { action: string; alias: string | null; fromVersion: string | null; toVersion: string | null; actor: string }

export function describeEvent(e: EventLike): string {
  const who = e.actor;
  switch (e.action) {
    case 'link': return `${who} linked ${e.toVersion ?? 'a version'}`;
    case 'unlink': return `${who} unlinked ${e.fromVersion ?? e.toVersion ?? 'a version'}`;
    case 'alias_add': return `${who} set ${e.alias} on ${e.toVersion}`;
    case 'alias_move': return `${who} moved ${e.alias} from ${e.fromVersion} to ${e.toVersion}`;
    case 'alias_remove': return `${who} removed ${e.alias} from ${e.fromVersion ?? e.toVersion}`;
    case 'role_change': return `${who} changed a role`;
    default: return `${who}: ${e.action}${e.alias ? ` ${e.alias}` : ''}`;
  }
}
