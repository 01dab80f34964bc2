/**
 * Watches the workspace (chokidar 4) and hands changed paths, debounced, to a callback — the engine's incremental
 * indexPaths. Heavy folders that are never indexed (node_modules, .git, build outputs, the store) are not watched at
 * all, so the watcher's cost follows the indexed tree. Whether a change is indexed is decided later by the same
 * rules as the scan; the watcher only avoids obvious noise.
 */
import { type FSWatcher, watch } from 'chokidar';
import * as path from 'node:path';
import { excludedDirReason } from '../discovery/builtin-excludes';

export const DEFAULT_DEBOUNCE_MS = 300;

export interface WatcherOptions {
  root: string;
  /** Absolute folders never watched (the store when it lives in the workspace). */
  excludeDirs?: string[];
  debounceMs?: number;
  /** Root-relative, '/'-separated paths that were added, changed or removed (files or folders). */
  onChanges: (relPaths: string[]) => void;
  onError?: (message: string) => void;
}

export class WorkspaceWatcher {
  private readonly watcher: FSWatcher;
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly root: string;
  private readonly ready: Promise<void>;

  constructor(private readonly options: WatcherOptions) {
    this.root = path.resolve(options.root);
    const excluded = (options.excludeDirs ?? []).map((d) => path.resolve(d));
    this.watcher = watch(this.root, {
      ignoreInitial: true,
      followSymlinks: false,
      ignored: (p, stats) => {
        if (p === this.root) return false;
        if (excluded.some((d) => p === d || p.startsWith(`${d}${path.sep}`))) return true;
        // Only folders are judged here: a file's fate (ignore files, size, content) is the indexer's call.
        return (stats === undefined || stats.isDirectory()) && excludedDirReason(path.basename(p)) !== null;
      },
    });
    const queue = (p: string) => this.queue(p);
    this.watcher.on('add', queue).on('change', queue).on('unlink', queue).on('addDir', queue).on('unlinkDir', queue);
    this.watcher.on('error', (err) => options.onError?.(`file watcher: ${(err as Error).message ?? String(err)}`));
    this.ready = new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  /** Resolves once the initial tree is being watched (tests wait for it before touching files). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  private queue(absPath: string): void {
    const rel = path.relative(this.root, absPath);
    if (rel === '' || rel.startsWith('..')) return;
    this.pending.add(rel.split(path.sep).join('/'));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  }

  private flush(): void {
    this.timer = null;
    if (this.pending.size === 0) return;
    const paths = [...this.pending].sort();
    this.pending.clear();
    this.options.onChanges(paths);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
    await this.watcher.close();
  }
}
