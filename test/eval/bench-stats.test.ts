import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machineInfo, percentile } from '../../bench/stats';

test('nearest-rank percentiles by hand', () => {
  const v = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.equal(percentile(v, 50), 5);
  assert.equal(percentile(v, 95), 10);
  assert.equal(percentile(v, 0), 1);
  assert.equal(percentile([42], 95), 42);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.deepEqual(v, [5, 1, 4, 2, 3, 10, 9, 8, 7, 6], 'input not reordered');
});

test('machine description names the runtime versions the bench depends on', () => {
  const m = machineInfo(process.cwd());
  assert.ok(m.cores >= 1 && m.ramGiB > 0);
  assert.match(m.node, /^v\d+/);
  assert.match(m.onnxruntimeNode, /^\d+\.\d+/);
  assert.match(m.minisearch, /^\d+\.\d+/);
});
