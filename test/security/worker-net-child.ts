/**
 * Child process of no-network.test.ts, started with the network guard preloaded: drives the engine worker through
 * open → indexAll → search → ask → close, then proves the guard is live inside a worker thread by attempting one
 * connection from a throwaway worker (which must be refused and recorded). Usage: worker-net-child.ts <root> <store> <bundle>
 */
import { Worker } from 'node:worker_threads';
import type { AnswerResult, IndexSummary, SearchHit } from '../../extension/engine/engine-api';
import { WorkerHarness } from '../reliability/reliability-kit';

async function main(): Promise<void> {
  const [root, storeDir, bundleDir] = process.argv.slice(2);
  const worker = new WorkerHarness();
  await worker.call({ type: 'open', options: { root, storeDir, bundleDir, executionProvider: 'cpu' } });
  const summary = await worker.call<IndexSummary>({ type: 'indexAll' });
  const hits = await worker.call<SearchHit[]>({ type: 'search', question: 'how is an invoice total computed' });
  const answer = await worker.call<AnswerResult>({ type: 'ask', question: 'how is an invoice total computed?' });
  await worker.close();
  const control = await new Promise<string>((resolve) => {
    const probe = new Worker("require('node:net').connect(9, '127.0.0.1').on('error', () => {});", { eval: true });
    probe.on('error', (err) => resolve(`refused: ${err.message}`));
    probe.on('exit', () => resolve('exited'));
  });
  process.stdout.write(`${JSON.stringify({ filesIndexed: summary.filesIndexed, hits: hits.length, answered: answer.answer.length > 0 || answer.abstained, control })}\n`);
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
