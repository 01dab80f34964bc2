/**
 * Journey steps as node:test cases that run in order: once one fails, the later ones are skipped with the failing
 * step's name, instead of each failing again for the same cause and burying the first message.
 */
import { it, type TestContext } from 'node:test';

export function serialSteps(): (name: string, fn: () => Promise<void>) => void {
  let broken: string | undefined;
  return (name, fn) => {
    it(name, async (t: TestContext) => {
      if (broken) {
        t.skip(`skipped: earlier step "${broken}" failed`);
        return;
      }
      try {
        await fn();
      } catch (err) {
        broken = name;
        throw err;
      }
    });
  };
}
