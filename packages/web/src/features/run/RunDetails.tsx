import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type ReactNode } from 'react';
import { Link, pathOf } from '../../app/router';
import { gql } from '../../lib/api';
import { duration, formatValue, timeAgo } from '../../lib/format';
import { ErrorNote } from '../common/NotFound';
import { looksBinary, previewKind, TEXT_PREVIEW_BYTES } from '../artifacts/preview';
import { StateBadge } from './StateBadge';
import '../workspace/workspace.css';

/** The run fields the overview shows (RunPage's query). */
export interface RunOverviewData {
  id: string; name: string; displayName: string | null; state: string | null; notes: string | null; tags: string[];
  group: string | null; jobType: string | null; host: string | null; commit: string | null; exitcode: number | null;
  createdAt: string | null; heartbeatAt: string | null; config: string | null; summaryMetrics: string | null;
  user: { username: string | null } | null;
}

interface RunFileInfo { name: string; sizeBytes: number; directUrl: string; mimetype: string | null; updatedAt: string | null }

const FILES = `query($entity: String!, $project: String!, $run: String!) {
  project(name: $project, entityName: $entity) { run(name: $run) { files(first: 10000) { totalCount edges { node { name sizeBytes directUrl mimetype updatedAt } } } } }
}`;

/** The run's files, shared by the overview (metadata, diff) and the files tab. */
export function useRunFiles(entity: string, project: string, run: string) {
  return useQuery({
    queryKey: ['run-files', entity, project, run],
    queryFn: async ({ signal }) => {
      const d = await gql<{ project: { run: { files: { edges: { node: RunFileInfo }[] } } | null } | null }>(FILES, { entity, project, run }, signal);
      return d.project?.run?.files.edges.map((e) => e.node) ?? [];
    },
  });
}

/** First bytes of a file through its signed URL (a Range request: a huge log costs one small read). */
async function fetchText(url: string, bytes = TEXT_PREVIEW_BYTES, signal?: AbortSignal): Promise<string> {
  const res = await fetch(url, { headers: { range: `bytes=0-${bytes - 1}` }, signal: signal ?? null });
  if (!res.ok && res.status !== 206) throw new Error(`could not read the file (HTTP ${res.status})`);
  return res.text();
}

/** What the SDK writes to wandb-metadata.json (fields vary by SDK version; all optional). */
export interface RunMetadata {
  program?: string; codePath?: string; args?: string[]; host?: string; os?: string; python?: string; executable?: string;
  git?: { remote?: string; commit?: string }; gpu?: string; gpu_count?: number; cpu_count?: number; startedAt?: string;
  cuda?: string; gpu_nvidia?: { name?: string; memoryTotal?: string | number }[]; memory?: { total?: string | number };
}

/** The overview facts: run row first, metadata file and the SDK's `_wandb` config filling the rest. Pure. */
export function overviewFacts(run: RunOverviewData, meta: RunMetadata | null, wandbConfig: Record<string, unknown>): [string, string][] {
  const seconds = run.createdAt && run.heartbeatAt ? (Date.parse(run.heartbeatAt) - Date.parse(run.createdAt)) / 1000 : NaN;
  const gpus = meta?.gpu_nvidia?.length ? meta.gpu_nvidia.map((g) => g.name).filter(Boolean).join(', ') : meta?.gpu;
  const gpuCount = meta?.gpu_count ?? meta?.gpu_nvidia?.length;
  const command = meta?.program ? [meta.executable ? 'python' : null, meta.codePath ?? meta.program, ...(meta.args ?? [])].filter(Boolean).join(' ') : null;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const facts: [string, string | null | undefined][] = [
    ['Duration', duration(seconds)],
    ['User', run.user?.username],
    ['Host', run.host ?? meta?.host],
    ['OS', meta?.os],
    ['Program', meta?.program ?? meta?.codePath],
    ['Command', command],
    ['Git remote', meta?.git?.remote],
    ['Git commit', run.commit ?? meta?.git?.commit],
    ['Python', meta?.python ?? str(wandbConfig.python_version)],
    ['W&B SDK', str(wandbConfig.cli_version)],
    ['GPU', gpus ? `${gpuCount && gpuCount > 1 ? `${gpuCount} × ` : ''}${gpus}` : null],
    ['CUDA', meta?.cuda],
    ['CPUs', meta?.cpu_count === undefined ? null : String(meta.cpu_count)],
    ['Group', run.group],
    ['Job type', run.jobType],
    ['Exit code', run.exitcode === null ? null : String(run.exitcode)],
  ];
  return facts.map(([k, v]) => [k, v === null || v === undefined || v === '' ? '—' : v]);
}

const UPSERT = `mutation($input: UpsertBucketInput!) { upsertBucket(input: $input) { bucket { id notes tags } } }`;

/** Overview: facts, editable tags and notes, config and summary side by side. */
export function RunOverview({ entity, project, run, config, summary, wandbConfig }: {
  entity: string; project: string; run: RunOverviewData;
  config: Record<string, unknown>; summary: Record<string, unknown>; wandbConfig: Record<string, unknown>;
}) {
  const files = useRunFiles(entity, project, run.name);
  const metaFile = files.data?.find((f) => f.name === 'wandb-metadata.json');
  const diffFile = files.data?.find((f) => f.name === 'diff.patch');
  const metadata = useQuery({
    queryKey: ['run-metadata', entity, project, run.name, metaFile?.updatedAt], enabled: !!metaFile,
    queryFn: async ({ signal }) => {
      try {
        return JSON.parse(await fetchText(metaFile!.directUrl, 1024 * 1024, signal)) as RunMetadata;
      } catch {
        return null;
      }
    },
  });
  const facts = overviewFacts(run, metadata.data ?? null, wandbConfig);
  return (
    <div className="overview">
      <dl className="facts">
        <div><dt>Run ID</dt><dd><code>{run.name}</code></dd></div>
        <div><dt>State</dt><dd><StateBadge state={run.state} /></dd></div>
        <div><dt>Created</dt><dd>{run.createdAt ? `${new Date(run.createdAt).toLocaleString()} (${timeAgo(run.createdAt)})` : '—'}</dd></div>
        {facts.map(([k, v]) => <div key={k}><dt>{k}</dt><dd data-fact={k}>{(k === 'Git commit' || k === 'Command') && v !== '—' ? <code>{v}</code> : v}</dd></div>)}
      </dl>
      <TagsAndNotes entity={entity} project={project} run={run} />
      {diffFile && <GitDiff url={diffFile.directUrl} size={diffFile.sizeBytes} />}
      <div className="kv-tables">
        <KeyValues title="Config" values={config} />
        <KeyValues title="Summary" values={Object.fromEntries(Object.entries(summary).filter(([k]) => !k.startsWith('_')))} />
      </div>
    </div>
  );
}

function GitDiff({ url, size }: { url: string; size: number }) {
  const [open, setOpen] = useState(false);
  const text = useQuery({ queryKey: ['diff', url], enabled: open, queryFn: ({ signal }) => fetchText(url, TEXT_PREVIEW_BYTES, signal) });
  return (
    <details className="git-diff" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>Git diff ({size} bytes)</summary>
      {text.error && <ErrorNote error={text.error} />}
      {text.data !== undefined && <pre className="diff">{text.data}{size > TEXT_PREVIEW_BYTES ? '\n… (truncated: download the file for all of it)' : ''}</pre>}
    </details>
  );
}

/** Tags and notes, saved through upsertBucket (the SDK's own mutation; the server checks write access). */
function TagsAndNotes({ entity, project, run }: { entity: string; project: string; run: RunOverviewData }) {
  const client = useQueryClient();
  const [notes, setNotes] = useState<string | null>(null);
  const [newTag, setNewTag] = useState('');
  const save = useMutation({
    mutationFn: (patch: { notes?: string; tags?: string[] }) => gql(UPSERT, { input: { id: run.id, ...patch } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['run', entity, project, run.name] }),
  });
  const setTags = (tags: string[]) => save.mutate({ tags });
  return (
    <section className="tags-notes" aria-label="Tags and notes">
      <div className="editable-tags" role="group" aria-label="Tags">
        <strong>Tags</strong>
        {run.tags.map((t) => (
          <span key={t} className="tag" data-tag={t}>{t}
            <button type="button" aria-label={`Remove tag ${t}`} onClick={() => setTags(run.tags.filter((x) => x !== t))}>✕</button>
          </span>
        ))}
        <form onSubmit={(e) => {
          e.preventDefault();
          const t = newTag.trim();
          if (t && !run.tags.includes(t)) setTags([...run.tags, t]);
          setNewTag('');
        }}>
          <input aria-label="New tag" placeholder="add tag" value={newTag} onChange={(e) => setNewTag(e.target.value)} size={12} />
          <button type="submit">Add</button>
        </form>
      </div>
      <div className="notes-editor">
        <strong>Notes</strong>{' '}
        {notes === null ? (
          <>
            <span className="notes" data-testid="run-notes">{run.notes || '—'}</span>{' '}
            <button type="button" className="link" onClick={() => setNotes(run.notes ?? '')}>Edit notes</button>
          </>
        ) : (
          <form onSubmit={(e) => {
            e.preventDefault();
            save.mutate({ notes }, { onSuccess: () => setNotes(null) });
          }}>
            <textarea aria-label="Notes" value={notes} onChange={(e) => setNotes(e.target.value)} />
            <button type="submit" disabled={save.isPending}>Save notes</button>{' '}
            <button type="button" onClick={() => setNotes(null)}>Cancel</button>
          </form>
        )}
      </div>
      {save.error && <ErrorNote error={save.error} />}
    </section>
  );
}

export function KeyValues({ title, values }: { title: string; values: Record<string, unknown> }) {
  const entries = Object.entries(values).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  return (
    <section aria-label={title} data-testid={`kv-${title.toLowerCase()}`}>
      <h2>{title}</h2>
      {entries.length === 0 ? <p className="muted">None.</p> : (
        <table className="plain kv">
          <tbody>
            {entries.map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td>{formatValue(v)}</td></tr>)}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface TreeNode { name: string; path: string; file?: RunFileInfo; children: Map<string, TreeNode> }

/** Flat file names → a folder tree (folders first, then names, numerically). Pure. */
export function fileTree(files: RunFileInfo[]): TreeNode {
  const root: TreeNode = { name: '', path: '', children: new Map() };
  for (const f of files) {
    const parts = f.name.split('/');
    let node = root;
    parts.forEach((part, i) => {
      const path = parts.slice(0, i + 1).join('/');
      let child = node.children.get(part);
      if (!child) node.children.set(part, (child = { name: part, path, children: new Map() }));
      if (i === parts.length - 1) child.file = f;
      node = child;
    });
  }
  return root;
}

const byTree = (a: TreeNode, b: TreeNode) => (a.file ? 1 : 0) - (b.file ? 1 : 0) || a.name.localeCompare(b.name, 'en', { numeric: true });

/** Files tab: a folder tree, a preview of the chosen text or image file, and a download link. */
export function RunFiles({ entity, project, run }: { entity: string; project: string; run: string }) {
  const files = useRunFiles(entity, project, run);
  const [chosen, setChosen] = useState<string | null>(null);
  const tree = useMemo(() => fileTree(files.data ?? []), [files.data]);
  const file = files.data?.find((f) => f.name === chosen) ?? null;
  if (files.error) return <ErrorNote error={files.error} />;
  if (!files.data) return <p className="muted">Loading…</p>;
  if (files.data.length === 0) return <p className="muted">This run has no files.</p>;
  const render = (node: TreeNode): ReactNode => (
    <ul className="file-tree" role={node.path === '' ? 'tree' : 'group'} aria-label={node.path === '' ? 'Files' : undefined}>
      {[...node.children.values()].sort(byTree).map((c) => (
        <li key={c.path} role="treeitem" aria-selected={c.file ? c.path === chosen : undefined}>
          {c.file ? (
            <button type="button" aria-current={c.path === chosen} data-file={c.path} onClick={() => setChosen(c.path)}>
              {c.name} <span className="muted">({formatBytes(c.file.sizeBytes)})</span>
            </button>
          ) : (
            <details open>
              <summary>{c.name}/</summary>
              {render(c)}
            </details>
          )}
        </li>
      ))}
    </ul>
  );
  return (
    <div className="files-layout">
      <nav aria-label="Run files">{render(tree)}</nav>
      <section className="file-preview" aria-label="Preview">
        {file ? <FilePreview file={file} /> : <p className="muted">Choose a file to preview it.</p>}
      </section>
    </div>
  );
}

function FilePreview({ file }: { file: RunFileInfo }) {
  const kind = previewKind(file.name, file.sizeBytes);
  const text = useQuery({
    queryKey: ['file-text', file.directUrl], enabled: kind === 'text' || kind === 'table',
    queryFn: ({ signal }) => fetchText(file.directUrl, TEXT_PREVIEW_BYTES, signal),
  });
  return (
    <div data-preview={file.name}>
      <h2>{file.name}</h2>
      <p><a href={file.directUrl} download={file.name.split('/').pop()}>Download</a> <span className="muted">{formatBytes(file.sizeBytes)}</span></p>
      {kind === 'image' && <img src={file.directUrl} alt={file.name} />}
      {(kind === 'text' || kind === 'table') && text.error && <ErrorNote error={text.error} />}
      {(kind === 'text' || kind === 'table') && text.data !== undefined && (
        looksBinary(text.data) ? <p className="muted">Binary file: download it to open.</p> : (
          <pre data-testid="file-text">{text.data}{file.sizeBytes > TEXT_PREVIEW_BYTES ? '\n… (first 64 KiB shown)' : ''}</pre>
        )
      )}
      {kind === 'none' && <p className="muted">No preview for this kind of file.</p>}
    </div>
  );
}

export const formatBytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);

interface ArtifactRef {
  id: string; versionIndex: number | null; artifactType: { name: string };
  artifactSequence: { name: string; project: { name: string; entityName: string } | null };
  aliases: { alias: string }[];
}
const ARTIFACT_FIELDS = 'id versionIndex artifactType { name } artifactSequence { name project { name entityName } } aliases { alias }';
const ARTIFACTS = `query($entity: String!, $project: String!, $run: String!) {
  project(name: $project, entityName: $entity) { run(name: $run) {
    outputArtifacts(first: 200) { edges { node { ${ARTIFACT_FIELDS} } } }
    inputArtifacts(first: 200) { edges { node { ${ARTIFACT_FIELDS} } } }
  } }
}`;

/** Artifacts tab: what the run logged and what it used, each linked to its version page. */
export function RunArtifacts({ entity, project, run }: { entity: string; project: string; run: string }) {
  const q = useQuery({
    queryKey: ['run-artifacts', entity, project, run],
    queryFn: ({ signal }) => gql<{ project: { run: { outputArtifacts: { edges: { node: ArtifactRef }[] }; inputArtifacts: { edges: { node: ArtifactRef }[] } } | null } | null }>(
      ARTIFACTS, { entity, project, run }, signal),
  });
  if (q.error) return <ErrorNote error={q.error} />;
  const r = q.data?.project?.run;
  if (!r) return <p className="muted">Loading…</p>;
  return (
    <div className="kv-tables">
      <ArtifactList title="Logged" testId="artifacts-logged" list={r.outputArtifacts.edges.map((e) => e.node)} entity={entity} project={project} />
      <ArtifactList title="Used" testId="artifacts-used" list={r.inputArtifacts.edges.map((e) => e.node)} entity={entity} project={project} />
    </div>
  );
}

function ArtifactList({ title, list, entity, project, testId }: { title: string; list: ArtifactRef[]; entity: string; project: string; testId: string }) {
  return (
    <section aria-label={`${title} artifacts`} data-testid={testId}>
      <h2>{title}</h2>
      {list.length === 0 ? <p className="muted">None.</p> : (
        <ul>
          {list.map((a) => {
            const e = a.artifactSequence.project?.entityName ?? entity;
            const p = a.artifactSequence.project?.name ?? project;
            const version = `v${a.versionIndex ?? 0}`;
            return (
              <li key={a.id}>
                <Link to={pathOf(e, p, 'artifacts', a.artifactType.name, a.artifactSequence.name, version)}>
                  {e !== entity || p !== project ? `${e}/${p}/` : ''}{a.artifactSequence.name}:{version}
                </Link>{' '}
                <span className="muted">{a.artifactType.name}</span>{' '}
                {a.aliases.map((x) => <span key={x.alias} className="tag">{x.alias}</span>)}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
