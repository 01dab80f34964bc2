/**
 * Opens the engine for a CLI command: the workspace <dir>, its index in <dir>/.clara/, and the common flags
 * (--bundle, --provider, --top-k, --no-lexical).
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { openEngine } from '../engine/clara-engine';
import type { EngineOptions } from '../engine/engine-api';
import type { ClaraEngineApi } from '../engine/engine-parts';
import { choiceFlag, positiveIntFlag, stringFlag, UsageError, type FlagSpec, type ParsedArgs } from './cli-args';

/** Flags every engine command accepts. */
export const ENGINE_FLAGS: FlagSpec = { json: 'boolean', 'top-k': 'string', bundle: 'string', provider: 'string', 'no-lexical': 'boolean' };

export const DEFAULT_TOP_K = 5;

export function workspaceDir(args: ParsedArgs, index = 0): string {
  const dir = args.positionals[index];
  if (!dir) throw new UsageError('missing <dir>');
  const root = path.resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`<dir> ${dir} is not a folder`);
  return root;
}

export function engineOptions(root: string, args: ParsedArgs): EngineOptions {
  const bundle = stringFlag(args, 'bundle');
  return {
    root,
    storeDir: path.join(root, '.clara'),
    bundleDir: bundle ? path.resolve(bundle) : undefined,
    executionProvider: choiceFlag(args, 'provider', ['auto', 'cpu', 'cuda'] as const) ?? 'auto',
    topK: positiveIntFlag(args, 'top-k') ?? DEFAULT_TOP_K,
    lexicalFusion: !args.flags.has('no-lexical'),
  };
}

/** Runs `body` with an open engine and always closes it (the store's writer lock must be released). */
export async function withEngine<T>(root: string, args: ParsedArgs, body: (engine: ClaraEngineApi, options: EngineOptions) => Promise<T>): Promise<T> {
  const options = engineOptions(root, args);
  // Rebuild notices (a damaged store, another model version) go to stderr: the user must learn why the index restarts.
  const engine = await openEngine(options, {
    onLog: (level, message) => { if (level !== 'info') process.stderr.write(`clara: ${message}\n`); },
  });
  try {
    return await body(engine, options);
  } finally {
    await engine.close();
  }
}
