/**
 * Named, bounded steps. Every wait in the suite goes through `step` or `waitUntil`, so a failure says which step
 * broke and after how long, instead of a bare Playwright timeout or a hung CI job.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface StepTiming {
  step: string;
  ms: number;
  ok: boolean;
}

export class StepLog {
  readonly timings: StepTiming[] = [];
  /** Called when a step fails (e.g. a screenshot of the workbench), before the error propagates. */
  onFailure?: (stepName: string) => Promise<void>;

  async step<T>(name: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${(timeoutMs / 1000).toFixed(0)} s`)), timeoutMs);
    });
    try {
      const result = await Promise.race([fn(), timeout]);
      this.timings.push({ step: name, ms: Date.now() - started, ok: true });
      console.log(`[e2e] step ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return result;
    } catch (err) {
      this.timings.push({ step: name, ms: Date.now() - started, ok: false });
      const cause = err instanceof Error ? err.message : String(err);
      console.log(`[e2e] step FAIL ${name}: ${cause.split('\n')[0]}`);
      if (this.onFailure) await this.onFailure(name).catch(() => undefined);
      throw new Error(`e2e step "${name}" failed after ${((Date.now() - started) / 1000).toFixed(1)} s: ${cause}`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  write(dir: string, file: string): void {
    writeFileSync(path.join(dir, file), JSON.stringify(this.timings, null, 2) + '\n');
  }
}

/** Thrown by a probe when waiting longer cannot help (the server exited, the engine reported an error). */
export class StopWaiting extends Error {}

/** Polls `probe` until it returns a value that is not undefined/false, or throws with `what` after timeoutMs. */
export async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      if (err instanceof StopWaiting) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message.split('\n')[0]})` : '';
      throw new Error(`waited ${(timeoutMs / 1000).toFixed(0)} s for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
