import { useQueries, useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { ErrorNote } from '../common/NotFound';
import { formatBytes } from './paths';
import { IMAGE_PREVIEW_MAX, looksBinary, parseWandbTable, previewKind, TEXT_PREVIEW_BYTES } from './preview';
import { fetchTreePage, type TreeEntry } from './queries';

const PAGE = 200;
const ROW = 30;

/**
 * A version's files as a folder tree. Each folder is a virtualised list whose rows are fetched a page at a time
 * from the server (only the pages in view), so 100,000 files in one folder scroll without loading them all.
 */
export function FileBrowser({ artifactId }: { artifactId: string }) {
  const [prefix, setPrefix] = useState('');
  const [selected, setSelected] = useState<TreeEntry | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const first = useQuery({
    queryKey: ['tree', artifactId, prefix, 0],
    queryFn: ({ signal }) => fetchTreePage(artifactId, prefix, 0, PAGE, signal),
  });
  const total = first.data?.total ?? 0;
  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 20 });
  const items = virtualizer.getVirtualItems();
  const pagesInView = useMemo(() => {
    const set = new Set<number>();
    for (const it of items) set.add(Math.floor(it.index / PAGE));
    return [...set].sort((a, b) => a - b);
  }, [items]);
  const pages = useQueries({
    queries: pagesInView.map((p) => ({
      queryKey: ['tree', artifactId, prefix, p],
      queryFn: ({ signal }: { signal: AbortSignal }) => fetchTreePage(artifactId, prefix, p * PAGE, PAGE, signal),
      staleTime: Infinity,
    })),
  });
  const rowAt = (i: number): TreeEntry | undefined => {
    const p = Math.floor(i / PAGE);
    const page = p === 0 ? first.data : pages[pagesInView.indexOf(p)]?.data;
    return page?.entries[i - p * PAGE];
  };
  const open = (path: string) => {
    setPrefix(path);
    setSelected(null);
    scroller.current?.scrollTo({ top: 0 });
  };
  const crumbs = prefix === '' ? [] : prefix.slice(0, -1).split('/');

  return (
    <div className="file-browser">
      <div className="file-pane">
        <nav className="crumbs" aria-label="Folder">
          <button type="button" className="link" onClick={() => open('')}>root</button>
          {crumbs.map((c, i) => (
            <span key={i}> / <button type="button" className="link" onClick={() => open(crumbs.slice(0, i + 1).join('/') + '/')}>{c}</button></span>
          ))}
          {first.data && <span className="muted" data-testid="folder-summary"> · {first.data.fileCount} files, {formatBytes(first.data.bytes)}</span>}
        </nav>
        {first.error && <ErrorNote error={first.error} />}
        <div className="file-list-head"><span>Name</span><span className="num">Size</span></div>
        <div className="file-list" ref={scroller} role="list" aria-label="Files" data-total={total}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((it) => {
              const e = rowAt(it.index);
              return (
                <div key={it.key} role="listitem" className={`file-row${e && selected?.path === e.path ? ' selected' : ''}`}
                  data-path={e?.path} style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${it.start}px)` }}>
                  {!e ? <span className="muted">…</span> : e.kind === 'dir'
                    ? <button type="button" className="link name" onClick={() => open(e.path)}>▸ {e.name}/</button>
                    : <button type="button" className="link name" onClick={() => setSelected(e)}>{e.name}</button>}
                  <span className="num muted">{e ? (e.kind === 'dir' ? `${e.fileCount} files · ${formatBytes(e.bytes)}` : formatBytes(e.size)) : ''}</span>
                </div>
              );
            })}
          </div>
        </div>
      </div>
      <aside className="file-detail" aria-label="File">
        {selected ? <FileDetail file={selected} /> : <p className="muted">Select a file to see its digest, download it or preview it.</p>}
      </aside>
    </div>
  );
}

function FileDetail({ file }: { file: TreeEntry }) {
  const kind = previewKind(file.path, file.size ?? 0);
  return (
    <div data-testid="file-detail">
      <h3 className="file-name">{file.path}</h3>
      <dl className="facts one-col">
        <div><dt>Size</dt><dd>{formatBytes(file.size)} ({file.size} bytes)</dd></div>
        <div><dt>Digest</dt><dd><code data-testid="file-digest">{file.digest}</code> <span className="muted">(MD5, base64)</span></dd></div>
        {file.md5Hex && <div><dt>MD5</dt><dd><code data-testid="file-md5">{file.md5Hex}</code></dd></div>}
        {file.ref && <div><dt>Reference</dt><dd><code>{file.ref}</code></dd></div>}
      </dl>
      {file.url && <p><a href={file.url} download={file.name} data-testid="download-file">Download {file.name}</a></p>}
      {file.url && kind !== 'none' && <Preview url={file.url} kind={kind} name={file.name} size={file.size ?? 0} />}
    </div>
  );
}

function Preview({ url, kind, name, size }: { url: string; kind: ReturnType<typeof previewKind>; name: string; size: number }) {
  const text = useQuery({
    queryKey: ['preview', url],
    enabled: kind === 'text' || kind === 'table',
    staleTime: Infinity,
    queryFn: async ({ signal }) => {
      const whole = kind === 'table';
      const res = await fetch(url, { signal, headers: whole ? {} : { range: `bytes=0-${TEXT_PREVIEW_BYTES - 1}` } });
      if (!res.ok) throw new Error(`preview failed (HTTP ${res.status})`);
      return res.text();
    },
  });
  if (kind === 'image') return size <= IMAGE_PREVIEW_MAX ? <img className="preview-image" src={url} alt={name} data-testid="preview-image" /> : null;
  if (text.error) return <ErrorNote error={text.error} />;
  if (text.data === undefined) return <p className="muted">Loading preview…</p>;
  if (kind === 'table') {
    const t = parseWandbTable(text.data);
    if (t) {
      return (
        <div className="preview-table" data-testid="preview-table">
          <table className="plain"><thead><tr>{t.columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
            <tbody>{t.rows.map((r, i) => <tr key={i}>{r.map((v, j) => <td key={j}>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</td>)}</tr>)}</tbody>
          </table>
          {t.total > t.rows.length && <p className="muted">First {t.rows.length} of {t.total} rows.</p>}
        </div>
      );
    }
  }
  if (looksBinary(text.data)) return <p className="muted">Binary file: no preview.</p>;
  return (
    <>
      <pre className="preview-text" data-testid="preview-text">{text.data}</pre>
      {size > TEXT_PREVIEW_BYTES && <p className="muted">First {formatBytes(TEXT_PREVIEW_BYTES)} of {formatBytes(size)}.</p>}
    </>
  );
}
