/**
 * LanceDB runs its compute work on a pool of max(1, cores − 2) threads. With a single thread, building or updating
 * the full-text (BM25) index deadlocks once its posting lists fill more than one output batch: the producer holds the
 * pool's only thread while it waits for the writer, and the writer needs a pool thread to encode what it writes
 * (lancedb/lancedb#3568, lance-format/lance#7350). On a 2-core machine indexing stopped for good at the end of a
 * 59,257-chunk workspace, every thread asleep and the writer lock held; its 47,433 rows built in 1.4 s with a pool
 * of 4 threads (four times as many in 5.7 s with 2). So, unless the user set LANCE_CPU_THREADS, a machine whose pool
 * would have fewer than LANCE_CPU_THREADS_FLOOR threads gets that many.
 *
 * LanceDB's native code reads the process environment when it first runs work. Only the main thread can change that
 * environment (a worker thread's process.env is its own copy), so this runs on the main thread before LanceDB is
 * used there and before the engine worker starts.
 */
import { availableParallelism } from 'node:os';
import { isMainThread } from 'node:worker_threads';

export const LANCE_CPU_THREADS_FLOOR = 4;
/** Cores LanceDB keeps for its I/O threads by default (LANCE_IO_CORE_RESERVATION). */
const IO_CORE_RESERVATION = 2;

export type LanceThreadsOutcome = 'set' | 'already-set' | 'enough-cores' | 'not-main-thread';

export function ensureLanceCpuThreads(
  env: NodeJS.ProcessEnv = process.env,
  cores: number = availableParallelism(),
  mainThread: boolean = isMainThread,
): LanceThreadsOutcome {
  if (env.LANCE_CPU_THREADS !== undefined && env.LANCE_CPU_THREADS !== '') return 'already-set';
  if (cores - IO_CORE_RESERVATION >= LANCE_CPU_THREADS_FLOOR) return 'enough-cores';
  if (!mainThread) return 'not-main-thread';
  env.LANCE_CPU_THREADS = String(LANCE_CPU_THREADS_FLOOR);
  return 'set';
}
