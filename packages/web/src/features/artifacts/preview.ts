/** How a file is previewed, from its name and size. Pure: tested in preview.test.ts. */

export type PreviewKind = 'image' | 'table' | 'text' | 'none';

const IMAGE = /\.(png|jpe?g|gif|webp|bmp|avif|svg)$/i;
const TEXT = /\.(txt|md|csv|tsv|json|jsonl|ya?ml|toml|ini|cfg|log|py|js|ts|sh|html|xml|rst|tex|r|sql|c|h|cpp|java|go|rs)$/i;
/** Bytes of a text file shown (read with a Range request, so a huge log costs one small read). */
export const TEXT_PREVIEW_BYTES = 64 * 1024;
/** An image bigger than this is offered for download, not drawn. */
export const IMAGE_PREVIEW_MAX = 20 * 1024 * 1024;

export function previewKind(name: string, size: number): PreviewKind {
  if (IMAGE.test(name)) return size <= IMAGE_PREVIEW_MAX ? 'image' : 'none';
  // W&B tables: {"columns": [...], "data": [[...], ...]}.
  if (/\.table\.json$/i.test(name)) return size <= 5 * 1024 * 1024 ? 'table' : 'text';
  if (TEXT.test(name) || !/\.[^/]+$/.test(name)) return 'text';
  return 'none';
}

/** A W&B table file's columns and first rows, or null when the text is not one. */
export function parseWandbTable(text: string, maxRows = 200): { columns: string[]; rows: unknown[][]; total: number } | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const { columns, data } = v as { columns?: unknown; data?: unknown };
  if (!Array.isArray(columns) || !Array.isArray(data) || !data.every(Array.isArray)) return null;
  return { columns: columns.map(String), rows: (data as unknown[][]).slice(0, maxRows), total: data.length };
}

/** Text that decoded with replacement characters in its first bytes is treated as binary. */
export const looksBinary = (text: string) => {
  const head = text.slice(0, 2000);
  return head.includes('\u0000') || (head.match(/\uFFFD/g)?.length ?? 0) > 8;
};
