/**
 * Secret values in source text, found by content (the way gitleaks, GitHub secret scanning and detect-secrets do):
 * key formats that announce themselves (AKIA…, ghp_…, sk_live_…, eyJ….eyJ…, PEM private key blocks, URLs with a
 * password), and string literals assigned to a secret-named variable or key when the value looks random enough to be
 * one. Only the value is reported; the chunker replaces it before the text reaches the compressor or the lexical
 * column, so a key pasted into an ordinary file never reaches the store.
 *
 * Decisions that keep false positives low (each has a test):
 * - The generic rule needs both a secret *name* (its last word password, secret, token, api_key, …) and a value
 *   that is not a word, an identifier, a path, a URL, a template or a placeholder, with enough entropy for its length.
 *   Nothing is redacted for its entropy alone: hashes, UUIDs, base64 fixtures and colours stay unless a secret name
 *   or a key format says otherwise. A UUID assigned to `api_key` IS redacted (several services issue UUID keys).
 * - Unquoted values (`password: hunter2x`) count only in configuration syntax (YAML, INI, properties, shell, …);
 *   in code an unquoted right-hand side is an expression.
 * - Documentation example keys (AWS's AKIA…EXAMPLE) are redacted like real ones: they have the real shape, and
 *   redacting them costs one searchable word.
 */

export type SecretKind =
  | 'private-key' | 'aws-access-key-id' | 'aws-secret-key' | 'github-token' | 'gitlab-token' | 'slack-token'
  | 'slack-webhook' | 'stripe-key' | 'google-api-key' | 'anthropic-key' | 'openai-key' | 'huggingface-token'
  | 'npm-token' | 'pypi-token' | 'sendgrid-key' | 'jwt' | 'url-password' | 'bearer-token' | 'basic-auth'
  | 'assigned-secret';

export interface SecretFinding {
  kind: SecretKind;
  /** Offsets of the value in the text (end exclusive): the key itself, not its name, quotes or surroundings. */
  start: number;
  end: number;
  /** 1-based line of `start`. */
  line: number;
}

/** What a secret value is replaced with. */
export const REDACTED = '«secret»';

export interface SecretScanOptions {
  /** Also read unquoted values (`password: hunter2x`, `TOKEN=abc…`): true for configuration syntax only. */
  unquotedValues?: boolean;
}

/** Shannon entropy of the characters of `s`, in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A key format's random part: not a run of one character or an obvious filler (XXXX…, 0000…). */
function randomPart(body: string): boolean {
  return body.length >= 8 && shannonEntropy(body) >= 2.5;
}

const hasDigitAndLetter = (s: string) => /\d/.test(s) && /[A-Za-z]/.test(s);

interface FormatRule {
  kind: SecretKind;
  /** Flags 'gd' (the value's offsets come from match indices); capture `group` (default: the whole match) is the value. */
  pattern: RegExp;
  group?: number;
  /** False for a value of the right shape that is not a real one: a filler, a placeholder, too little randomness. */
  check?: (value: string) => boolean;
}

// Boundaries: a key is not part of a longer word on either side.
const B = '(?<![A-Za-z0-9_])';
const E = '(?![A-Za-z0-9_])';
const BD = '(?<![A-Za-z0-9_\\-])';
const ED = '(?![A-Za-z0-9_\\-])';

/** Most specific first: where two findings overlap, the earlier rule's wins. */
const FORMAT_RULES: FormatRule[] = [
  { kind: 'aws-access-key-id', pattern: new RegExp(`${B}(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}${E}`, 'gd'),
    check: (v) => randomPart(v.slice(4)) },
  // 40 base64 characters are only an AWS secret key next to a name that says so.
  { kind: 'aws-secret-key', group: 1,
    pattern: /(?:aws[\w.\-]{0,20}?secret|secret_?access)[\w.\-]{0,20}?["'`]?\]?[ \t]*(?:=|:=|=>|:)[ \t]*["'`]?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gdi,
    check: (v) => hasDigitAndLetter(v) && shannonEntropy(v) >= 3.5 },
  { kind: 'github-token', pattern: new RegExp(`${B}gh[pousr]_[A-Za-z0-9]{36,251}${E}`, 'gd'), check: (v) => randomPart(v.slice(4)) },
  { kind: 'github-token', pattern: new RegExp(`${B}github_pat_[A-Za-z0-9_]{50,255}${E}`, 'gd'), check: (v) => randomPart(v.slice(11)) },
  { kind: 'gitlab-token', pattern: new RegExp(`${BD}(?:glpat|gldt|glrt|glptt)-[A-Za-z0-9_\\-]{20,}${ED}`, 'gd'),
    check: (v) => randomPart(v.slice(v.indexOf('-') + 1)) },
  { kind: 'slack-token', pattern: new RegExp(`${BD}xox[abposre]-[A-Za-z0-9\\-]{10,}${ED}`, 'gd'),
    check: (v) => hasDigitAndLetter(v.slice(5)) && randomPart(v.slice(5)) },
  { kind: 'slack-webhook', pattern: /hooks\.slack\.com\/(?:services|workflows)\/([A-Za-z0-9]+\/[A-Za-z0-9]+\/[A-Za-z0-9]{16,})/gd, group: 1 },
  { kind: 'stripe-key', pattern: new RegExp(`${B}(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}${E}`, 'gd'),
    check: (v) => randomPart(v.slice(8)) },
  { kind: 'stripe-key', pattern: new RegExp(`${B}whsec_[A-Za-z0-9+/=]{32,}${E}`, 'gd'), check: (v) => randomPart(v.slice(6)) },
  { kind: 'google-api-key', pattern: new RegExp(`${BD}AIza[0-9A-Za-z_\\-]{35}${ED}`, 'gd'), check: (v) => randomPart(v.slice(4)) },
  { kind: 'anthropic-key', pattern: new RegExp(`${BD}sk-ant-(?:api|admin|oat)\\d{2}-[A-Za-z0-9_\\-]{80,}${ED}`, 'gd'),
    check: (v) => randomPart(v.slice(14)) },
  // OpenAI (sk-proj-…, legacy sk- + 48 base62) and the providers that copied the shape (sk- + 32 hex): the plain form
  // has no dashes, which keeps CSS names like sk-spinner-fade-in-300ms out.
  { kind: 'openai-key', pattern: new RegExp(`${BD}sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_\\-]{40,}|[A-Za-z0-9]{32,})${ED}`, 'gd'),
    check: (v) => hasDigitAndLetter(v.slice(3)) && shannonEntropy(v.slice(3)) >= 3.0 },
  { kind: 'huggingface-token', pattern: new RegExp(`${B}hf_[A-Za-z0-9]{34,}${E}`, 'gd'),
    check: (v) => /[a-z]/.test(v.slice(3)) && /[A-Z]/.test(v.slice(3)) && randomPart(v.slice(3)) },
  { kind: 'npm-token', pattern: new RegExp(`${B}npm_[A-Za-z0-9]{36}${E}`, 'gd'), check: (v) => randomPart(v.slice(4)) },
  { kind: 'pypi-token', pattern: new RegExp(`${BD}pypi-Ag[A-Za-z0-9_\\-]{50,}${ED}`, 'gd') },
  { kind: 'sendgrid-key', pattern: new RegExp(`${B}SG\\.[A-Za-z0-9_\\-]{22}\\.[A-Za-z0-9_\\-]{43}${ED}`, 'gd') },
  { kind: 'jwt', pattern: new RegExp(`${BD}eyJ[A-Za-z0-9_\\-]{8,}\\.eyJ[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]*`, 'gd') },
  {
    // scheme://user:password@host — only the password is the secret.
    kind: 'url-password',
    pattern: /\b[A-Za-z][A-Za-z0-9+.\-]{1,20}:\/\/[^\s:@/?#'"`<>]{1,256}:([^\s@/?#'"`<>]{1,256})@(?=[A-Za-z0-9[])/gd,
    group: 1,
    check: (v) => v.length >= 4 && !placeholder(v) && !/^(?:pass(?:word)?|passwd|pwd|secret|xyz|foo|bar|baz)$/i.test(v),
  },
  { kind: 'bearer-token', pattern: /\bBearer[ \t]+([A-Za-z0-9\-._~+/]{20,}=*)/gd, group: 1,
    check: (v) => hasDigitAndLetter(v) && shannonEntropy(v) >= 3.5 },
  { kind: 'basic-auth', pattern: /\bBasic[ \t]+([A-Za-z0-9+/]{12,}={0,2})(?![A-Za-z0-9+/=])/gd, group: 1, check: decodesToCredentials },
];

/** `Basic` is followed by base64("user:password"); prose never decodes to that. */
function decodesToCredentials(b64: string): boolean {
  const text = Buffer.from(b64, 'base64').toString('latin1');
  return /^[\x20-\x7e]+:[\x20-\x7e]+$/.test(text) && !placeholder(text.slice(text.indexOf(':') + 1));
}

// ---- the generic rule: a secret name and a value that looks like a secret ----

/** The last word of a name that says its value is a secret. */
const SECRET_WORDS = new Set([
  'password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'token', 'apikey', 'credential', 'credentials', 'auth',
  'secretkey', 'accesskey', 'privatekey', 'clientsecret', 'accesstoken', 'authtoken',
]);
/** `<word>_key` is a secret name for these words only: `cache_key`, `primary_key`, `sort_key` are not. */
const KEY_QUALIFIERS = new Set([
  'api', 'access', 'private', 'secret', 'signing', 'encryption', 'master', 'auth', 'app', 'client', 'account', 'storage',
  'license', 'subscription', 'hmac', 'webhook',
]);
/** Trailing words that do not change what a name holds (`SECRET_KEY_BASE`, `API_TOKEN_V2`). */
const NEUTRAL_SUFFIX = /^(?:\d+|v\d+|value|base|str|string|hex|b64|base64|raw|plain)$/;

function nameParts(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p.length > 0)
    .map((p) => p.toLowerCase());
}

/** True when a variable/key name says its value is a secret: its last word is password, token, api_key, … */
export function isSecretName(name: string): boolean {
  const parts = nameParts(name);
  while (parts.length > 1 && NEUTRAL_SUFFIX.test(parts[parts.length - 1])) parts.pop();
  if (parts.length === 0 || parts.includes('public')) return false;
  const last = parts[parts.length - 1];
  if (SECRET_WORDS.has(last)) return true;
  return last === 'key' && parts.length >= 2 && KEY_QUALIFIERS.has(parts[parts.length - 2]);
}

/** Template references, fillers and "put yours here" values. */
function placeholder(value: string): boolean {
  return /^(?:[$%]|\{\{|<|\[|#\{|\*)/.test(value)
    || /\$\{|\{\{|%\(|%s|\{\}/.test(value)
    || /^(.)\1*$/.test(value)
    || /x{4,}|X{4,}|\*{3,}|\.{3}/.test(value)
    || /change[_\-.]?me|placeholder|redacted|dummy|your[_\-.]|replace[_\-.]?(?:me|with)|insert[_\-.]|^(?:none|null|nil|undefined|true|false)$/i.test(value);
}

/** Path segments at least this long are checked for a key's entropy ("/etc/secret" is a path; a base64 key may start
 * with "/" and is one long random run after it). */
const PATH_SEGMENT_CHECKED = 12;

/** A path or URL, not a key: `/etc/secret`, `./x`, `~/.ssh/id_rsa`, `C:\Users`, `https://…`. A value that starts like a
 * path but holds a long segment that itself looks like a secret is a key that begins with a slash. */
function looksLikePath(value: string): boolean {
  if (value.includes('://')) return true;
  if (!/^(?:\.{0,2}\/|~\/|[A-Za-z]:\\)/.test(value)) return false;
  return !value.split(/[\\/]/).some((segment) => segment.length >= PATH_SEGMENT_CHECKED && looksLikeSecretValue(segment));
}

/** A value assigned to a secret name that is a secret rather than a label, a reference or a placeholder. */
export function looksLikeSecretValue(value: string): boolean {
  if (value.length < 8 || value.length > 1000) return false;
  // Keys and passwords are printable ASCII; text in another script (a translated message) is not one.
  if (!/^[\x21-\x7e]+$/.test(value) || placeholder(value)) return false;
  // Words and identifiers (`access_token`, `X-API-Key`, `Passwort`) are labels, not secrets.
  if (/^[_$]*[A-Za-z]+(?:[_\-.:]+[A-Za-z]+)*[_\-.:$]*$/.test(value)) return false;
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)) return false; // dotted path: settings.db.password
  if (looksLikePath(value)) return false;
  // Enough entropy for the length: all-distinct characters pass at 8, and 3 bits/char is asked from longer values.
  return shannonEntropy(value) >= Math.min(3.0, 0.8 * Math.log2(value.length));
}

const NAME = '(?<nq>["\'`]?)(?<name>[A-Za-z_$@][\\w$.\\-]*)\\k<nq>\\]?';
const TYPE_ANNOTATION = '(?:[ \\t]*:[ \\t]*[A-Za-z_][\\w.<>\\[\\]|?]*)?';
const SEPARATOR = '[ \\t]*(?<sep>={1,3}|!==?|:=|=>|:|<-|\\()[ \\t]*';
const QUOTED = '(?:[rRbBuUfF]{1,2}|@)?(?<quote>["\'`])(?<value>(?:\\\\.|(?!\\k<quote>)[^\\\\\\n])*)\\k<quote>';
const UNQUOTED = '(?<bare>[^\\s"\'`,;]+)(?=[ \\t]*(?:[,}\\]]|[#;]|\\/\\/|$))';
const ASSIGNMENT_QUOTED = new RegExp(`(?<![\\w$.\\-])${NAME}${TYPE_ANNOTATION}${SEPARATOR}(?:${QUOTED})`, 'gd');
const ASSIGNMENT_ANY = new RegExp(`(?<![\\w$.\\-])${NAME}${TYPE_ANNOTATION}${SEPARATOR}(?:${QUOTED}|${UNQUOTED})`, 'gd');
/** `<password>…</password>` in XML configuration (Maven settings, .NET config). */
const XML_ELEMENT = /<([\w:.\-]+)>([^<\s]{8,1000})<\/\1>/gd;
/** Lines worth the assignment regex: they hold one of the secret words. */
const SECRET_WORD_HINT = /pass|pwd|secret|token|key|auth|credential/gi;

// ---- PEM private key blocks ----

const PEM_BEGIN = /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g;
/** What a key body is made of, inside a file or a string literal: base64, line breaks and their escapes, quotes and
 * concatenation, and the `Proc-Type: 4,ENCRYPTED` style headers of encrypted keys. */
const PEM_BODY = /^[A-Za-z0-9+/=\s"'`,\\:;\-]*/;

function pemFindings(text: string, out: SecretFinding[], lineOf: (offset: number) => number): void {
  for (const m of text.matchAll(PEM_BEGIN)) {
    const start = (m.index as number) + m[0].length;
    const rest = text.slice(start, start + 65_536);
    const end = rest.search(/-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/);
    // Up to the END line; without one (a truncated paste), as far as the text still looks like key material.
    let body = PEM_BODY.exec(end >= 0 ? rest.slice(0, end) : rest)![0];
    if (end >= 0 && body.length < end) continue; // code between BEGIN and END (a parser's constants): not a key
    if (end < 0) body = body.replace(/[\s"'`,\\;]+$/, '');
    if ((body.match(/[A-Za-z0-9+/]/g) ?? []).length < 40) continue;
    out.push({ kind: 'private-key', start, end: start + body.length, line: lineOf(start) });
  }
}

// ---- scanning ----

function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** Secret values in `text`, in text order, never overlapping. */
export function findSecrets(text: string, options: SecretScanOptions = {}): SecretFinding[] {
  const lineOf = lineIndex(text);
  const found: SecretFinding[] = [];
  const taken = (start: number, end: number) => found.some((f) => start < f.end && f.start < end);
  const add = (kind: SecretKind, start: number, end: number) => {
    if (end > start && !taken(start, end)) found.push({ kind, start, end, line: lineOf(start) });
  };

  pemFindings(text, found, lineOf);
  for (const rule of FORMAT_RULES) {
    for (const m of text.matchAll(rule.pattern)) {
      const value = m[rule.group ?? 0];
      if (value === undefined || (rule.check && !rule.check(value))) continue;
      const [start, end] = m.indices![rule.group ?? 0];
      add(rule.kind, start, end);
    }
  }

  const assignment = options.unquotedValues ? ASSIGNMENT_ANY : ASSIGNMENT_QUOTED;
  let lastLineEnd = -1;
  for (const hint of text.matchAll(SECRET_WORD_HINT)) {
    const at = hint.index as number;
    if (at < lastLineEnd) continue; // this line was read already
    const lineStart = text.lastIndexOf('\n', at) + 1;
    const nl = text.indexOf('\n', at);
    lastLineEnd = nl < 0 ? text.length : nl;
    const line = text.slice(lineStart, lastLineEnd);
    for (const m of line.matchAll(assignment)) {
      const g = m.groups!;
      const group = g.value !== undefined ? 'value' : 'bare';
      const value = g[group];
      // A call counts only as a setter (`setPassword("…")`, `withApiKey('…')`): `token('sk_live_')` is a function.
      const call = g.sep === '(' && !/^(?:set|with)[A-Z_]/.test(g.name.slice(g.name.lastIndexOf('.') + 1));
      if (value === undefined || call || !isSecretName(g.name) || !looksLikeSecretValue(value)) continue;
      const [start, end] = m.indices!.groups![group];
      add('assigned-secret', lineStart + start, lineStart + end);
    }
    for (const m of line.matchAll(XML_ELEMENT)) {
      if (!isSecretName(m[1]) || !looksLikeSecretValue(m[2])) continue;
      const [start, end] = m.indices![2];
      add('assigned-secret', lineStart + start, lineStart + end);
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

export interface Redaction {
  /** The text with every secret value replaced by REDACTED; line breaks are kept, so line numbers do not move. */
  text: string;
  findings: SecretFinding[];
}

/** Replaces every secret value in `text` (a multi-line value becomes one marker per line). */
export function redactSecrets(text: string, options: SecretScanOptions = {}): Redaction {
  const findings = findSecrets(text, options);
  if (findings.length === 0) return { text, findings };
  let out = '';
  let cursor = 0;
  for (const f of findings) {
    out += text.slice(cursor, f.start);
    out += text.slice(f.start, f.end).split('\n').map((piece) => (piece.trim().length > 0 ? REDACTED : piece)).join('\n');
    cursor = f.end;
  }
  return { text: out + text.slice(cursor), findings };
}

/** Extensions and names whose syntax is configuration (`key: value`, `KEY=value`), where values need no quotes. */
const CONFIG_EXTENSIONS = new Set(['yaml', 'yml', 'ini', 'cfg', 'conf', 'properties', 'toml', 'env', 'sh', 'bash', 'zsh',
  'envrc', 'tfvars', 'hcl', 'service', 'desktop']);
const CONFIG_NAMES = new Set(['dockerfile', 'containerfile', 'makefile', 'procfile']);

/** Whether unquoted values count in this file (configuration syntax rather than code). */
export function acceptsUnquotedValues(relPath: string): boolean {
  const base = relPath.slice(relPath.lastIndexOf('/') + 1).toLowerCase();
  const dot = base.lastIndexOf('.');
  return CONFIG_NAMES.has(base) || (dot >= 0 && CONFIG_EXTENSIONS.has(base.slice(dot + 1)));
}
