/**
 * Two bundles side by side in one process, rounds interleaved so both see the same machine load: session start,
 * compressor chunks/s (batch 1 and 16), query ms, generator ms per token (greedy, KV cache), and the ONNX files'
 * size on disk. Inputs are this repository's own engine sources, cut into 40-line chunks.
 *
 * usage: npm run bench:bundles -- BUNDLE_A BUNDLE_B [--rounds 5] [--out FILE.json]
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadBundleParts, type LoadedBundle } from '../extension/engine/model/load-bundle';
import { percentile } from './stats';

const QUESTIONS = [
  'How does the indexer skip binary files?',
  'Where is the abstention threshold read from the manifest?',
  'What does the lexical index do with very long questions?',
  'Which function opens an ONNX session on the GPU?',
];

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function sourceChunks(limit: number): string[] {
  const root = path.join(__dirname, '..', 'extension', 'engine');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).sort();
  const chunks: string[] = [];
  for (const f of files) {
    const lines = readFileSync(path.join(root, f), 'utf8').split('\n');
    for (let i = 0; i < lines.length && chunks.length < limit; i += 40) {
      chunks.push(`${f}\n${lines.slice(i, i + 40).join('\n')}`);
    }
  }
  return chunks;
}

interface Round { chunksPerSecBatch1: number; chunksPerSecBatch16: number; queryMs: number; msPerToken: number; tokens: number }

async function round(b: LoadedBundle, chunks: string[]): Promise<Round> {
  let t = performance.now();
  for (const c of chunks.slice(0, 64)) await b.compressor.encode([c]);
  const chunksPerSecBatch1 = 64 / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let i = 0; i < chunks.length; i += 16) await b.compressor.encode(chunks.slice(i, i + 16));
  const chunksPerSecBatch16 = chunks.length / ((performance.now() - t) / 1000);
  t = performance.now();
  for (const q of QUESTIONS) await b.query.encode([q]);
  const queryMs = (performance.now() - t) / QUESTIONS.length;
  const memories = await b.compressor.encode(chunks.slice(0, 5));
  let tokens = 0;
  t = performance.now();
  for (const q of QUESTIONS) tokens += (await b.generator.generate(memories, q, { maxNewTokens: 48 })).tokens;
  const msPerToken = (performance.now() - t) / Math.max(tokens, 1);
  return { chunksPerSecBatch1, chunksPerSecBatch16, queryMs, msPerToken, tokens };
}

async function main(): Promise<void> {
  const dirs = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
  if (dirs.length !== 2) throw new Error('usage: bundle-speed.ts BUNDLE_A BUNDLE_B [--rounds N] [--out FILE]');
  const rounds = Number(arg('rounds', '5'));
  const chunks = sourceChunks(256);
  const results = dirs.map((dir) => ({ dir, loadMs: [] as number[], rounds: [] as Round[] }));
  for (let r = 0; r < rounds; r++) {
    for (const res of results) {
      const t = performance.now();
      const b = await loadBundleParts(res.dir, 'cpu');
      res.loadMs.push(performance.now() - t);
      res.rounds.push(await round(b, chunks));
      await b.close();
    }
  }
  const med = (xs: number[]) => percentile(xs, 50);
  const rows = results.map((res) => {
    const manifest = JSON.parse(readFileSync(path.join(res.dir, 'manifest.json'), 'utf8')) as { version: string; files: Record<string, string> };
    const onnxBytes = ['compressor', 'query', 'generator'].reduce((sum, role) => sum + statSync(path.join(res.dir, manifest.files[role])).size, 0);
    return {
      bundle: `${path.basename(res.dir)} (${manifest.version})`,
      onnxMiB: onnxBytes / 2 ** 20,
      loadMs: med(res.loadMs),
      chunksPerSecBatch1: med(res.rounds.map((x) => x.chunksPerSecBatch1)),
      chunksPerSecBatch16: med(res.rounds.map((x) => x.chunksPerSecBatch16)),
      queryMs: med(res.rounds.map((x) => x.queryMs)),
      msPerToken: med(res.rounds.map((x) => x.msPerToken)),
      tokensPerRound: res.rounds[0].tokens,
    };
  });
  console.log(`${chunks.length} chunks, ${rounds} interleaved rounds, medians:`);
  console.table(rows);
  const out = arg('out');
  if (out) writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), chunks: chunks.length, rounds, rows }, null, 2) + '\n');
}

main().catch((err) => { console.error(err); process.exit(1); });
