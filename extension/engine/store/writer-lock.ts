/**
 * One writer per store: the CLI and the extension may share a store folder, and two indexers writing at once would
 * interleave commits. The lock is a file holding the owner's pid and start time; a lock whose pid is no longer
 * alive (a killed process) is stale and taken over.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';

export const LOCK_FILE = 'writer.lock';

export interface LockOwner {
  pid: number;
  startedAt: string;
  /** Who holds it ('cli', 'extension', ...), shown to the one that waits. */
  holder: string;
}

export interface WriterLock {
  readonly owner: LockOwner;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else — still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number') return null;
    return { pid: parsed.pid, startedAt: String(parsed.startedAt ?? ''), holder: String(parsed.holder ?? 'unknown') };
  } catch {
    return null; // unreadable or half-written: treated as stale below
  }
}

/** Tries once: the lock, or the live owner that holds it. */
export async function tryAcquireWriterLock(
  storeDir: string,
  holder: string,
): Promise<{ lock: WriterLock } | { heldBy: LockOwner }> {
  await mkdir(storeDir, { recursive: true });
  const file = path.join(storeDir, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, startedAt: new Date().toISOString(), holder };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return {
        lock: {
          owner,
          release: async () => {
            const current = await readOwner(file);
            if (current && current.pid === owner.pid && current.startedAt === owner.startedAt) await rm(file, { force: true });
          },
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const existing = await readOwner(file);
    if (existing && existing.pid !== process.pid && isAlive(existing.pid)) return { heldBy: existing };
    if (existing && existing.pid === process.pid) return { heldBy: existing }; // another engine in this process
    await rm(file, { force: true }); // stale: its writer died without releasing
  }
  const existing = await readOwner(file);
  return { heldBy: existing ?? { pid: -1, startedAt: '', holder: 'unknown' } };
}

/** Waits for the lock, polling; `onWait` is told who holds it; rejects when the signal aborts. */
export async function acquireWriterLock(
  storeDir: string,
  holder: string,
  options: { signal?: AbortSignal; pollMs?: number; onWait?: (owner: LockOwner) => void } = {},
): Promise<WriterLock> {
  for (;;) {
    const attempt = await tryAcquireWriterLock(storeDir, holder);
    if ('lock' in attempt) return attempt.lock;
    options.onWait?.(attempt.heldBy);
    if (options.signal?.aborted) throw new Error('cancelled while waiting for the writer lock');
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}
