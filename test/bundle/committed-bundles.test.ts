/**
 * Every bundle committed under models/ keeps the bundle contract of issue 3, not only the default one the other
 * model tests run on: it loads (manifest, sha256 of every file, tokenizer, the three ONNX sessions), each ONNX file is
 * at most 16 MiB, a MODEL_CARD.md is beside it, and the parity its export measured against PyTorch held (memory
 * cosine ≥ 0.999, identical greedy tokens on every prompt). A bundle that fails parity is retrained or removed, not
 * shipped beside the others.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadBundleParts } from '../../extension/engine/model/load-bundle';
import { nonFiniteToNull } from '../../extension/engine/model/manifest-check';

const modelsDir = path.join(__dirname, '..', '..', 'models');
const MAX_ONNX_BYTES = 16 * 1024 * 1024;
const MIN_MEMORY_COSINE = 0.999;
const MIN_PARITY_PROMPTS = 20;

interface ParityRecord {
  ok: boolean;
  greedy_identical: number;
  greedy_cases: number;
  memory_cosine_min: Record<'compressor' | 'query', number>;
}

const bundles = readdirSync(modelsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(path.join(modelsDir, entry.name, 'manifest.json')))
  .map((entry) => entry.name)
  .sort();

describe('bundles committed under models/', () => {
  it('include the default bundle named in models/default.json', () => {
    const { bundle } = JSON.parse(readFileSync(path.join(modelsDir, 'default.json'), 'utf8')) as { bundle: string };
    assert.ok(bundles.includes(bundle), `default bundle ${bundle} is not among ${bundles.join(', ')}`);
  });

  for (const name of bundles) {
    describe(name, () => {
      const dir = path.join(modelsDir, name);
      const manifest = JSON.parse(nonFiniteToNull(readFileSync(path.join(dir, 'manifest.json'), 'utf8'))) as {
        name: string; files: Record<string, string>; evaluation?: { parity?: ParityRecord };
      };

      it('is named as its folder and has a model card', () => {
        assert.equal(manifest.name, name);
        assert.ok(existsSync(path.join(dir, 'MODEL_CARD.md')), 'MODEL_CARD.md is missing');
      });

      it('loads: every file matches its sha256 and the three sessions open', async () => {
        const loaded = await loadBundleParts(dir, 'cpu');
        await loaded.close();
      });

      it('has every ONNX file within 16 MiB', () => {
        const onnx = Object.values(manifest.files).filter((file) => file.endsWith('.onnx'));
        assert.equal(onnx.length, 3, `expected compressor, query and generator ONNX files, got ${onnx.join(', ')}`);
        for (const file of onnx) {
          const bytes = statSync(path.join(dir, file)).size;
          assert.ok(bytes <= MAX_ONNX_BYTES, `${file} is ${(bytes / 2 ** 20).toFixed(2)} MiB`);
        }
      });

      it('passed parity with PyTorch at export', () => {
        const parity = manifest.evaluation?.parity;
        assert.ok(parity, 'manifest.json has no evaluation.parity record');
        assert.ok(parity.greedy_cases >= MIN_PARITY_PROMPTS, `parity ran ${parity.greedy_cases} prompts`);
        assert.equal(parity.greedy_identical, parity.greedy_cases,
          `greedy tokens identical on ${parity.greedy_identical}/${parity.greedy_cases} prompts`);
        for (const role of ['compressor', 'query'] as const) {
          assert.ok(parity.memory_cosine_min[role] >= MIN_MEMORY_COSINE,
            `${role} memory cosine ${parity.memory_cosine_min[role]}`);
        }
        assert.equal(parity.ok, true);
      });
    });
  }
});
