/**
 * Content-based secret redaction: every key format and the secret-named assignment rule on positives, ordinary code
 * that must stay untouched on negatives, and the chunker and the eval reader carrying only redacted text while the
 * content hash still matches the file on disk (the source preview's stale check).
 *
 * Key-shaped values are built at run time from random bytes: this file holds no string a secret scanner would flag.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ChunkBudget, chunkFile, formatDoc } from '../../extension/engine/chunking/chunk-file';
import {
  acceptsUnquotedValues, findSecrets, isSecretName, looksLikeSecretValue, REDACTED, redactSecrets, type SecretKind,
  shannonEntropy,
} from '../../extension/engine/chunking/secret-values';
import { openEngineWithBundle } from '../../extension/engine/clara-engine';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { ChunkTextReader } from '../../extension/engine/chunking/chunk-text-reader';
import { chunkId } from '../../extension/engine/indexing/chunk-rows';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { readPreview } from '../../extension/source-preview';
import { bundleUnderTest } from '../bundle/bundle-under-test';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const B64 = `${ALNUM}+/`;
const URLSAFE = `${ALNUM}-_`;

/**
 * `n` random characters of `alphabet`, always mixing upper case, lower case and digits when the alphabet has them.
 * A character repeats only once the alphabet is used up, so a value has the entropy the rules ask of a secret: drawn
 * with repeats, about one `if password == "…"` value in 570 had too little of it ("49cdMH!c9Pcc") and was rightly not
 * redacted, which failed this test at random.
 */
function rand(n: number, alphabet = ALNUM): string {
  for (;;) {
    let pool = [...alphabet];
    const s = [...randomBytes(n)].map((b) => {
      if (pool.length === 0) pool = [...alphabet];
      return pool.splice(b % pool.length, 1)[0];
    }).join('');
    const classes = [UPPER, LOWER, DIGITS].filter((c) => [...c].some((ch) => alphabet.includes(ch)));
    if (classes.every((c) => [...s].some((ch) => c.includes(ch)))) return s;
  }
}
const b64url = (s: string) => Buffer.from(s).toString('base64url');
const jwt = () => `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(`{"sub":"${rand(8, DIGITS)}","name":"A User"}`)}.${rand(43, URLSAFE)}`;
const pemBody = () => Array.from({ length: 5 }, () => rand(64, B64)).join('\n');

interface Positive {
  kind: SecretKind;
  value: string;
  /** The line of code holding it; `$` is replaced by the value. */
  line: string;
  path?: string;
}

const POSITIVES: Positive[] = [
  { kind: 'aws-access-key-id', value: `AKIA${rand(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`, line: 'const accessKeyId = "$";' },
  { kind: 'aws-access-key-id', value: `ASIA${rand(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`, line: 'sts_key_id: $', path: 'deploy/values.yaml' },
  { kind: 'aws-secret-key', value: rand(40, B64), line: 'aws_secret_access_key = $', path: 'deploy/aws.ini' },
  { kind: 'aws-secret-key', value: rand(40, B64), line: 'AWS_SECRET = "$"' },
  { kind: 'github-token', value: `ghp_${rand(36)}`, line: 'headers = {"Authorization": "token $"}' },
  { kind: 'github-token', value: `gho_${rand(36)}`, line: 'let oauth = `$`;' },
  { kind: 'github-token', value: `ghs_${rand(36)}`, line: 'GH = \'$\'' },
  { kind: 'github-token', value: `ghu_${rand(36)}`, line: '    gh.login("$")' },
  { kind: 'github-token', value: `github_pat_${rand(22)}_${rand(59)}`, line: 'client := github.NewClient("$")' },
  { kind: 'gitlab-token', value: `glpat-${rand(20, URLSAFE)}`, line: 'gitlab = Gitlab(url, private_token="$")' },
  { kind: 'slack-token', value: `xoxb-${rand(12, DIGITS)}-${rand(13, DIGITS)}-${rand(24)}`, line: 'slack = WebClient("$")' },
  { kind: 'slack-webhook', value: `T${rand(8, UPPER + DIGITS)}/B${rand(8, UPPER + DIGITS)}/${rand(24)}`, line: 'hook = "https://hooks.slack.com/services/$"' },
  { kind: 'stripe-key', value: `sk_live_${rand(24)}`, line: 'stripe.api_key = "$"' },
  { kind: 'stripe-key', value: `rk_live_${rand(24)}`, line: 'const restricted = "$";' },
  { kind: 'stripe-key', value: `whsec_${rand(32)}`, line: 'endpoint = "$"' },
  { kind: 'google-api-key', value: `AIza${rand(35, URLSAFE)}`, line: '{"maps": {"browser": "$"}}', path: 'web/config.json' },
  { kind: 'openai-key', value: `sk-proj-${rand(120, URLSAFE)}`, line: 'client = OpenAI(api_key="$")' },
  { kind: 'openai-key', value: `sk-${rand(48)}`, line: 'openai.key = "$"' },
  { kind: 'anthropic-key', value: `sk-ant-api03-${rand(93, URLSAFE)}`, line: 'const anthropic = new Anthropic({ apiKey: "$" });' },
  { kind: 'huggingface-token', value: `hf_${rand(34, UPPER + LOWER)}`, line: 'login("$")' },
  { kind: 'npm-token', value: `npm_${rand(36)}`, line: '//registry.npmjs.org/:_authToken=$', path: 'ci/publish.sh' },
  { kind: 'pypi-token', value: `pypi-AgEIcHlwaS5vcmc${rand(120, URLSAFE)}`, line: 'password: $', path: '.github/workflows/release.yml' },
  { kind: 'sendgrid-key', value: `SG.${rand(22, URLSAFE)}.${rand(43, URLSAFE)}`, line: 'sg = SendGridAPIClient("$")' },
  { kind: 'jwt', value: jwt(), line: 'const session = "$";' },
  { kind: 'url-password', value: rand(16), line: 'DATABASE_URL = "postgres://app:$@db.internal:5432/app"' },
  { kind: 'url-password', value: rand(12), line: 'git clone https://deploy:$@github.com/acme/app.git', path: 'ci/clone.sh' },
  { kind: 'bearer-token', value: rand(40, URLSAFE), line: 'curl -H "Authorization: Bearer $" https://api.example.com' },
  { kind: 'basic-auth', value: Buffer.from(`admin:${rand(14)}`).toString('base64'), line: 'req.headers.authorization = "Basic $";' },
  { kind: 'assigned-secret', value: rand(20), line: 'DB_PASSWORD = "$"' },
  { kind: 'assigned-secret', value: rand(32, DIGITS + 'abcdef'), line: '    client_secret: str = "$"' },
  { kind: 'assigned-secret', value: rand(24, B64), line: 'const signingKey: string = \'$\';' },
  { kind: 'assigned-secret', value: rand(16), line: '  "apiKey": "$",', path: 'src/settings.json' },
  { kind: 'assigned-secret', value: rand(16), line: 'db_password: $', path: 'config/app.yaml' },
  { kind: 'assigned-secret', value: rand(16), line: 'spring.datasource.password=$', path: 'src/main/resources/application.properties' },
  { kind: 'assigned-secret', value: rand(16), line: 'export API_TOKEN=$', path: 'scripts/dev.sh' },
  { kind: 'assigned-secret', value: rand(16), line: '    <password>$</password>', path: 'maven/settings.xml' },
  { kind: 'assigned-secret', value: rand(16), line: 'ds.setPassword("$");' },
  { kind: 'assigned-secret', value: rand(16), line: '\tToken:  "$",', path: 'cmd/main.go' },
  { kind: 'assigned-secret', value: `${rand(8, DIGITS + LOWER)}-${rand(4, DIGITS + LOWER)}-4${rand(3, DIGITS + LOWER)}-a${rand(3, DIGITS + LOWER)}-${rand(12, DIGITS + LOWER)}`,
    line: 'HEROKU_API_KEY = "$"' },
  { kind: 'assigned-secret', value: `${rand(6)}!${rand(5)}`, line: 'if password == "$":' },
];

describe('secret values: positives', () => {
  for (const p of POSITIVES) {
    const file = p.path ?? 'src/app.py';
    it(`${p.kind} in ${file}: ${p.line.replace('$', '…')}`, () => {
      const text = `# above\n${p.line.replace('$', p.value)}\n# below\n`;
      const options = { unquotedValues: acceptsUnquotedValues(file) };
      const found = findSecrets(text, options);
      assert.equal(found.length, 1, JSON.stringify(found));
      assert.equal(found[0].kind, p.kind);
      assert.equal(found[0].line, 2);
      assert.equal(text.slice(found[0].start, found[0].end), p.value, 'the finding is exactly the value');
      const redacted = redactSecrets(text, options).text;
      assert.equal(redacted, `# above\n${p.line.replace('$', REDACTED)}\n# below\n`, 'only the value is replaced');
    });
  }

  it('a PEM private key block, in a file and in a string literal with \\n escapes, keeps its lines', () => {
    const body = pemBody();
    const file = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----\n`;
    const r = redactSecrets(`x = 1\n${file}y = 2\n`);
    assert.deepEqual(r.findings.map((f) => [f.kind, f.line]), [['private-key', 2]]);
    assert.equal(r.text.split('\n').length, `x = 1\n${file}y = 2\n`.split('\n').length, 'line numbers do not move');
    for (const line of body.split('\n')) assert.ok(!r.text.includes(line));
    assert.ok(r.text.includes('-----BEGIN RSA PRIVATE KEY-----') && r.text.includes('-----END RSA PRIVATE KEY-----'));

    const literal = `const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\\n${body.split('\n').join('\\n')}\\n-----END OPENSSH PRIVATE KEY-----\\n";`;
    const l = redactSecrets(literal);
    assert.deepEqual(l.findings.map((f) => f.kind), ['private-key']);
    assert.ok(!l.text.includes(body.split('\n')[0].slice(0, 20)), l.text);

    // A key cut off before its END line (a truncated paste) is still redacted up to where key material stops.
    const cut = redactSecrets(`-----BEGIN EC PRIVATE KEY-----\n${body}\n`);
    assert.equal(cut.findings.length, 1);
    assert.ok(!cut.text.includes(body.slice(0, 20)));
  });

  it('several secrets on one line are each replaced', () => {
    const a = `AKIA${rand(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
    const b = rand(40, B64);
    const text = `creds = {"aws_access_key_id": "${a}", "aws_secret_access_key": "${b}"}`;
    const r = redactSecrets(text);
    assert.deepEqual(r.findings.map((f) => f.kind), ['aws-access-key-id', 'aws-secret-key']);
    assert.equal(r.text, `creds = {"aws_access_key_id": "${REDACTED}", "aws_secret_access_key": "${REDACTED}"}`);
  });
});

/** Ordinary code, much of it from real projects: none of it may be redacted. */
const NEGATIVES: Array<[string, string]> = [
  ['src/theme.ts', 'const primaryColor = "#1e90ff";\nconst tokenColor = "#ffcc00aa";'],
  ['tests/test_ids.py', 'TEST_UUID = "123e4567-e89b-12d3-a456-426614174000"\nrequest_id = uuid.UUID("9c1b2f4e-77aa-4d2e-bb1a-0f6e2d3c4b5a")'],
  ['tests/test_hash.py', 'EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"\npassword_hash = hashlib.sha256(raw).hexdigest()'],
  ['tests/fixtures.ts', 'const fixture = "SGVsbG8sIHdvcmxkISBUaGlzIGlzIGEgdGVzdCBmaXh0dXJlLg==";\nconst commit = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3";'],
  ['src/auth.py', 'TOKEN_TYPE = "access_token"\nAPI_KEY_HEADER = "X-API-Key"\npassword_field = "password"\ntoken_url = "https://oauth2.googleapis.com/token"'],
  ['src/auth.py', 'API_KEY = os.environ["API_KEY"]\npassword = getpass.getpass("Password: ")\nsecret = settings.SECRET_KEY'],
  ['src/auth.ts', 'const apiKey = process.env.OPENAI_API_KEY;\nconst token = await getToken(scope);\nconst secret = config.get<string>("clientSecret");'],
  ['src/i18n.ts', 'export const de = { password: "Passwort", token: "Zugangsschlüssel", secret: "Geheimnis" };'],
  ['src/locale.json', '{"Unexpected_token_1012": "予期しないトークンです。", "password_label": "Kennwort"}'],
  ['README.md', 'Set `api_key: "YOUR_API_KEY"` and `token = "<your-token>"`; the default `password = "changeme"`.'],
  ['src/db.py', 'url = f"postgres://{user}:{password}@{host}/{db}"\nurl2 = "postgres://user:${PASSWORD}@db/app"'],
  ['src/urls.ts', 'fetch("https://user@example.com/x"); fetch("http://localhost:8080/@scope/pkg"); const u = "https://abc:xyz@example.com";'],
  ['src/store.py', 'cache_key = "user:1234:profile"\nprimary_key = "id_1234567"\nsort_key = "k1a2b3c4d5"\nkey = "0123456789abcdef0123456789abcdef"'],
  ['src/keys.py', 'public_key = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEx6mZ1pQ2"\nPUBLIC_TOKEN = "public-sandbox-1234abcd"'],
  ['src/lexer.py', 'token = self.next_token2\nkind = token.kind\nif token == "IDENTIFIER":\n    pass'],
  ['src/pem.py', 'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n    in_key = True\nEND = "-----END RSA PRIVATE KEY-----"'],
  ['web/index.html', '<div class="sk-spinner sk-spinner-fade-in-delay-300ms"></div>'],
  ['src/http.ts', 'headers.Authorization = "Bearer " + token;\nconst h = `Bearer ${token}`;\n// Basic authentication sends the user name and password.'],
  ['src/types.py', 'def load(backend: "Backend", private_key: "_RSAPrivateKey", data: bytes): ...'],
  ['src/models.py', 'class User(Model):\n    password: str = field(default="")\n    def check_password(self, raw_password): ...'],
  ['config/app.yaml', 'db:\n  password: ${DB_PASSWORD}\n  token: !vault |\n  password_min_length: 12\n  api_key: "{{ api_key }}"'],
  ['src/tokens.ts', 'export function token(prefix: string) { return prefix + id(); }\nconst t = token("sk_live_");'],
  ['src/aws.py', 'ACCESS_KEY_ID = "AKIAXXXXXXXXXXXXXXXX"\nsecret = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"'],
  ['src/enc.py', 'secret_key_size = 32\nencryption_key = derive_key(password, salt)\ntoken_expiry = "2024-01-01T00:00:00Z"'],
];

describe('secret values: negatives (ordinary code is not redacted)', () => {
  for (const [file, text] of NEGATIVES) {
    it(`${file}: ${text.split('\n')[0].slice(0, 70)}`, () => {
      const found = findSecrets(text, { unquotedValues: acceptsUnquotedValues(file) });
      assert.deepEqual(found.map((f) => `${f.kind} ${text.slice(f.start, f.end)}`), []);
    });
  }

  it('names: the last word decides', () => {
    for (const n of ['password', 'DB_PASSWORD', 'clientSecret', 'api_key', 'apiKey', 'APIKEY', 'x-api-key', 'access_token',
      'refreshToken', 'SECRET_KEY_BASE', 'spring.datasource.password', 'private_key', 'AUTH', 'db_pass', 'GITHUB_TOKEN_V2']) {
      assert.ok(isSecretName(n), n);
    }
    for (const n of ['cache_key', 'primaryKey', 'key', 'token_type', 'password_hash', 'passwordField', 'public_key',
      'PUBLIC_TOKEN', 'tokenizer', 'bypass', 'secret_name', 'max_tokens', 'keyLength']) {
      assert.ok(!isSecretName(n), n);
    }
  });

  it('values: entropy and shape, not length alone', () => {
    assert.equal(shannonEntropy('aaaa'), 0);
    assert.equal(shannonEntropy('abcd'), 2);
    // A base64 key may begin with "/" (rand(40, B64) did, 1 run in 64, and was taken for a path): it is still a key.
    for (const v of ['hunter22x', 'Tr0ub4dor&3', rand(16), rand(40, B64), `/${rand(39, `${ALNUM}+`)}`]) {
      assert.ok(looksLikeSecretValue(v), v);
    }
    for (const v of ['short1', 'access_token', 'X-API-Key', '_RSAPrivateKey', 'settings.db.password', '/etc/secret',
      '/usr/lib/python3.11/site-packages', '~/.ssh/id_rsa', 'C:\\Users\\me\\AppData', 'https://example.com/a/b',
      'aaaaaaaaaaaa', 'abababababab', 'with space 123', '${TOKEN}', 'YOUR_KEY_HERE']) {
      assert.ok(!looksLikeSecretValue(v), v);
    }
  });
});

describe('the chunker and the eval reader carry only redacted text', () => {
  let bundle: ModelBundle;
  let budget: ChunkBudget;
  const dir = mkdtempSync(path.join(tmpdir(), 'clara-secret-values-'));
  before(async () => {
    bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' });
    const m = bundle.manifest;
    budget = { tokenizer: bundle.tokenizer, docTemplate: m.doc_template, docMaxTokens: m.doc_max_tokens };
  });
  after(async () => {
    await bundle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stripe = `sk_live_${rand(24)}`;
  const body = pemBody();
  const source = [
    '"""Billing: charges cards through Stripe."""',
    'import stripe',
    '',
    `stripe.api_key = "${stripe}"`,
    '',
    'SIGNING_KEY = """-----BEGIN PRIVATE KEY-----',
    ...body.split('\n'),
    '-----END PRIVATE KEY-----"""',
    '',
    '',
    'def charge(amount_cents, customer):',
    '    """Charge a customer."""',
    '    return stripe.Charge.create(amount=amount_cents, currency="eur", customer=customer)',
    '',
  ].join('\r\n'); // CRLF on disk: hashes are of the normalised lines, as the preview computes them

  const sourceLinesOf = (c: { startLine: number; endLine: number }) => source.split('\r\n').slice(c.startLine - 1, c.endLine).join('\n');
  const cosine = (a: Float32Array, b: Float32Array) => {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
    return dot / Math.sqrt(na * nb);
  };

  it('chunks hold no secret, report where they were, and hash the lines on disk', async () => {
    const chunks = await chunkFile('billing/charge.py', source, budget);
    const all = chunks.map((c) => c.code).join('\n');
    assert.ok(!all.includes(stripe) && !all.includes(stripe.slice(8)), 'the Stripe key reached a chunk');
    for (const line of body.split('\n')) assert.ok(!all.includes(line.slice(0, 24)), 'key material reached a chunk');
    assert.ok(all.includes('def charge(amount_cents, customer):'), 'the rest of the file is chunked as before');
    assert.ok(all.includes(`stripe.api_key = "${REDACTED}"`));
    assert.deepEqual(chunks.flatMap((c) => c.redacted), [{ line: 4, kind: 'stripe-key' }, { line: 6, kind: 'private-key' }]);

    writeFileSync(path.join(dir, 'charge.py'), source);
    const sourceLines = source.split('\r\n');
    for (const c of chunks) {
      const expected = createHash('sha256').update(sourceLines.slice(c.startLine - 1, c.endLine).join('\n')).digest('hex');
      assert.equal(c.contentHash, expected, `chunk ${c.startLine}-${c.endLine} hashes its source lines`);
      const preview = await readPreview([dir], 'charge.py', c.startLine, c.endLine, c.contentHash);
      assert.ok(preview.kind === 'lines' && !preview.stale, `the preview of ${c.startLine}-${c.endLine} is not stale`);
    }
  });

  it('the stored memory is the compression of the redacted text, not of the original', async () => {
    const root = mkdtempSync(path.join(dir, 'repo-'));
    writeFileSync(path.join(root, 'charge.py'), source);
    const engine = await openEngineWithBundle({ root, storeDir: path.join(root, '.clara') }, bundle);
    try {
      await engine.index();
      const [chunk] = (await chunkFile('charge.py', source, budget)).filter((c) => c.redacted.length > 0);
      const [stored] = await engine.store.memories([chunkId(chunk)]);
      const original = sourceLinesOf(chunk);
      const [asRedacted, asOriginal] = await bundle.compressor.encode([
        formatDoc(budget.docTemplate, 'charge.py', chunk.code), formatDoc(budget.docTemplate, 'charge.py', original),
      ]);
      const toRedacted = cosine(stored, asRedacted);
      const toOriginal = cosine(stored, asOriginal);
      console.log(`[secret-values] stored memory: cosine ${toRedacted.toFixed(6)} to the redacted text, ${toOriginal.toFixed(6)} to the original`);
      assert.ok(toRedacted > 0.999, `the stored memory is not the redacted text's (${toRedacted})`);
      assert.ok(toRedacted > toOriginal, 'the stored memory is closer to the original text than to the redacted one');
    } finally {
      await engine.close();
    }
  });

  it('a line too long for one chunk is redacted before it is cut: no key prefix survives the cut', async () => {
    const tokens = Array.from({ length: 60 }, () => `ghp_${rand(36)}`);
    const line = `const tokens = [${tokens.map((t) => `"${t}"`).join(', ')}];`;
    const chunks = await chunkFile('src/tokens.js', line, budget);
    const code = chunks.map((c) => c.code).join('\n');
    for (const t of tokens) assert.ok(!code.includes(t.slice(0, 10)), 'a token prefix reached a chunk');
    assert.ok(code.startsWith(`const tokens = ["${REDACTED}"`));
  });

  it('the eval reader (BM25 baseline, extractive answers) reads redacted lines at the same line numbers', () => {
    writeFileSync(path.join(dir, 'settings.yaml'), `db:\n  host: db.internal\n  password: ${stripe.slice(8)}\n  port: 5432\n`);
    const reader = new ChunkTextReader(dir);
    const text = reader.read({ path: 'settings.yaml', startLine: 1, endLine: 4 });
    assert.equal(text, `db:\n  host: db.internal\n  password: ${REDACTED}\n  port: 5432`);
  });
});
