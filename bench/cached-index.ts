/**
 * An index a `clara eval` run cached, opened for a bench that re-ranks from it. MemoryStore.open() rebuilds a store
 * built with another bundle (the product's rule: a stale index is rebuilt, never read), which here would wipe a cache
 * another run needs. So the store's identity is read first, without changing anything, and a store of another bundle
 * (or none) is refused with the command that builds the right one.
 */
import { join } from 'node:path';
import type { ModelBundle } from '../extension/engine/engine-parts';
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
