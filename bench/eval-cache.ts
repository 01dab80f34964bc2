/**
 * What the benches that re-rank from a `clara eval` run's cache share: the cached index, the questions with gold files
 * they rank for, and unit vectors to score by dot products.
 *
 * The index: MemoryStore.open() rebuilds a store
 * built with another bundle (the product's rule: a stale index is rebuilt, never read), which here would wipe a cache
 * another run needs. So the store's identity is read first, without changing anything, and a store of another bundle
 * (or none) is refused with the command that builds the right one.
 */
import { join } from 'node:path';
import type { ModelBundle } from '../extension/engine/engine-parts';
import { type EvalQuestion, loadJsonlSet } from '../extension/engine/eval/eval-sets';
import { MemoryStore } from '../extension/engine/store/memory-store';

export async function openCachedIndex(cache: string, corpus: string, bundle: ModelBundle): Promise<MemoryStore> {
  const dir = join(cache, 'stores', corpus);
  const identity = { modelVersion: bundle.manifest.version, dim: bundle.manifest.mem_tokens * bundle.manifest.hidden };
  const built = await MemoryStore.builtWith(dir);
  if (built === null || built.modelVersion !== identity.modelVersion || built.dim !== identity.dim) {
    const what = built === null ? 'no index' : `an index of ${built.modelVersion}`;
    throw new Error(`${dir} holds ${what}, not one of ${identity.modelVersion}: run \`clara eval --cache ${cache}\` with this bundle first (left as it is)`);
  }
  const { store } = await MemoryStore.open(dir, identity);
  return store;
}

/** SWE-QA's questions whose gold files come from paths (the headline), then SWE-bench Lite's, from the kit at `evalDir`. */
export function locationQuestions(evalDir: string): EvalQuestion[] {
  return [...loadJsonlSet(join(evalDir, 'sweqa.jsonl'), 'sweqa').filter((q) => q.goldFrom === 'paths'),
    ...loadJsonlSet(join(evalDir, 'swebench_lite_loc.jsonl'), 'swebench_lite_loc')];
}

/** `v` scaled to unit length (a zero vector stays zero), so a dot product is its cosine. */
export function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return v.map((x) => x / n);
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
