/**
 * The initial scan: walks the workspace root and splits what it finds into candidate files (to be read and indexed)
 * and skipped entries, each with the reason the user sees. Symlinks are followed only while they stay inside the
 * root, and a folder reached twice (a link loop) is walked once. Folders that are skipped are reported once, not
 * file by file.
 */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { SkippedFile } from '../engine-api';
import { excludedDirReason, excludedFileReason } from './builtin-excludes';
import { IgnoreRules } from './ignore-rules';

export const DEFAULT_MAX_FILE_SIZE = 1_000_000;

export interface DiscoveryOptions {
  root: string;
  maxFileSizeBytes?: number;
  extraExcludes?: string[];
  /** Absolute folders never walked (the store, when it lives inside the workspace). */
  excludeDirs?: string[];
}

export interface CandidateFile {
  /** Root-relative, '/'-separated. */
  path: string;
  absPath: string;
  size: number;
  mtimeMs: number;
}

export interface ScanResult {
  files: CandidateFile[];
  skipped: SkippedFile[];
}

/** Classifies root-relative paths one at a time (the watcher's path) with the same rules as the scan. */
export class WorkspaceFilter {
  readonly root: string;
  readonly maxFileSizeBytes: number;
  readonly rules: IgnoreRules;
  private readonly excludeDirs: string[];

  constructor(options: DiscoveryOptions) {
    this.root = path.resolve(options.root);
    this.maxFileSizeBytes = options.maxFileSizeBytes ?? DEFAULT_MAX_FILE_SIZE;
    this.rules = new IgnoreRules(this.root, options.extraExcludes ?? []);
    this.excludeDirs = (options.excludeDirs ?? []).map((d) => path.resolve(d));
  }

  /** Why a folder (root-relative) is not walked, or null. */
  dirReason(relPath: string, absPath: string): string | null {
    if (this.excludeDirs.some((d) => absPath === d)) return 'the index store';
    const builtin = excludedDirReason(path.posix.basename(relPath));
    if (builtin) return builtin;
    const verdict = this.rules.test(relPath, true);
    return verdict.ignored ? `ignored by ${verdict.source}` : null;
  }

  /** Why a file is skipped before reading it (name, ignore rules, size), or null. */
  fileReason(relPath: string, size: number): string | null {
    const builtin = excludedFileReason(path.posix.basename(relPath));
    if (builtin) return builtin;
    const verdict = this.rules.test(relPath, false);
    if (verdict.ignored) return `ignored by ${verdict.source}`;
    if (size > this.maxFileSizeBytes) return `larger than ${formatBytes(this.maxFileSizeBytes)}`;
    return null;
  }

  /**
   * Checks one path as the scan would have reached it: every folder above it must be walkable, then the file
   * itself. Returns the candidate, a skip reason, 'missing' when it no longer exists, or 'directory' (a folder's
   * files are classified one by one).
   */
  async classify(relPath: string): Promise<CandidateFile | SkippedFile | 'missing' | 'directory'> {
    const parts = relPath.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const reason = this.dirReason(dir, path.join(this.root, dir));
      if (reason) return { path: relPath, reason };
    }
    const absPath = path.join(this.root, relPath);
    let info: Stats;
    try {
      info = await stat(absPath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
      return { path: relPath, reason: `unreadable: ${code ?? String(err)}` };
    }
    if (info.isDirectory()) return 'directory';
    if (!info.isFile()) return { path: relPath, reason: 'not a regular file' };
    const real = await realpath(absPath).catch(() => absPath);
    const rootReal = await realpath(this.root).catch(() => this.root);
    if (!isInside(rootReal, real)) return { path: relPath, reason: 'symlink pointing outside the workspace' };
    const reason = this.fileReason(relPath, info.size);
    if (reason) return { path: relPath, reason };
    return { path: relPath, absPath, size: info.size, mtimeMs: info.mtimeMs };
  }
}

/**
 * Walks the workspace — or, with `startRel`, one folder of it (a folder the watcher saw appear), whose ancestors the
 * caller has checked — and returns the candidate files and every skipped entry with its reason.
 */
export async function scanWorkspace(options: DiscoveryOptions, startRel = ''): Promise<ScanResult> {
  const filter = new WorkspaceFilter(options);
  const files: CandidateFile[] = [];
  const skipped: SkippedFile[] = [];
  const rootReal = await realpath(filter.root);
  const visited = new Set<string>([rootReal]);
  if (startRel) visited.add(await realpath(path.join(filter.root, startRel)).catch(() => path.join(filter.root, startRel)));
  // An explicit stack rather than recursion: a deep tree cannot overflow the call stack.
  const stack: string[] = [startRel];
  while (stack.length > 0) {
    const dirRel = stack.pop() as string;
    const dirAbs = path.join(filter.root, dirRel);
    let entries: Dirent[];
    try {
      entries = await readdir(dirAbs, { withFileTypes: true });
    } catch (err) {
      skipped.push({ path: dirRel || '.', reason: `unreadable: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0)); // popped in name order
    for (const entry of entries) {
      const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
      const abs = path.join(dirAbs, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await resolveLink(abs);
        if (!target) {
          skipped.push({ path: rel, reason: 'broken symlink' });
          continue;
        }
        if (!isInside(rootReal, target.real)) {
          skipped.push({ path: rel, reason: 'symlink pointing outside the workspace' });
          continue;
        }
        isDir = target.stats.isDirectory();
        isFile = target.stats.isFile();
      }
      if (isDir) {
        const reason = filter.dirReason(rel, abs);
        if (reason) {
          skipped.push({ path: `${rel}/`, reason });
          continue;
        }
        const real = await realpath(abs).catch(() => abs);
        if (visited.has(real)) {
          skipped.push({ path: `${rel}/`, reason: 'symlink loop (folder already indexed)' });
          continue;
        }
        visited.add(real);
        stack.push(rel);
      } else if (isFile) {
        let info: Stats;
        try {
          info = await stat(abs);
        } catch (err) {
          skipped.push({ path: rel, reason: `unreadable: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
          continue;
        }
        const reason = filter.fileReason(rel, info.size);
        if (reason) skipped.push({ path: rel, reason });
        else files.push({ path: rel, absPath: abs, size: info.size, mtimeMs: info.mtimeMs });
      } else {
        skipped.push({ path: rel, reason: 'not a regular file' });
      }
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, skipped };
}

async function resolveLink(abs: string): Promise<{ real: string; stats: Stats } | null> {
  try {
    const real = await realpath(abs);
    return { real, stats: await lstat(real) };
  } catch {
    return null; // dangling, or a loop the OS refuses to resolve (ELOOP)
  }
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** A size as people read it: binary units when the limit was set in them (the extension's 1 MiB default). */
export function formatBytes(n: number): string {
  if (n >= 1_048_576 && n % 1_048_576 === 0) return `${n / 1_048_576} MiB`;
  if (n >= 1_024 && n < 1_048_576 && n % 1_024 === 0) return `${n / 1_024} KiB`;
  if (n >= 1_000_000) return `${Number((n / 1_000_000).toFixed(2))} MB`;
  if (n >= 1_000) return `${Number((n / 1_000).toFixed(1))} kB`;
  return `${n} bytes`;
}
