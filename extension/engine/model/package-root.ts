/**
 * Finds the clara-code package root by walking up from this file: that works from the TypeScript sources (run by tsx)
 * and from the esbuild bundles in dist/, in the repository and inside an installed VSIX.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BundleError } from './bundle-error';

export function packageRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'clara-code') return dir;
      } catch {
        // An unreadable package.json on the way up is not ours; keep walking.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the clara-code package.json above ${start}`);
    dir = parent;
  }
}

/** The bundle folder named by models/default.json ({"bundle": "<name>"}). */
export function defaultBundleDir(): string {
  const modelsDir = path.join(packageRoot(), 'models');
  const file = path.join(modelsDir, 'default.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new BundleError(file, missing ? 'missing (it names the default bundle: {"bundle": "<name>"})' : `not valid JSON (${(err as Error).message})`);
  }
  const name = (raw as { bundle?: unknown } | null)?.bundle;
  if (typeof name !== 'string' || name === '' || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
    throw new BundleError(file, `must be {"bundle": "<folder name under models/>"}`);
  }
  return path.join(modelsDir, name);
}
