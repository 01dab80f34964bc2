/**
 * Secrets: files matching secret patterns (.env*, keys, key stores, credential files) are never read or indexed by
 * default. Each planted file carries a unique key string; after `clara index` no byte sequence of any of them exists
 * anywhere under the store folder, while a unique identifier from an ordinary source file does (the positive control
 * that proves the grep sees what the store holds).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { IndexState } from '../../extension/engine/engine-api';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { FixtureRepo } from '../fixtures/fixture-repo';
import { clara, grepTree, jsonOut } from '../reliability/reliability-kit';

const BUNDLE = bundleUnderTest();
const token = (label: string) => `${label}${randomBytes(12).toString('hex')}`;

const SECRET_FILES = ['.env', '.env.production', 'config/.env.local', 'deploy/id_rsa', 'deploy/id_ed25519.pub', 'certs/server.pem',
  'certs/private.key', 'android/release.keystore', 'credentials.json', 'config/secrets.yaml', '.npmrc', '.git-credentials', '.netrc', '.pgpass'];
const planted = Object.fromEntries(SECRET_FILES.map((f) => [f, token('sk_live_')]));
const CONTROL = token('controlIdentifier');
/** A key pasted into an ordinary source file: not a secret-pattern file name, so only content scanning could catch it. */
const HARDCODED = token('sk_live_');

const repo = new FixtureRepo({
  ...Object.fromEntries(SECRET_FILES.map((f) => [f, f.endsWith('.json') ? `{"api_key": "${planted[f]}"}\n` : `API_KEY=${planted[f]}\nTOKEN = "${planted[f]}"\n`])),
  'src/app.ts': `export function ${CONTROL}(): number {\n  return 42;\n}\n`,
  'src/settings.py': 'import os\n\nAPI_KEY = os.environ["API_KEY"]  # read from the environment, never from a file\n',
  'src/hardcoded.py': `STRIPE_KEY = "${HARDCODED}"\n\ndef charge(amount):\n    return amount\n`,
}, 'clara-secrets-');
after(() => repo.dispose());

describe('secrets never reach the store', () => {
  it('planted keys are absent from every byte of the store; the files are listed as skipped secret patterns', async () => {
    const r = await clara(['index', repo.root, '--json', '--bundle', BUNDLE, '--provider', 'cpu']);
    assert.equal(r.code, 0, r.stderr);
    const storeDir = path.join(repo.root, '.clara');
    assert.ok(grepTree(storeDir, CONTROL).length > 0, 'positive control: an ordinary identifier is found in the store bytes');
    for (const [file, key] of Object.entries(planted)) {
      assert.deepEqual(grepTree(storeDir, key), [], `the key planted in ${file} reached the store`);
      assert.deepEqual(grepTree(storeDir, key.slice(8)), [], `part of the key planted in ${file} reached the store`);
    }
    const status = jsonOut<IndexState>(await clara(['status', repo.root, '--json', '--bundle', BUNDLE]));
    for (const file of SECRET_FILES) {
      const entry = status.skipped.find((s) => s.path === file);
      assert.match(entry?.reason ?? '', /secret pattern|credentials/, `${file} is not reported as a skipped secret (${JSON.stringify(entry)})`);
    }
    console.log(`[secrets] ${SECRET_FILES.length} planted keys, 0 found in ${storeDir}; control found`);
  });

  it('searching for a planted key finds nothing from a secret file', async () => {
    const key = planted['.env'];
    const r = await clara(['search', repo.root, `API_KEY ${key}`, '--json', '--bundle', BUNDLE, '--provider', 'cpu']);
    assert.equal(r.code, 0, r.stderr);
    const hits = jsonOut<{ results: Array<{ path: string }> }>(r).results;
    assert.ok(hits.every((h) => !SECRET_FILES.includes(h.path)), JSON.stringify(hits));
  });

  it('a key hard-coded in an ordinary source file does not reach the store', {
    todo: 'open gap: secrets are recognised by file name only; the lexical (BM25) column keeps identifier-shaped words, string literals included, so a token-shaped key in a .py/.ts file is stored (no content-based secret scanning yet)',
  }, () => {
    assert.deepEqual(grepTree(path.join(repo.root, '.clara'), HARDCODED), [], 'the hard-coded key reached the store');
  });
});
