/**
 * One writer per store: the CLI and the extension may share a store folder, and two indexers writing at once would
 * interleave commits. The lock is a file holding the owner's pid, start time and a random token; a lock whose pid
 * is no longer alive (a killed process), that cannot be parsed, or that names this process without a token it
 * holds (a pid reused after a restart) is stale and taken over.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
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

/** Whether a process with this pid exists (EPERM: it exists but belongs to another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else — still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<(LockOwner & { token?: string }) | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LockOwner & { token: string }>;
    if (typeof parsed.pid !== 'number') return null;
    return {
      pid: parsed.pid,
      startedAt: String(parsed.startedAt ?? ''),
      holder: String(parsed.holder ?? 'unknown'),
      token: typeof parsed.token === 'string' ? parsed.token : undefined,
    };
  } catch {
    return null; // unreadable or half-written: treated as stale below
  }
}

/** Locks this process holds now, by token: a lock file with our pid but no live token is a leftover (pid reuse). */
const heldHere = new Set<string>();

/**
 * Creates the lock file with its full content in one step: the content goes to a private temp file that is then
 * hard-linked to the lock name (link fails if the name exists). A reader therefore never sees a half-written lock
 * of a live writer. File systems without hard links fall back to an exclusive create.
 */
async function createLockFile(file: string, content: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  await writeFile(temp, content, { flag: 'wx' });
  try {
    await link(temp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw err;
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(content);
      await handle.close();
      return true;
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw inner;
    }
  } finally {
    await rm(temp, { force: true });
  }
}

/** Tries once: the lock, or the live owner that holds it. */
export async function tryAcquireWriterLock(
  storeDir: string,
  holder: string,
): Promise<{ lock: WriterLock } | { heldBy: LockOwner }> {
  await mkdir(storeDir, { recursive: true });
  const file = path.join(storeDir, LOCK_FILE);
  const token = randomBytes(8).toString('hex');
  const owner: LockOwner = { pid: process.pid, startedAt: new Date().toISOString(), holder };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createLockFile(file, JSON.stringify({ ...owner, token }))) {
      heldHere.add(token);
      return {
        lock: {
          owner,
          release: async () => {
            heldHere.delete(token);
            if ((await readOwner(file))?.token === token) await rm(file, { force: true });
          },
        },
      };
    }
    const existing = await readOwner(file);
    if (existing) {
      const ours = existing.pid === process.pid;
      // Another engine in this process holds it (its token is live here), or another live process does.
      if (ours && existing.token !== undefined && heldHere.has(existing.token)) return { heldBy: existing };
      if (!ours && isAlive(existing.pid)) return { heldBy: existing };
    }
    // Stale: its writer died without releasing, the file is damaged, or it names this pid from an earlier life.
    await rm(file, { force: true });
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
