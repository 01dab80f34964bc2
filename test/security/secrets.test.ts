/**
 * Secrets: files matching secret patterns (.env*, keys, key stores, credential files) are never read or indexed by
 * default. Each planted file carries a unique key string; after `clara index` no byte sequence of any of them exists
 * anywhere under the store folder, while a unique identifier from an ordinary source file does (the positive control
 * that proves the grep sees what the store holds).
 *
 * Keys pasted into ordinary source and config files (not secret-named, so they are read and indexed) are redacted by
 * content before chunking: the values are absent from the store and unfindable, the rest of each file is indexed.
 * Key-shaped values are built at run time; this file holds none a secret scanner would flag.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { openEngine } from '../../extension/engine/clara-engine';
import type { IndexState } from '../../extension/engine/engine-api';
import { lexicalTerms } from '../../extension/engine/store/lexical-terms';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { FixtureRepo } from '../fixtures/fixture-repo';
import { clara, grepTree, jsonOut } from '../reliability/reliability-kit';

const BUNDLE = bundleUnderTest();
const token = (label: string) => `${label}${randomBytes(12).toString('hex')}`;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Random base62 characters, always with an upper-case letter, a lower-case letter and a digit. */
function rand(n: number, alphabet = ALNUM): string {
  for (;;) {
    const s = [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');
    if (alphabet !== ALNUM || (/[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s))) return s;
  }
}
const b64url = (s: string) => Buffer.from(s).toString('base64url');

const SECRET_FILES = ['.env', '.env.production', 'config/.env.local', 'deploy/id_rsa', 'deploy/id_ed25519.pub', 'certs/server.pem',
  'certs/private.key', 'android/release.keystore', 'credentials.json', 'config/secrets.yaml', '.npmrc', '.git-credentials', '.netrc', '.pgpass'];
const planted = Object.fromEntries(SECRET_FILES.map((f) => [f, token('sk_live_')]));
const CONTROL = token('controlIdentifier');
/** A key pasted into an ordinary source file: not a secret-pattern file name, so only content scanning could catch it. */
const HARDCODED = token('sk_live_');
/** More formats pasted into ordinary files: [file, kind, value]. Each file also has a unique function (the control). */
const PASTED: Array<[string, string, string]> = [
  ['src/hardcoded.py', 'stripe-key', HARDCODED],
  ['src/github_client.ts', 'github-token', `ghp_${rand(36, 'abcdefghijklmnopqrstuvwxyz0123456789')}`],
  ['src/github_client.ts', 'aws-access-key-id', `AKIA${rand(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`],
  ['src/db.py', 'url-password', rand(18)],
  ['src/db.py', 'assigned-secret', rand(24)],
  ['src/session.ts', 'jwt', `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(`{"sub":"${rand(10)}"}`)}.${rand(43)}`],
  ['src/session.ts', 'private-key', Array.from({ length: 4 }, () => rand(64)).join('\n')],
  ['config/app.yaml', 'assigned-secret', rand(20)],
  ['config/app.yaml', 'slack-token', `xoxb-${rand(12, '0123456789')}-${rand(24)}`],
  ['config/services.json', 'google-api-key', `AIza${rand(35)}`],
  ['config/services.json', 'openai-key', `sk-proj-${rand(100)}`],
];
/** The fixed words of the formats above: they occur in no ordinary file of the fixture. */
const KEY_PREFIXES = new Set(['sk', 'live', 'ghp', 'xoxb', 'proj']);
const pasted = (kind: string, file: string) => PASTED.find(([f, k]) => f === file && k === kind)![2];
const CONTROLS = Object.fromEntries([...new Set(PASTED.map(([f]) => f))].map((f) => [f, token('refundControl')]));

const repo = new FixtureRepo({
  ...Object.fromEntries(SECRET_FILES.map((f) => [f, f.endsWith('.json') ? `{"api_key": "${planted[f]}"}\n` : `API_KEY=${planted[f]}\nTOKEN = "${planted[f]}"\n`])),
  'src/app.ts': `export function ${CONTROL}(): number {\n  return 42;\n}\n`,
  'src/settings.py': 'import os\n\nAPI_KEY = os.environ["API_KEY"]  # read from the environment, never from a file\n',
  'src/hardcoded.py': `STRIPE_KEY = "${HARDCODED}"\n\ndef charge(amount):\n    return amount\n\ndef ${CONTROLS['src/hardcoded.py']}(amount):\n    return -amount\n`,
  'src/github_client.ts': `const GITHUB_TOKEN = "${pasted('github-token', 'src/github_client.ts')}";\n`
    + `const s3 = new S3Client({ credentials: { accessKeyId: "${pasted('aws-access-key-id', 'src/github_client.ts')}" } });\n\n`
    + `export function ${CONTROLS['src/github_client.ts']}(repo: string): string {\n  return \`https://api.github.com/repos/\${repo}\`;\n}\n`,
  'src/db.py': `DATABASE_URL = "postgres://app:${pasted('url-password', 'src/db.py')}@db.internal:5432/app"\n`
    + `ADMIN_PASSWORD = '${pasted('assigned-secret', 'src/db.py')}'\n\n\ndef ${CONTROLS['src/db.py']}(conn):\n    return conn.execute("select 1")\n`,
  'src/session.ts': `export const SESSION = "${pasted('jwt', 'src/session.ts')}";\n`
    + `export const SIGNING_KEY = \`-----BEGIN RSA PRIVATE KEY-----\n${pasted('private-key', 'src/session.ts')}\n-----END RSA PRIVATE KEY-----\`;\n\n`
    + `export function ${CONTROLS['src/session.ts']}(): boolean {\n  return SESSION.length > 0;\n}\n`,
  'config/app.yaml': `database:\n  host: db.internal\n  db_password: ${pasted('assigned-secret', 'config/app.yaml')}\n`
    + `notifications:\n  slack: "${pasted('slack-token', 'config/app.yaml')}"\n  handler: ${CONTROLS['config/app.yaml']}\n`,
  'config/services.json': `{\n  "maps": { "browser_key": "${pasted('google-api-key', 'config/services.json')}" },\n`
    + `  "llm": { "endpoint": "https://api.openai.com/v1", "credential": "${pasted('openai-key', 'config/services.json')}" },\n`
    + `  "handler": "${CONTROLS['config/services.json']}"\n}\n`,
}, 'clara-secrets-');
after(() => repo.dispose());

describe('secrets never reach the store', () => {
  it('planted keys are absent from every byte of the store; the files are listed as skipped secret patterns', async () => {
    const r = await clara(['index', repo.root, '--json', '--bundle', BUNDLE, '--provider', 'cpu']);
    assert.equal(r.code, 0, r.stderr);
    // The indexer says where a value was redacted and of what kind, never the value itself.
    for (const [file, , value] of PASTED) {
      assert.ok(r.stderr.split('\n').some((line) => line.includes(`${file}: line `) && line.includes('redacted (not indexed)')),
        `no redaction warning names ${file}:\n${r.stderr}`);
      assert.ok(!r.stderr.includes(value) && !r.stdout.includes(value), `the value pasted into ${file} was printed`);
    }
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

  it('keys hard-coded in ordinary source and config files do not reach the store; the rest of each file does', () => {
    const storeDir = path.join(repo.root, '.clara');
    for (const [file, kind, value] of PASTED) {
      // The lexical column lower-cases words and splits identifiers: look for the value, its lower case, and a
      // 16-character piece of its random part in both cases.
      const piece = value.slice(Math.floor(value.length / 2) - 8, Math.floor(value.length / 2) + 8);
      for (const needle of new Set([value, value.toLowerCase(), piece, piece.toLowerCase()])) {
        assert.deepEqual(grepTree(storeDir, needle), [], `the ${kind} pasted into ${file} reached the store (${needle.length} chars)`);
      }
    }
    for (const [file, control] of Object.entries(CONTROLS)) {
      assert.ok(grepTree(storeDir, control.toLowerCase()).length > 0, `positive control: ${file} is indexed (${control} in the store bytes)`);
    }
    console.log(`[secrets] ${PASTED.length} pasted values of ${new Set(PASTED.map(([, k]) => k)).size} kinds in ` +
      `${Object.keys(CONTROLS).length} ordinary files, 0 found in the store; ${Object.keys(CONTROLS).length} controls found`);
  });

  it('searching for a pasted key matches nothing lexically; the file it was in is found by its own code', async () => {
    const engine = await openEngine({ root: repo.root, storeDir: path.join(repo.root, '.clara'), bundleDir: BUNDLE,
      executionProvider: 'cpu', lexicalFusion: true, topK: 5 });
    try {
      // A PEM line is one 64-character word, longer than the full-text index keeps (LanceDB drops tokens over its
      // maxTokenLength): unredacted it was not found either, so only the byte grep above speaks for it.
      for (const [file, kind, value] of PASTED.filter(([, k]) => k !== 'private-key')) {
        // The question is the key's own lexical words, as the store would hold them had it been indexed: the ones
        // made of long random pieces and key prefixes (a two-letter piece of a random string could match an ordinary
        // word by chance), starting with a letter (a leading digit run is a word of its own in a question).
        const words = lexicalTerms(value).filter((t) => /^[a-z]/.test(t) && t.split(/[^a-z0-9]+/).every((p) => p.length >= 8 || KEY_PREFIXES.has(p)));
        assert.ok(words.length > 0, `${kind} has no long word to search for`);
        const hits = await engine.search(words.join(' '));
        assert.ok(hits.length > 0 && hits.every((h) => h.lexicalScore === 0), `the ${kind} of ${file} matched lexically: ${JSON.stringify(hits)}`);
      }
      for (const file of Object.keys(CONTROLS)) {
        const found = (await engine.search(CONTROLS[file])).find((h) => h.path === file);
        assert.ok(found && (found.lexicalScore ?? 0) > 0, `control: ${file} is not found by its own identifier`);
      }
    } finally {
      await engine.close();
    }
  });
});
