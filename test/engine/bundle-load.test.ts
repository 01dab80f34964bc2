/**
 * loadBundle on the real bundle and on damaged copies of it in a temp folder: every problem is a BundleError that
 * names the file.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { BundleError } from '../../extension/engine/model/bundle-error';
import { TokenTextStream } from '../../extension/engine/model/bundle-tokenizer';
import { defaultBundleDir, loadBundle } from '../../extension/engine/model/load-bundle';
import { nonFiniteToNull } from '../../extension/engine/model/manifest-check';
import { ExecutionProviderError } from '../../extension/engine/model/onnx-model';
import { cudaSupport } from '../../extension/engine/model/onnx-runtime';
import { bundleUnderTest } from '../bundle/bundle-under-test';

const source = bundleUnderTest();
const scratch = mkdtempSync(path.join(tmpdir(), 'clara-bundle-'));
let copies = 0;

function copyBundle(): string {
  const dir = path.join(scratch, `b${copies++}`);
  cpSync(source, dir, { recursive: true });
  return dir;
}

function manifestOf(dir: string): Record<string, any> {
  return JSON.parse(nonFiniteToNull(readFileSync(path.join(dir, 'manifest.json'), 'utf8')));
}

function writeManifest(dir: string, manifest: unknown): void {
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
}

async function assertBundleError(dir: string, file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(loadBundle(dir, { executionProvider: 'cpu' }), (err: unknown) => {
    assert.ok(err instanceof BundleError, `expected a BundleError, got ${String(err)}`);
    assert.equal(err.file, path.join(dir, file));
    assert.ok(err.message.includes(path.join(dir, file)), err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('loadBundle', () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('loads a good bundle on the CPU and reports the provider and manifest', async () => {
    const bundle = await loadBundle(copyBundle(), { executionProvider: 'cpu' });
    try {
      assert.equal(bundle.executionProvider, 'cpu');
      assert.equal(bundle.manifest.format, 'clara-bundle/1');
      const [memory] = await bundle.compressor.encode(['def f():\n    return 1']);
      assert.equal(memory.length, bundle.manifest.mem_tokens * bundle.manifest.hidden);
      assert.ok(memory.every(Number.isFinite));
    } finally {
      await bundle.close();
    }
  });

  it("'auto' falls back to the CPU where CUDA is not installed and says which provider it uses", async () => {
    const bundle = await loadBundle(source, { executionProvider: 'auto' });
    try {
      assert.ok(['cpu', 'cuda'].includes(bundle.executionProvider));
    } finally {
      await bundle.close();
    }
  });

  it("'cuda' runs on CUDA where its provider is installed, and otherwise fails saying why (no silent CPU fallback)", async () => {
    if (cudaSupport().available) {
      const bundle = await loadBundle(source, { executionProvider: 'cuda' });
      try { assert.equal(bundle.executionProvider, 'cuda'); } finally { await bundle.close(); }
      return;
    }
    await assert.rejects(loadBundle(source, { executionProvider: 'cuda' }), (err: unknown) => {
      assert.ok(err instanceof ExecutionProviderError);
      assert.match(err.message, /CUDA execution provider requested, but .*docs\/CLI\.md/);
      return true;
    });
  });

  it('names a missing file', async () => {
    const dir = copyBundle();
    unlinkSync(path.join(dir, 'query.onnx'));
    await assertBundleError(dir, manifestOf(dir).files.query, /missing/);
  });

  it('names a missing manifest', async () => {
    const dir = copyBundle();
    unlinkSync(path.join(dir, 'manifest.json'));
    await assertBundleError(dir, 'manifest.json', /missing/);
  });

  it('names a truncated model file (sha256 mismatch)', async () => {
    const dir = copyBundle();
    const file = manifestOf(dir).files.generator;
    truncateSync(path.join(dir, file), 1000);
    await assertBundleError(dir, file, /sha256 mismatch.*1000 bytes/);
  });

  it('names a changed tokenizer (sha256 mismatch)', async () => {
    const dir = copyBundle();
    const file = manifestOf(dir).files.tokenizer;
    writeFileSync(path.join(dir, file), readFileSync(path.join(dir, file), 'utf8').replace('"<pad>"', '"<PAD>"'));
    await assertBundleError(dir, file, /sha256 mismatch/);
  });

  it('reads NaN and Infinity (as Python writes them) in manifest.json as null', () => {
    assert.equal(nonFiniteToNull('{"a": NaN, "b": "NaN \\" Infinity", "c": [-Infinity, Infinity, 1e5]}'),
      '{"a": null, "b": "NaN \\" Infinity", "c": [null, null, 1e5]}');
  });

  it('names a truncated manifest and a manifest of another format', async () => {
    const dir = copyBundle();
    const text = readFileSync(path.join(dir, 'manifest.json'), 'utf8');
    writeFileSync(path.join(dir, 'manifest.json'), text.slice(0, text.length / 2));
    await assertBundleError(dir, 'manifest.json', /not valid JSON/);
    writeManifest(dir, { ...manifestOf(source), format: 'clara-bundle/0' });
    await assertBundleError(dir, 'manifest.json', /format is "clara-bundle\/0"/);
    const { generator, ...noGenerator } = manifestOf(source);
    assert.ok(generator);
    writeManifest(dir, noGenerator);
    await assertBundleError(dir, 'manifest.json', /'generator' must be an object/);
  });

  it('reads fusion weights from the manifest and names bad ones', async () => {
    const dir = copyBundle();
    const base = manifestOf(source);
    const withFusion = (fusion: unknown) => ({ ...base, retrieval: { ...base.retrieval, fusion } });
    writeManifest(dir, withFusion({ memory_weight: 0.1, lexical_weight: 1 }));
    const bundle = await loadBundle(dir, { executionProvider: 'cpu' });
    assert.deepEqual(bundle.manifest.retrieval.fusion, { memory_weight: 0.1, lexical_weight: 1 });
    await bundle.close();
    writeManifest(dir, withFusion({ memory_weight: -1, lexical_weight: 1 }));
    await assertBundleError(dir, 'manifest.json', /'retrieval.fusion.memory_weight' must be a number ≥ 0/);
    writeManifest(dir, withFusion({ memory_weight: 0, lexical_weight: 0 }));
    await assertBundleError(dir, 'manifest.json', /must not both be 0/);
    writeManifest(dir, withFusion('lexical'));
    await assertBundleError(dir, 'manifest.json', /'retrieval.fusion' must be an object/);
  });

  it('names an ONNX file that ONNX Runtime cannot load, even when its sha256 matches', async () => {
    const dir = copyBundle();
    const manifest = manifestOf(dir);
    const file = manifest.files.compressor;
    const garbage = Buffer.from('this is not an ONNX model');
    writeFileSync(path.join(dir, file), garbage);
    manifest.sha256[file] = createHash('sha256').update(garbage).digest('hex');
    writeManifest(dir, manifest);
    await assertBundleError(dir, file, /ONNX Runtime cannot load it/);
  });

  it('finds the default bundle through models/default.json from the package root', () => {
    const root = path.resolve(__dirname, '..', '..');
    const name = JSON.parse(readFileSync(path.join(root, 'models', 'default.json'), 'utf8')).bundle;
    assert.equal(defaultBundleDir(), path.join(root, 'models', name));
  });
});

describe('tokenizer', () => {
  it('decodes byte-level BPE exactly and streams multi-byte characters whole', async () => {
    const bundle = await loadBundle(source, { executionProvider: 'cpu' });
    try {
      const text = 'const s = "naïve café — 🎉 日本語";\nreturn s; // ✓';
      const ids = bundle.tokenizer.encode(text);
      assert.equal(bundle.tokenizer.decode(ids), text);
      assert.equal(bundle.tokenizer.count(text), ids.length);
      const stream = new TokenTextStream(bundle.tokenizer);
      const deltas = ids.map((id) => stream.push(id));
      deltas.push(stream.flush());
      assert.equal(deltas.join(''), text);
      for (const d of deltas) assert.ok(!d.includes('\uFFFD'), `a delta split a character: ${JSON.stringify(d)}`);
    } finally {
      await bundle.close();
    }
  });
});
