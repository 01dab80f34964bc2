/**
 * The bundle's memories retrieve: on files the test writes, each a small function with a distinct name, a question
 * about one function ranks that function's file first by the memory score alone (no lexical fusion) far more often
 * than chance. Bundles whose compressor learned memories that do not tell chunks apart (every bundle before SCP's
 * contrastive term) rank at chance here and fail.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openEngineWithBundle, type ClaraEngine } from '../../extension/engine/clara-engine';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { retrieve } from '../../extension/engine/retrieval/retrieve';
import { bundleUnderTest } from './bundle-under-test';

const FUNCTIONS: Array<[name: string, doc: string, body: string]> = [
  ['parse_header', 'Split a raw header line into its name and value.', 'name, _, value = line.partition(":")\n    return name.strip().lower(), value.strip()'],
  ['render_template', 'Fill the placeholders of a template with values.', 'for key, value in values.items():\n        text = text.replace("{" + key + "}", str(value))\n    return text'],
  ['retry_request', 'Call fn until it succeeds or attempts run out.', 'for attempt in range(attempts):\n        try:\n            return fn()\n        except OSError:\n            time.sleep(delay * attempt)\n    raise TimeoutError("gave up")'],
  ['hash_password', 'Derive a salted hash of a password.', 'salt = os.urandom(16)\n    return salt + hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100000)'],
  ['merge_config', 'Merge override settings into the defaults, recursively.', 'result = dict(defaults)\n    for key, value in override.items():\n        result[key] = merge_config(result.get(key, {}), value) if isinstance(value, dict) else value\n    return result'],
  ['open_socket', 'Open a TCP connection with a timeout.', 'sock = socket.create_connection((host, port), timeout=timeout)\n    sock.setblocking(True)\n    return sock'],
  ['read_lines', 'Read a text file and return its lines without newlines.', 'with open(path, encoding="utf-8") as f:\n        return [line.rstrip("\\n") for line in f]'],
  ['format_duration', 'Format a number of seconds as hours, minutes and seconds.', 'minutes, seconds = divmod(int(total), 60)\n    hours, minutes = divmod(minutes, 60)\n    return f"{hours}:{minutes:02}:{seconds:02}"'],
  ['chunk_list', 'Split a list into pieces of at most size items.', 'return [items[i:i + size] for i in range(0, len(items), size)]'],
  ['send_email', 'Send a plain text message through an SMTP server.', 'with smtplib.SMTP(host) as server:\n        server.sendmail(sender, [to], message)\n    return True'],
  ['load_json', 'Load a JSON document from a file path.', 'with open(path, encoding="utf-8") as f:\n        return json.load(f)'],
  ['escape_html', 'Escape the characters that are special in HTML.', 'return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")'],
];

const QUESTIONS = (name: string) => [`What does \`${name}\` return?`, `Where is \`${name}\` defined?`];

describe('memory retrieval of the bundle under test', () => {
  let root: string;
  let bundle: ModelBundle;
  let engine: ClaraEngine;

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'clara-memory-retrieval-'));
    for (const [name, doc, body] of FUNCTIONS) {
      const args = body.includes('line') ? 'line' : 'value';
      mkdirSync(path.join(root, 'pkg'), { recursive: true });
      writeFileSync(path.join(root, 'pkg', `${name}.py`), `def ${name}(${args}):\n    """${doc}"""\n    ${body}\n`);
    }
    bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' });
    engine = await openEngineWithBundle({ root, storeDir: path.join(root, '.clara'), lexicalFusion: false }, bundle);
    await engine.index();
  });
  after(async () => {
    await engine?.close();
    await bundle?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('ranks the asked-about function first far more often than chance, by the memory score alone', async () => {
    const ranks: number[] = [];
    for (const [name] of FUNCTIONS) {
      for (const q of QUESTIONS(name)) {
        const hits = await retrieve(bundle, engine.store, q, { topK: FUNCTIONS.length, lexicalFusion: false });
        ranks.push(hits.findIndex((h) => h.path === `pkg/${name}.py`) + 1);
      }
    }
    const mrr = ranks.reduce((s, r) => s + (r > 0 ? 1 / r : 0), 0) / ranks.length;
    const top1 = ranks.filter((r) => r === 1).length / ranks.length;
    const chanceMrr = FUNCTIONS.reduce((s, _, i) => s + 1 / (i + 1), 0) / FUNCTIONS.length;
    console.log(`memory-only ranks ${JSON.stringify(ranks)}: MRR ${mrr.toFixed(3)} (chance ${chanceMrr.toFixed(3)}), top-1 ${top1.toFixed(3)}`);
    assert.ok(mrr >= 2 * chanceMrr, `MRR ${mrr.toFixed(3)} is not twice chance (${chanceMrr.toFixed(3)})`);
  });
});
