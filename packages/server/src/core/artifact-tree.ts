/**
 * The folder tree of one artifact version's files, for the web UI's file browser. Paths are split on '/';
 * a folder lists its subfolders first, then its files, each by name (code-unit order), and is read a page at a
 * time, so a version with 100,000 files in one folder costs one page per request, not the whole list.
 * Pure: built from the version's file entries, tested in artifact-tree.test.ts.
 */

export interface TreeFileInput { name: string; size: number; digest: string; ref: string | null }

export type TreeEntry =
  | { kind: 'dir'; name: string; path: string; fileCount: number; bytes: number }
  | { kind: 'file'; name: string; path: string; size: number; digest: string; ref: string | null };

interface DirNode {
  name: string;
  path: string;
  fileCount: number;
  bytes: number;
  dirs: Map<string, DirNode>;
  files: TreeFileInput[];
  /** Children in listing order, made on first read. */
  listing: TreeEntry[] | null;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export class ArtifactTree {
  private readonly root: DirNode;
  readonly fileCount: number;

  constructor(files: Iterable<TreeFileInput>) {
    this.root = newDir('', '');
    let count = 0;
    for (const f of files) {
      count++;
      // Empty segments ("a//b", a leading "/") are kept as part of the next name rather than made into nameless folders.
      const parts = f.name.split('/');
      let dir = this.root;
      dir.fileCount++;
      dir.bytes += f.size;
      for (let i = 0; i < parts.length - 1; i++) {
        const seg = parts[i]!;
        if (seg === '') {
          parts[i + 1] = `${seg}/${parts[i + 1]!}`;
          continue;
        }
        let next = dir.dirs.get(seg);
        if (!next) {
          next = newDir(seg, dir.path + seg + '/');
          dir.dirs.set(seg, next);
        }
        dir = next;
        dir.fileCount++;
        dir.bytes += f.size;
      }
      dir.files.push(f);
    }
    this.fileCount = count;
  }

  /** Bytes of every file (as logged: a file listed twice counts twice). */
  get bytes(): number {
    return this.root.bytes;
  }

  /**
   * One page of a folder's children. `prefix` is '' for the top, else a folder path ending in '/'.
   * Null when there is no such folder.
   */
  list(prefix: string, offset: number, limit: number): { total: number; entries: TreeEntry[]; fileCount: number; bytes: number } | null {
    const dir = this.find(prefix);
    if (!dir) return null;
    const listing = (dir.listing ??= [
      ...[...dir.dirs.values()].sort(byName).map((d): TreeEntry => ({ kind: 'dir', name: d.name, path: d.path, fileCount: d.fileCount, bytes: d.bytes })),
      ...dir.files.sort((a, b) => byName(a, b)).map((f): TreeEntry => ({
        kind: 'file', name: lastSegment(f.name, dir.path), path: f.name, size: f.size, digest: f.digest, ref: f.ref,
      })),
    ]);
    return { total: listing.length, entries: listing.slice(offset, offset + limit), fileCount: dir.fileCount, bytes: dir.bytes };
  }

  private find(prefix: string): DirNode | null {
    if (prefix === '') return this.root;
    if (!prefix.endsWith('/')) return null;
    let dir: DirNode | undefined = this.root;
    for (const seg of prefix.slice(0, -1).split('/')) {
      dir = dir.dirs.get(seg);
      if (!dir) return null;
    }
    return dir;
  }
}

/** A file's name inside its folder (what follows the folder's path). */
const lastSegment = (name: string, dirPath: string) => (name.startsWith(dirPath) ? name.slice(dirPath.length) : name);

function newDir(name: string, path: string): DirNode {
  return { name, path, fileCount: 0, bytes: 0, dirs: new Map(), files: [], listing: null };
}

/**
 * Trees of recently browsed versions, kept while their total file count stays under `maxFiles`. A committed
 * version's files never change, so an entry never goes stale (the key includes the commit hash regardless).
 */
export class ArtifactTreeCache {
  private readonly trees = new Map<string, ArtifactTree>();
  private held = 0;

  constructor(private readonly maxFiles: number) {}

  async get(key: string, load: () => Promise<TreeFileInput[]>): Promise<ArtifactTree> {
    const hit = this.trees.get(key);
    if (hit) {
      // Most recently used last.
      this.trees.delete(key);
      this.trees.set(key, hit);
      return hit;
    }
    const tree = new ArtifactTree(await load());
    this.trees.set(key, tree);
    this.held += tree.fileCount;
    for (const [k, t] of this.trees) {
      if (this.held <= this.maxFiles || k === key) break;
      this.trees.delete(k);
      this.held -= t.fileCount;
    }
    return tree;
  }
}
