import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from '@tanstack/react-table';
import { useEffect, useMemo, useState } from 'react';
import { formatValue } from '../../lib/format';
import { ErrorNote } from '../common/NotFound';
import {
  fetchTable, isImageCell, nextSort, pageLabel, type MediaKey, type RunRef, type TableFilter, type TableQuery,
} from './media-api';

const PAGE = 50;
const OPS: TableFilter['op'][] = ['contains', '=', '!=', '<', '<=', '>', '>='];
type Row = { index: number; cells: unknown[] };

/**
 * A logged wandb.Table: the server sorts, filters and pages (a 200,000-row table never comes whole), the
 * version picker shows the table as logged at each step, image cells show their image.
 */
export function TableViewer({ runRef, media }: { runRef: RunRef; media: MediaKey }) {
  const [step, setStep] = useState<number>(media.steps[media.steps.length - 1] ?? 0);
  const [offset, setOffset] = useState(0);
  const [sort, setSort] = useState<TableQuery['sort']>(undefined);
  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState<TableFilter>({ column: '', op: 'contains', value: '' });
  const [applied, setApplied] = useState<TableFilter[]>([]);
  // Typing settles for a moment before the server is asked again.
  useEffect(() => {
    const t = setTimeout(() => { setSearch(searchText); setOffset(0); }, 250);
    return () => clearTimeout(t);
  }, [searchText]);

  const query: TableQuery = { key: media.key, step, offset, limit: PAGE, sort, search, filters: applied };
  const q = useQuery({
    queryKey: ['media-table', runRef.entity, runRef.project, runRef.run, query],
    queryFn: ({ signal }) => fetchTable(runRef, query, signal),
    placeholderData: keepPreviousData,
    staleTime: 60_000,
    retry: false,
  });
  const page = q.data;
  const columnNames = page?.columns;
  const columns = useMemo<ColumnDef<Row>[]>(() => [
    { id: '#', header: '#', cell: ({ row }) => <span className="muted num">{row.original.index}</span> },
    ...(columnNames ?? []).map((name, i): ColumnDef<Row> => ({
      id: name, header: name, cell: ({ row }) => <Cell value={row.original.cells[i]} />,
    })),
  ], [columnNames]);
  const table = useReactTable({ data: page?.rows ?? [], columns, getCoreRowModel: getCoreRowModel(), manualSorting: true, manualPagination: true });

  return (
    <div className="media-table" data-testid="table-viewer" data-key={media.key}>
      <div className="media-table-bar">
        <strong>{media.key}</strong>
        {media.steps.length > 1 && (
          <label>Version at step{' '}
            <select value={step} aria-label="Table version" onChange={(e) => { setStep(Number(e.target.value)); setOffset(0); }}>
              {media.steps.map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          </label>
        )}
        <input type="search" placeholder="Search all cells" aria-label="Search table" value={searchText} onChange={(e) => setSearchText(e.target.value)} />
        <form className="media-filter" onSubmit={(e) => {
          e.preventDefault();
          setApplied(filter.column ? [filter] : []);
          setOffset(0);
        }}>
          <select aria-label="Filter column" value={filter.column} onChange={(e) => setFilter({ ...filter, column: e.target.value })}>
            <option value="">Filter column…</option>
            {(columnNames ?? []).map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
          <select aria-label="Filter operator" value={filter.op} onChange={(e) => setFilter({ ...filter, op: e.target.value as TableFilter['op'] })}>
            {OPS.map((o) => <option key={o} value={o}>{o}</option>)}
          </select>
          <input aria-label="Filter value" value={filter.value} onChange={(e) => setFilter({ ...filter, value: e.target.value })} />
          <button type="submit">Apply</button>
          {applied.length > 0 && <button type="button" onClick={() => { setApplied([]); setOffset(0); }}>Clear</button>}
        </form>
      </div>
      {q.error ? <ErrorNote error={q.error} /> : !page ? <p className="muted">Loading table…</p> : (
        <>
          <p className="muted media-table-meta">
            {page.source === 'run-file' ? 'From the run file (the SDK writes at most 10,000 rows there). ' : ''}
            {page.nrows.toLocaleString('en')} row{page.nrows === 1 ? '' : 's'} logged at step {page.step}.
          </p>
          <div className="media-table-scroll">
            <table className="plain media-rows" aria-rowcount={page.total}>
              <thead>
                {table.getHeaderGroups().map((g) => (
                  <tr key={g.id}>
                    {g.headers.map((h) => {
                      const sorted = sort?.column === h.id ? (sort.desc ? 'descending' : 'ascending') : 'none';
                      return (
                        <th key={h.id} aria-sort={h.id === '#' ? undefined : sorted}>
                          {h.id === '#' ? '#' : (
                            <button type="button" className="th-sort" data-testid={`sort-${h.id}`}
                              onClick={() => { setSort(nextSort(sort, h.id)); setOffset(0); }}>
                              {flexRender(h.column.columnDef.header, h.getContext())}
                              {sorted === 'ascending' ? ' ▲' : sorted === 'descending' ? ' ▼' : ''}
                            </button>
                          )}
                        </th>
                      );
                    })}
                  </tr>
                ))}
              </thead>
              <tbody>
                {table.getRowModel().rows.map((r) => (
                  <tr key={r.original.index} data-testid="table-row">
                    {r.getVisibleCells().map((c) => <td key={c.id}>{flexRender(c.column.columnDef.cell, c.getContext())}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="media-pager">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
            <span data-testid="table-page">{pageLabel(page.offset, page.rows.length, page.total)}</span>
            <button type="button" disabled={offset + PAGE >= page.total} onClick={() => setOffset(offset + PAGE)}>Next</button>
            {q.isFetching && <span className="muted">Loading…</span>}
          </div>
        </>
      )}
    </div>
  );
}

function Cell({ value }: { value: unknown }) {
  if (isImageCell(value)) {
    return <img className="media-cell-image" src={value.src} alt={value.path} data-testid="table-image" loading="lazy" />;
  }
  if (typeof value === 'number') return <span className="num">{formatValue(value)}</span>;
  return <>{formatValue(value)}</>;
}
