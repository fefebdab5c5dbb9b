import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, navigate, pathOf } from '../../app/router';
import { isNotFound } from '../../lib/api';
import { timeAgo } from '../../lib/format';
import { ErrorNote, NotFound } from '../common/NotFound';
import { getReport, idOfSlug, listReports, publishReport, saveReport, slugOf, type ReportView } from './api';
import { ReportBlocks } from './ReportBlocks';
import { parseSpec, toEditorBlocks, toSpec, type EditorBlock } from './spec';

interface Where { entity: string; project: string }

const reportPath = (entity: string, project: string, view: { id: string; displayName: string | null }, ...rest: string[]) =>
  pathOf(entity, project, 'reports', slugOf(view), ...rest);

/** A project's reports, newest first, and the viewer's own drafts. */
export function ReportsPage({ entity, project }: Where) {
  const list = useQuery({ queryKey: ['reports', entity, project], queryFn: ({ signal }) => listReports(entity, project, signal) });
  if (list.isPending) return <main className="page"><p className="muted">Loading…</p></main>;
  if (list.error) return isNotFound(list.error) ? <NotFound what={`Project ${entity}/${project}`} /> : <main className="page"><ErrorNote error={list.error} /></main>;
  if (!list.data.project) return <NotFound what={`Project ${entity}/${project}`} />;
  const reports = list.data.project.allViews.edges.map((e) => e.node);
  const drafts = list.data.project.drafts.edges.map((e) => e.node);
  return (
    <main className="page reports-page">
      <div className="page-head">
        <h1><Link to={pathOf(entity, project)}>{entity}/{project}</Link> · Reports</h1>
        <Link to={pathOf(entity, project, 'reports', 'new')} className="button">New report</Link>
      </div>
      {reports.length === 0 ? <p className="muted">No reports yet.</p> : <ReportList entity={entity} project={project} views={reports} testId="report-list" />}
      {drafts.length > 0 && (
        <>
          <h2>Your drafts</h2>
          <ReportList entity={entity} project={project} views={drafts} testId="draft-list" />
        </>
      )}
    </main>
  );
}

function ReportList({ entity, project, views, testId }: Where & { views: ReportView[]; testId: string }) {
  return (
    <ul className="report-list" data-testid={testId}>
      {views.map((v) => (
        <li key={v.id}>
          <Link to={reportPath(entity, project, v)}>{v.displayName || 'Untitled report'}</Link>
          {v.description && <span className="muted"> — {v.description}</span>}
          <span className="muted"> · {v.user?.username ?? 'unknown'} · updated {timeAgo(v.updatedAt)}</span>
        </li>
      ))}
    </ul>
  );
}

function useReport(slug: string) {
  const id = idOfSlug(slug);
  return { id, query: useQuery({ queryKey: ['report', id], enabled: id !== null, queryFn: ({ signal }) => getReport(id!, signal) }) };
}

/** A report, rendered live: its panel grids chart their run sets' current data. */
export function ReportPage({ entity, project, slug }: Where & { slug: string }) {
  const { id, query } = useReport(slug);
  const client = useQueryClient();
  const publish = useMutation({
    mutationFn: () => publishReport(id!),
    onSuccess: (view) => {
      void client.invalidateQueries({ queryKey: ['reports', entity, project] });
      client.setQueryData(['report', view.id], view);
      navigate(reportPath(entity, project, view), { replace: true });
    },
  });
  const parsed = useMemo(() => parseSpec(query.data?.spec), [query.data?.spec]);
  if (id === null) return <NotFound what="This report" />;
  if (query.isPending) return <main className="page"><p className="muted">Loading…</p></main>;
  if (query.error) return isNotFound(query.error) ? <NotFound what="This report" /> : <main className="page"><ErrorNote error={query.error} /></main>;
  const view = query.data;
  const isDraft = view.type.endsWith('/draft');
  return (
    <main className="page report-page" data-testid="report-page" data-report-type={view.type}>
      <p className="muted"><Link to={pathOf(entity, project, 'reports')}>{entity}/{project} reports</Link></p>
      <div className="page-head">
        <h1 data-testid="report-title">{view.displayName || 'Untitled report'}</h1>
        {isDraft && <span className="badge" data-testid="draft-badge">Draft</span>}
        <Link to={reportPath(entity, project, view, 'edit')} className="button">Edit</Link>
        {isDraft && <button type="button" onClick={() => publish.mutate()} disabled={publish.isPending}>Publish</button>}
      </div>
      {view.description && <p className="report-description">{view.description}</p>}
      <p className="muted">By {view.user?.username ?? 'unknown'} · updated {timeAgo(view.updatedAt)}</p>
      {publish.error && <ErrorNote error={publish.error} />}
      <ReportBlocks blocks={parsed.blocks} entity={view.project?.entityName ?? entity} project={view.project?.name ?? project} />
    </main>
  );
}

/** A new report (slug undefined) or an edit of one. Edits of a published report are saved as a draft of it. */
export function ReportEditorPage({ entity, project, slug }: Where & { slug?: string }) {
  const existing = useReport(slug ?? '');
  if (slug === undefined) return <ReportEditor entity={entity} project={project} />;
  if (existing.id === null) return <NotFound what="This report" />;
  if (existing.query.isPending) return <main className="page"><p className="muted">Loading…</p></main>;
  if (existing.query.error) return isNotFound(existing.query.error) ? <NotFound what="This report" /> : <main className="page"><ErrorNote error={existing.query.error} /></main>;
  return <ReportEditor entity={entity} project={project} view={existing.query.data} />;
}

function ReportEditor({ entity, project, view }: Where & { view?: ReportView }) {
  const client = useQueryClient();
  const original = useMemo(() => parseSpec(view?.spec), [view?.spec]);
  const [title, setTitle] = useState(view?.displayName ?? '');
  const [description, setDescription] = useState(view?.description ?? '');
  const [blocks, setBlocks] = useState<EditorBlock[]>(() => (view ? toEditorBlocks(original.blocks) : [
    { kind: 'heading', level: 1, text: '' }, { kind: 'paragraph', text: '' },
  ]));
  // The draft this editor saves into: the report itself when it is a draft, else a draft made on first save.
  const [draftId, setDraftId] = useState<string | null>(view && view.type.endsWith('/draft') ? view.id : null);

  const save = useMutation({
    mutationFn: async ({ then }: { then: 'stay' | 'publish' }) => {
      const spec = toSpec(blocks, entity, project, original.raw);
      const parentId = view && !view.type.endsWith('/draft') ? view.id : undefined;
      const saved = await saveReport({
        ...(draftId ? { id: draftId } : {}), entityName: entity, projectName: project, displayName: title.trim() || 'Untitled report',
        description, type: 'runs/draft', spec, ...(parentId && !draftId ? { parentId } : {}),
      });
      setDraftId(saved.id);
      return then === 'publish' ? publishReport(saved.id) : saved;
    },
    onSuccess: (saved) => {
      void client.invalidateQueries({ queryKey: ['reports', entity, project] });
      client.setQueryData(['report', saved.id], saved);
      navigate(reportPath(entity, project, saved));
    },
  });

  const update = (i: number, b: EditorBlock) => setBlocks((all) => all.map((x, j) => (j === i ? b : x)));
  const remove = (i: number) => setBlocks((all) => all.filter((_, j) => j !== i));
  const move = (i: number, by: number) => setBlocks((all) => {
    const next = [...all];
    const [b] = next.splice(i, 1);
    next.splice(Math.max(0, Math.min(next.length, i + by)), 0, b!);
    return next;
  });
  const add = (b: EditorBlock) => setBlocks((all) => [...all, b]);

  return (
    <main className="page report-editor" data-testid="report-editor">
      <p className="muted"><Link to={pathOf(entity, project, 'reports')}>{entity}/{project} reports</Link></p>
      <h1>{view ? 'Edit report' : 'New report'}</h1>
      <label className="field">Title <input aria-label="Report title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={128} /></label>
      <label className="field">Description <input aria-label="Report description" value={description} onChange={(e) => setDescription(e.target.value)} /></label>
      <ol className="editor-blocks">
        {blocks.map((b, i) => (
          <li key={i} className="editor-block" data-kind={b.kind}>
            <BlockEditor block={b} onChange={(nb) => update(i, nb)} />
            <span className="editor-block-tools">
              <button type="button" aria-label="Move up" onClick={() => move(i, -1)} disabled={i === 0}>↑</button>
              <button type="button" aria-label="Move down" onClick={() => move(i, 1)} disabled={i === blocks.length - 1}>↓</button>
              <button type="button" aria-label="Remove block" onClick={() => remove(i)}>✕</button>
            </span>
          </li>
        ))}
      </ol>
      <div className="editor-add">
        <button type="button" onClick={() => add({ kind: 'heading', level: 2, text: '' })}>Add heading</button>
        <button type="button" onClick={() => add({ kind: 'paragraph', text: '' })}>Add text</button>
        <button type="button" onClick={() => add({ kind: 'markdown', text: '' })}>Add markdown</button>
        <button type="button" onClick={() => add({ kind: 'lineplot', metrics: '', title: '' })}>Add line plot</button>
      </div>
      {save.error && <ErrorNote error={save.error} />}
      <div className="editor-actions">
        <button type="button" onClick={() => save.mutate({ then: 'stay' })} disabled={save.isPending}>Save draft</button>
        <button type="button" className="primary" onClick={() => save.mutate({ then: 'publish' })} disabled={save.isPending}>Publish</button>
      </div>
    </main>
  );
}

function BlockEditor({ block, onChange }: { block: EditorBlock; onChange(b: EditorBlock): void }) {
  switch (block.kind) {
    case 'heading':
      return (
        <span className="editor-row">
          <select aria-label="Heading level" value={block.level} onChange={(e) => onChange({ ...block, level: Number(e.target.value) as 1 | 2 | 3 })}>
            <option value={1}>H1</option><option value={2}>H2</option><option value={3}>H3</option>
          </select>
          <input aria-label="Heading text" value={block.text} onChange={(e) => onChange({ ...block, text: e.target.value })} placeholder="Heading" />
        </span>
      );
    case 'paragraph':
      return <textarea aria-label="Paragraph text" rows={3} value={block.text} onChange={(e) => onChange({ ...block, text: e.target.value })} placeholder="Text" />;
    case 'markdown':
      return <textarea aria-label="Markdown" rows={5} value={block.text} onChange={(e) => onChange({ ...block, text: e.target.value })} placeholder="Markdown" />;
    case 'lineplot':
      return (
        <span className="editor-row">
          Line plot of the project&apos;s runs:
          <input aria-label="Line plot metrics" value={block.metrics} onChange={(e) => onChange({ ...block, metrics: e.target.value })} placeholder="metric keys, comma-separated" />
          <input aria-label="Line plot title" value={block.title} onChange={(e) => onChange({ ...block, title: e.target.value })} placeholder="title (optional)" />
        </span>
      );
    case 'kept':
      return <span className="muted">{String(block.block.type ?? 'block')} (kept as it is)</span>;
  }
}
