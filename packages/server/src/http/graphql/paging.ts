/** Offset cursors for connections: opaque to clients, stable for a given ordering. */
export const encodeCursor = (index: number) => Buffer.from(`cursor:${index}`).toString('base64');
export function decodeCursor(cursor: string | null | undefined): number {
  if (!cursor) return -1;
  const m = /^cursor:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return m ? Number(m[1]) : -1;
}

export function page<T>(items: T[], after: string | null | undefined, first: number | null | undefined, max = 1000) {
  const start = decodeCursor(after) + 1;
  const size = Math.min(Math.max(first ?? 50, 0), max);
  const slice = items.slice(start, start + size);
  return {
    edges: slice.map((node, i) => ({ node, cursor: encodeCursor(start + i) })),
    pageInfo: {
      endCursor: slice.length > 0 ? encodeCursor(start + slice.length - 1) : null,
      hasNextPage: start + slice.length < items.length,
      startCursor: slice.length > 0 ? encodeCursor(start) : null,
      hasPreviousPage: start > 0,
    },
    totalCount: items.length,
  };
}
