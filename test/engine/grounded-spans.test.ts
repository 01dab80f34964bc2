/**
 * Grounded decoding (answer/grounded-spans.ts): the matching rules, the rule driving decoding with the bundle's real
 * tokenizer over adversarial logits, and answering on the real bundle with the chunks' text as grounding.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { answerQuestion } from '../../extension/engine/answer/answer-question';
import {
  backtickSpans, blockSource, GroundedSpanRule, groundingText, occursAligned, ungroundedSpans,
} from '../../extension/engine/answer/grounded-spans';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { definedNames, NameSet, namesDefinition, quotableNames } from '../../extension/engine/answer/quotable-names';
import { locatorClaims, locatorClaimsTrue } from '../../extension/engine/answer/locator-claims';
import { ExactMemoryReader, SAMPLE_DOCS } from './exact-memory-reader';

const SOURCE = 'net/http_client.py\nfetch_url\nimport urllib.request\n\ndef fetch_url(url, timeout=10):\n    """Download the body."""\n    return response.read()';

describe('grounding rules', () => {
  it('accepts word-aligned pieces of the source and refuses pieces cut out of a word', () => {
    const text = groundingText([SOURCE]);
    for (const span of ['fetch_url', 'net/http_client.py', 'urllib.request', 'fetch_url(url, timeout=10)', 'response.read()', 'timeout']) {
      assert.ok(occursAligned(text, span, true), span);
    }
    assert.equal(occursAligned(text, 'etch_url', false), false, 'starts inside a word');
    assert.equal(occursAligned(text, 'fetch_u', true), false, 'a closed span that ends inside a word');
    assert.equal(occursAligned(text, 'fetch_u', false), true, 'while still being written it may end inside one');
    assert.equal(occursAligned(text, 'tkinter/ttk.py', false), false);
    // A source's trailing whitespace leads nowhere (a span must not grow into it and be stuck there).
    assert.equal(occursAligned(groundingText(['flag = False \n', 'b.py']), 'False ', false), false);
  });

  it('collapses whitespace, so a signature written on one line matches one wrapped in the source', () => {
    assert.deepEqual(ungroundedSpans('`fetch_url(url,   timeout=10)` and `a(b,\n c)`', ['def fetch_url(url,\n        timeout=10):', 'a(b, c)']), []);
  });

  it('quotable names: paths, file names, symbols, identifiers, dotted sub-chains, short calls, numbers, short strings', () => {
    const names = quotableNames([SOURCE]);
    for (const n of ['net/http_client.py', 'http_client.py', 'fetch_url', 'urllib.request', 'urllib', 'request',
      'fetch_url(url, timeout=10)', 'response.read()', 'response.read', 'read', 'timeout', '10']) {
      assert.ok(names.includes(n), n);
    }
    for (const fragment of ['etch_url', 'fetch_u', 'url, timeout', 'Download the', 'def fetch_url']) assert.ok(!names.includes(fragment), fragment);
    for (const prose of ['Download', 'body', 'def', 'import', 'return']) assert.ok(!names.includes(prose), `docstring word or keyword: ${prose}`);
    const ts = quotableNames(['src/total.ts\ntotal\n// Compute the grand total\nexport function total(items: Item[]) { /* sum */ return items.length; } // "#" in "a#b"']);
    assert.ok(ts.includes('items.length') && ts.includes('Item') && ts.includes('total'));
    for (const prose of ['Compute', 'grand', 'sum', 'export', 'function']) assert.ok(!ts.includes(prose), `comment word or keyword: ${prose}`);
    assert.ok(quotableNames(["a.py\n\nx = 'two words'"]).includes("'two words'"));
    // A literal without a word character could never close a span (a span closes on one): not a name.
    assert.ok(!quotableNames(["a.py\n\nx = ', '.join(parts) + \"\\n\""]).some((n) => n.startsWith("'") || n.startsWith('"')));
    assert.deepEqual(names, [...names].sort(), 'sorted, for prefix lookup');
    const set = new NameSet(names);
    assert.ok(set.extends('fetch_') && set.extends('urllib.re') && !set.extends('tkinter'));
    assert.ok(!set.extends('timeou', new Set(['timeout'])), 'every name it leads to is excluded');
  });

  it('defined names: the parts of the symbol, the names after definition keywords, upper-case constants', () => {
    assert.deepEqual([...definedNames('a/app.py\nFlask.open_resource\nclass Helper:\n    def run(self): pass\nMAX_SIZE = 3\nx = Helper()')].sort(),
      ['Flask', 'Helper', 'MAX_SIZE', 'open_resource', 'run']);
    assert.deepEqual([...definedNames('s.ts\n\nexport function total(a: number) {}\ninterface Item {}\n// class Old\nconst y = total(1);')].sort(), ['Item', 'total']);
    assert.deepEqual([...definedNames('s.go\n\nfunc (s *Server) Serve(l net.Listener) error {}\ntype Handler interface{}')].sort(), ['Handler', 'Serve']);
    assert.ok(namesDefinition('Flask.open_resource', new Set(['open_resource'])) && namesDefinition('run(self)', new Set(['run'])));
    assert.ok(!namesDefinition('Flask.config', new Set(['Flask'])) && !namesDefinition('None', new Set(['run'])));
  });

  it('lists backticked spans in order and ignores an unclosed last one', () => {
    assert.deepEqual(backtickSpans('`a` is in `b/c.py` [1], not `d'), ['a', 'b/c.py']);
    assert.deepEqual(ungroundedSpans('`fetch_url` is in `tkinter/ttk.py` [1].', [SOURCE]), ['tkinter/ttk.py']);
  });
});

describe('GroundedSpanRule with the bundle tokenizer', () => {
  let bundle: ModelBundle;
  before(async () => { bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' }); });
  after(async () => { await bundle?.close(); });

  /**
   * Decodes `steps` tokens choosing with `rule` (or plain argmax) from seeded random logits that favour tokens
   * matching `favour` (by default backticks and slashes).
   */
  function decode(rule: GroundedSpanRule | null, seed: number, steps = 40, favour = /[`/]/): string {
    const vocab = vocabSize(bundle);
    const favoured = [...Array(vocab).keys()].filter((id) => favour.test(bundle.tokenizer.decode([id])));
    let state = seed;
    const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
    const ids: number[] = [];
    for (let step = 0; step < steps; step++) {
      const logits = Float32Array.from({ length: vocab }, () => random() * 4);
      for (const id of favoured) logits[id] += 3;
      logits[bundle.manifest.eos_id] = -10;
      // The steps left are told as the generator tells them (a marker or span must not be left open at the end).
      ids.push(rule ? rule.pick(logits, ids, step === steps - 1, steps - step - 1) : logits.indexOf(Math.max(...logits)));
    }
    return bundle.tokenizer.decode(ids);
  }

  it('keeps every backticked span and every path of the answer inside the source, where argmax does not', () => {
    let ungroundedWithout = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const rule = new GroundedSpanRule(bundle.tokenizer, [SOURCE], bundle.manifest.eos_id);
      const text = decode(rule, seed);
      assert.deepEqual(ungroundedSpans(text, [SOURCE]), [], `seed ${seed}: ${JSON.stringify(text)}`);
      const closed = text.slice(0, text.lastIndexOf('`') + 1);
      for (const span of backtickSpans(closed)) {
        assert.ok(!/[\r\n]/.test(span), `a span spans lines: ${JSON.stringify(span)}`);
        assert.match(span, /^\S(.*\S)?$/, 'a span starts and ends with a visible character');
        assert.match(span, /[\p{L}\p{N}_]/u, 'a span holds a word character');
        assert.ok(quotableNames([SOURCE]).includes(span), `a span is a name of the source: ${JSON.stringify(span)}`);
      }
      assert.equal(new Set(backtickSpans(text)).size, backtickSpans(text).length, `a span repeats: ${JSON.stringify(text)}`);
      assert.ok(!text.includes('``'), `two spans touch (Markdown reads one): ${JSON.stringify(text)}`);
      const outside = text.split('`').filter((_, i) => i % 2 === 0).join(' ');
      for (const word of outside.split(/\s+/).filter((w) => w.includes('/'))) {
        const bare = word.replace(/^[([{'"]+/, '').replace(/[.,;:!?)\]}'"]+$/, '');
        assert.ok(occursAligned(groundingText([SOURCE]), bare, false), `path outside backticks: ${word}`);
      }
      ungroundedWithout += ungroundedSpans(decode(null, seed), [SOURCE]).length;
    }
    assert.ok(ungroundedWithout > 0, 'the adversarial logits must produce ungrounded spans without the rule');
  });

  it('writes only citation markers that close on a block it was given, where argmax leaves them broken', () => {
    const sources = [SOURCE, 'util/config.py\nload\ndef load(path):\n    return json.load(open(path))'];
    let brokenWithout = 0;
    let opened = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const rule = new GroundedSpanRule(bundle.tokenizer, sources, bundle.manifest.eos_id);
      const text = decode(rule, seed, 40, /[[\]0-9]/);
      opened += openedMarkers(text) > 0 ? 1 : 0;
      assert.deepEqual(brokenMarkers(text, sources.length), [], `seed ${seed}: ${JSON.stringify(text)}`);
      brokenWithout += brokenMarkers(decode(null, seed, 40, /[[\]0-9]/), sources.length).length;
    }
    assert.ok(opened >= 6, `markers must be exercised: ${opened} of 8 answers opened one`);
    assert.ok(brokenWithout > 0, 'the adversarial logits must produce broken markers without the rule');
  });

  it('continues an open marker with a given block number and closes it, on the last token too', () => {
    const rule = new GroundedSpanRule(bundle.tokenizer, [SOURCE, SOURCE], bundle.manifest.eos_id);
    const logits = new Float32Array(vocabSize(bundle)).fill(0);
    for (const piece of ['7', '`', ' will']) logits[bundle.tokenizer.encode(piece)[0]] = 9;
    logits[bundle.tokenizer.encode('2')[0]] = 5;
    const opened = bundle.tokenizer.encode('It is in [');
    assert.match(bundle.tokenizer.decode([...opened, rule.pick(logits, opened)]), /^It is in \[2/, 'block 7 was not given');
    const numbered = bundle.tokenizer.encode('It is in [1');
    assert.match(bundle.tokenizer.decode([...numbered, rule.pick(logits, numbered, true)]), /^It is in \[1\]/);
    assert.match(bundle.tokenizer.decode([...numbered, rule.pick(logits, numbered, false)]), /^It is in \[1\]/);
    // Inside backticks "[" is code, not a marker.
    const code = bundle.tokenizer.encode('It is `fetch_url');
    const bracket = new Float32Array(vocabSize(bundle)).fill(0);
    bracket[bundle.tokenizer.encode('`')[0]] = 9;
    assert.match(bundle.tokenizer.decode([...code, rule.pick(bracket, code)]), /^It is `fetch_url`/);
  });

  /**
   * Decodes `steps` tokens choosing with `rule` (or plain argmax) from logits that follow `script` while the text so
   * far is a prefix of it (its next pieces favoured, longest first), and from seeded random logits after that.
   */
  function steer(rule: GroundedSpanRule | null, script: string, seed: number, steps = 48): string {
    const vocab = vocabSize(bundle);
    const texts = Array.from({ length: vocab }, (_, id) => bundle.tokenizer.decode([id]));
    let state = seed;
    const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
    const ids: number[] = [];
    for (let step = 0; step < steps; step++) {
      const text = bundle.tokenizer.decode(ids);
      const logits = Float32Array.from({ length: vocab }, () => random() * 4);
      if (script.startsWith(text)) {
        const rest = script.slice(text.length);
        texts.forEach((t, id) => { if (t.length > 0 && rest.startsWith(t)) logits[id] = 10 + t.length; });
      }
      logits[bundle.manifest.eos_id] = -10;
      // The steps left are told as the generator tells them (a marker or span must not be left open at the end).
      ids.push(rule ? rule.pick(logits, ids, step === steps - 1, steps - step - 1) : logits.indexOf(Math.max(...logits)));
    }
    return bundle.tokenizer.decode(ids);
  }

  /** Logits of 0 but for the first token of each piece, at the value given. */
  function favouring(pieces: ReadonlyArray<readonly [string, number]>): Float32Array {
    const logits = new Float32Array(vocabSize(bundle)).fill(0);
    for (const [piece, value] of pieces) logits[bundle.tokenizer.encode(piece)[0]] = value;
    return logits;
  }

  /** `written` and the token `rule` picks after it. */
  function pickAfter(rule: GroundedSpanRule, written: string, logits: Float32Array): string {
    const ids = bundle.tokenizer.encode(written);
    return bundle.tokenizer.decode([...ids, rule.pick(logits, ids)]);
  }

  it('keeps locator claims true: the path of a block that holds the name, and a marker citing that block', () => {
    const sources = ['util/config.py\nload\ndef load(path):\n    return json.load(open(path))', SOURCE];
    const blocks = sources.map((src, i) => {
      const names = new Set(quotableNames([src]));
      return { n: i + 1, path: src.split('\n')[0], has: (x: string) => names.has(x) };
    });
    const script = '`load` in `net/http_client.py` [2]. `fetch_url` is defined in `config.py` [1]. `json.load` in `net/';
    let falseWithout = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const text = steer(new GroundedSpanRule(bundle.tokenizer, sources, bundle.manifest.eos_id), script, seed);
      assert.ok(locatorClaims(text).length > 0, `seed ${seed} made no claim: ${JSON.stringify(text)}`);
      assert.equal(locatorClaimsTrue(text, blocks), 1, `seed ${seed}: ${JSON.stringify(text)}`);
      assert.match(text, /^`load` in `(util\/)?config\.py` ?\[1\]/, `the claim the script began: ${JSON.stringify(text)}`);
      assert.deepEqual(ungroundedSpans(text, sources), []);
      falseWithout += 1 - (locatorClaimsTrue(steer(null, script, seed), blocks) ?? 1);
    }
    assert.ok(falseWithout > 0, 'the script must make false claims without the rule');
  });

  it('closes a locator claim with a marker citing a block in the file named that holds the name', () => {
    const sources = [SOURCE, 'util/config.py\nload\ndef load(path):\n    return json.load(open(path))', 'util/config.py\ndump\ndef dump(x): pass'];
    const rule = new GroundedSpanRule(bundle.tokenizer, sources, bundle.manifest.eos_id);
    const logits = favouring([['1', 9], ['3', 8], ['2', 1]]);
    for (const written of ['`load` in `util/config.py` [', '`load` is defined in `config.py`[']) {
      assert.equal(pickAfter(rule, written, logits), `${written}2`, 'block 2 holds load; 1 is another file, 3 lacks it');
    }
    // A marker that ends no claim may cite any block given.
    assert.equal(pickAfter(rule, 'It reads the configuration [', logits), 'It reads the configuration [1');
    assert.equal(pickAfter(rule, '`load` in `config.py` [2', favouring([[']', 9]])), '`load` in `config.py` [2]');
  });

  it('names the file of the highest-ranked block that holds the name, whatever file the model prefers', () => {
    const sources = ['util/config.py\nload\ndef load(path):\n    return json.load(open(path))', SOURCE, 'io/json_file.py\nread\ndef read(p): return json.load(p)'];
    const rule = new GroundedSpanRule(bundle.tokenizer, sources, bundle.manifest.eos_id);
    const text = pickAfter(rule, '`json.load` in `', favouring([['io', 9], ['util', 1]]));
    assert.ok(text.startsWith('`json.load` in `util'), `blocks 1 and 3 hold json.load: block 1 → ${JSON.stringify(text)}`);
  });

  it("writes a claim's marker right after its path, where the model would go on or stop", () => {
    const rule = new GroundedSpanRule(bundle.tokenizer, [SOURCE], bundle.manifest.eos_id);
    for (const [written, next] of [['`fetch_url` in `net/http_client.py`', ' in'], ['`fetch_url` in `http_client.py` ', '`'], ['`fetch_url` in `http_client.py`', '.']]) {
      const logits = favouring([[next, 9]]);
      logits[bundle.manifest.eos_id] = 8;
      const ids = bundle.tokenizer.encode(written);
      for (let step = 0; step < 4 && !bundle.tokenizer.decode(ids).endsWith(']'); step++) ids.push(rule.pick(logits, ids));
      const text = bundle.tokenizer.decode(ids);
      assert.match(text.slice(written.length), /^ ?\[1\]$/, `${JSON.stringify(written)} → ${JSON.stringify(text)}`);
    }
    // Nor may it stop before the path.
    const stop = favouring([]);
    stop[bundle.manifest.eos_id] = 9;
    for (const written of ['`fetch_url` in', '`fetch_url` in ']) {
      assert.notEqual(rule.pick(stop, bundle.tokenizer.encode(written)), bundle.manifest.eos_id, written);
    }
    // Elsewhere the model may stop or go on as it likes.
    const logits = favouring([]);
    logits[bundle.manifest.eos_id] = 9;
    const done = bundle.tokenizer.encode('`fetch_url` in `http_client.py` [1]');
    assert.equal(rule.pick(logits, done), bundle.manifest.eos_id);
  });

  it("makes an answer's first span a name of the highest-ranked block, later ones a name of any block", () => {
    const sources = ['util/config.py\nload\ndef load(path):\n    return json.load(open(path))', SOURCE];
    const rule = new GroundedSpanRule(bundle.tokenizer, sources, bundle.manifest.eos_id);
    const logits = favouring([['fetch', 9], ['load', 1]]);
    assert.equal(pickAfter(rule, '`', logits), '`load', 'fetch_url is in block 2 only');
    assert.equal(pickAfter(rule, '`load` [1] uses `', logits), '`load` [1] uses `fetch');
  });

  it("leads with a definition of the block, not a value or a call it makes, where the block defines one", () => {
    const source = 'util/config.py\nload\ndef load(path):\n    return None if not path else json.loads(read(path))';
    const rule = new GroundedSpanRule(bundle.tokenizer, [source], bundle.manifest.eos_id);
    const logits = favouring([['None', 9], ['json', 8], ['read', 7], ['util', 6], ['load', 1]]);
    assert.equal(pickAfter(rule, '`', logits), '`load');
    // A block that defines nothing leads with any of its names that is not a literal.
    const bare = new GroundedSpanRule(bundle.tokenizer, ['util/config.py\n\nsettings = read(path)'], bundle.manifest.eos_id);
    assert.equal(pickAfter(bare, '`', logits), '`read');
  });

  it('keeps inheritance claims true: a base the blocks declare for the class, and the verb only for such a class', () => {
    const sources = ['app/models.py\nModel\nclass Model(Base, Mixin):\n    def save(self): return Store()', 'app/store.py\nStore\nclass Store:\n    pass'];
    const rule = new GroundedSpanRule(bundle.tokenizer, sources, bundle.manifest.eos_id);
    const text = pickAfter(rule, '`Model` [1] inherits from `', favouring([['Store', 9], ['Mixin', 2]]));
    assert.equal(text, '`Model` [1] inherits from `Mixin', 'Store is no base of Model');
    // "inherits" of a name no block gives bases for (a method) is refused where the model would write it.
    for (const [written, allowed] of [['`save` [1] in', false], ['`Model` [1] in', true]] as const) {
      const next = pickAfter(rule, written, favouring([['her', 9]]));
      assert.equal(next === `${written}her`, allowed, `${written} → ${JSON.stringify(next)}`);
    }
  });

  it("keeps an answer's words words where the model's next choice after a refused token would be junk", () => {
    const sources = ['app/models.py\nModel\nclass Model(Base, Mixin):\n    def save(self): return Store()'];
    const rule = new GroundedSpanRule(bundle.tokenizer, sources, bundle.manifest.eos_id);
    const eos = bundle.manifest.eos_id;
    const pick = (written: string, pieces: Array<[string, number]>, eosLogit = -Infinity) => {
      const logits = favouring(pieces);
      logits[eos] = eosLogit;
      const ids = bundle.tokenizer.encode(written);
      const id = rule.pick(logits, ids);
      return id === eos ? '<eos>' : bundle.tokenizer.decode([...ids, id]).slice(written.length);
    };
    // The verb of a class without bases is refused from its first letters (" in" + "her"), not at its last, where the
    // shipped bundle went on "inherate"; the locator's path follows instead.
    assert.equal(pick('`save` [1] in', [['her', 9], ['_', 8], [' `', 1]]), ' `');
    assert.equal(pick('`Model` [1] in', [['her', 9], [' `', 1]]), 'her', 'Model declares bases');
    assert.equal(pick('`Model` [1] in', [['oled', 9], ['o', 8], [' `', 1]]), ' `', 'no other word begins "in" after a name');
    assert.equal(pick('`Model` [1] inher', [['ate', 9], ['its', 1]]), 'its', 'the verb, not a word it begins');
    assert.equal(pick('`Model` inherits', [[' [', 9], [' from', 1]]), ' from');
    assert.notEqual(pick('`Model` inherits from', [[' `', 1]], 9), '<eos>', 'nor ends before the base');
    // A locator's " in" goes on to its path, not to a marker, an underscore or the end.
    assert.equal(pick('`save` in', [[' [', 9], ['_', 8], [' `', 1]], 7), ' `');
    assert.equal(pick('`save` in ', [['[', 9], ['`', 1]]), '`');
    // Nothing said yet: neither the end nor a bare marker.
    assert.equal(pick('', [['[', 9], ['`', 1]], 8), '`');
    // Punctuation closes or lists something: no ")" without "(", no marker or end right after ",".
    assert.equal(pick('`save`', [[')', 9], [' [', 1]]), ' [');
    assert.equal(pick('`save`, ', [['[', 9], ['`', 1]], 8), '`');
    assert.equal(pick('`save` [1]', [[' [', 9], ['.', 1]]), '.', 'no marker right after a marker');
    // Outside backticks a word is a word: code is quoted, junk is not written.
    assert.equal(pick('`save` [1] uses', [['_', 9], ['ly', 8], [' `', 1]]), 'ly');
    assert.equal(pick('`save` [1] usesly', [['Used', 9], [' `', 1]]), ' `');
  });

  it('keeps call and return claims true: an object the blocks give the name, and the verb only where there is one', () => {
    const sources = ['app/models.py\nModel.save\nclass Model(Base):\n    def save(self):\n        self.validate()\n        return Store()',
      'app/store.py\nStore\nclass Store:\n    pass'];
    const rule = new GroundedSpanRule(bundle.tokenizer, sources, bundle.manifest.eos_id);
    const eos = bundle.manifest.eos_id;
    const pick = (written: string, pieces: Array<[string, number]>, eosLogit = -Infinity, left = Infinity) => {
      const logits = favouring(pieces);
      logits[eos] = eosLogit;
      const ids = bundle.tokenizer.encode(written);
      const id = rule.pick(logits, ids, left === 0, left);
      return id === eos ? '<eos>' : bundle.tokenizer.decode([...ids, id]).slice(written.length);
    };
    // The object: what a block that defines the name calls or returns, not any name of the blocks.
    assert.ok(pick('`save` [1] calls `', [['Model', 9], ['Base', 8], ['validate', 2]]).startsWith('v'), 'save does not call Model');
    assert.ok(pick('`save` returns `', [['self', 9], ['Store', 2]]).startsWith('S'), 'returns Store(), not self…');
    // The verb: held to " calls " / " returns " once begun, refused for a name no block gives calls for.
    assert.equal(pick('`save` [1] cal', [['led', 9], ['ls', 1]]), 'ls');
    assert.equal(pick('`save` [1] calls', [[' [', 9], ['.', 8], [' `', 1]], 7), ' `', 'no marker, full stop or end before the object');
    assert.equal(pick('`Store` [2]', [[' calls', 9], [' in', 1]]), ' in', 'Store calls nothing');
    assert.equal(pick('`save` [1]', [[' calls', 9], [' in', 1]]), ' calls');
    // Not begun where the tokens left cannot hold an object: the answer would end "… calls".
    assert.equal(pick('`save` [1]', [[' calls', 9], ['.', 1]], -Infinity, 1), '.');
  });

  it('begins a locator claim only where the tokens left can hold its path and marker', () => {
    const rule = new GroundedSpanRule(bundle.tokenizer, [SOURCE], bundle.manifest.eos_id);
    const ids = bundle.tokenizer.encode('`fetch_url`');
    const logits = favouring([[' in', 9], [' [', 5]]);
    const after = (left: number) => bundle.tokenizer.decode([...ids, rule.pick(logits, ids, left === 0, left)]);
    const needed = bundle.tokenizer.count('net/http_client.py`') + 4;
    assert.equal(after(needed), '`fetch_url` in');
    assert.equal(after(needed - 1), '`fetch_url` [', 'the claim would be cut off by the length limit');
    assert.equal(bundle.tokenizer.decode([...ids, rule.pick(logits, ids)]), '`fetch_url` in', 'no limit told: no limit');
  });

  it("writes a locator claim's whole path in few tokens, whatever letters the model favours, and lets it repeat", () => {
    const rule = new GroundedSpanRule(bundle.tokenizer, [SOURCE], bundle.manifest.eos_id);
    const vocab = vocabSize(bundle);
    const logits = new Float32Array(vocab).fill(0);
    for (let id = 0; id < vocab; id++) if (bundle.tokenizer.decode([id]).length === 1) logits[id] = 9;
    const written = '`fetch_url` in `net/http_client.py` [1]; `urllib.request` in `';
    const ids = bundle.tokenizer.encode(written);
    let steps = 0;
    while (!bundle.tokenizer.decode(ids).slice(written.length).includes('`') && steps < 40) { ids.push(rule.pick(logits, ids)); steps++; }
    assert.equal(bundle.tokenizer.decode(ids).slice(written.length), 'net/http_client.py`', 'the whole path, quoted again');
    assert.ok(steps < 'net/http_client.py`'.length / 2, `${steps} steps for 19 characters`);
  });

  it('where the model would close a span that is not a name yet, finishes the nearest name, not the likeliest long one', () => {
    const source = 'a.py\n\ndef _process_docstring(app, what):\n    return _process_docstrings_of_every_member(app)';
    const rule = new GroundedSpanRule(bundle.tokenizer, [source], bundle.manifest.eos_id);
    assert.equal(pickAfter(rule, '`_process_doc', favouring([['`', 9], ['s', 6], ['string', 1]])), '`_process_docstring');
    // Where the model does not want to close, the likeliest continuation stands.
    assert.equal(pickAfter(rule, '`_process_doc', favouring([['s', 6], ['string', 1]])), '`_process_docs');
  });

  it('changes nothing while the most likely token is grounded', () => {
    const rule = new GroundedSpanRule(bundle.tokenizer, [SOURCE], bundle.manifest.eos_id);
    const ids = bundle.tokenizer.encode('`fetch_url` is in `net/');
    const next = bundle.tokenizer.encode('http')[0];
    const logits = new Float32Array(vocabSize(bundle)).fill(0);
    logits[next] = 5;
    assert.equal(rule.pick(logits, ids), next);
    const bad = bundle.tokenizer.encode('tk')[0];
    logits[bad] = 9;
    assert.notEqual(rule.pick(logits, ids), bad, '"net/tk" is no piece of the source');
  });

  it('at a dead end (a span whose only occurrence ends the text, already quoted) closes it rather than leave the text', () => {
    const source = 'util/x.py\nnothing here but the end: foo_bar';
    const rule = new GroundedSpanRule(bundle.tokenizer, [source], bundle.manifest.eos_id);
    const ids = bundle.tokenizer.encode('`foo_bar` and `foo_bar');
    const logits = new Float32Array(vocabSize(bundle)).fill(0);
    for (const piece of ['baz', 'qux', '_x']) logits[bundle.tokenizer.encode(piece)[0]] = 9;
    const next = rule.pick(logits, ids);
    const text = bundle.tokenizer.decode([...ids, next]);
    assert.ok(text.startsWith('`foo_bar` and `foo_bar`'), JSON.stringify(text));
    assert.deepEqual(ungroundedSpans(text, [source]), []);
  });

  it('on the last token of the length limit, closes an open span instead of leaving it open', () => {
    const rule = new GroundedSpanRule(bundle.tokenizer, [SOURCE], bundle.manifest.eos_id);
    const ids = bundle.tokenizer.encode('It is `fetch_url');
    const logits = new Float32Array(vocabSize(bundle)).fill(0);
    logits[bundle.tokenizer.encode('(')[0]] = 9; // "fetch_url(" continues a name, but nothing would follow it
    assert.equal(bundle.tokenizer.decode([rule.pick(logits, ids, false)]), '(');
    const text = bundle.tokenizer.decode([...ids, rule.pick(logits, ids, true)]);
    assert.ok(text.startsWith('It is `fetch_url`'), JSON.stringify(text));
  });

  it('answers from the real bundle quote only what the given chunks hold', async () => {
    const store = await ExactMemoryReader.build(bundle, SAMPLE_DOCS);
    const generating = new Proxy(bundle, {
      get: (target, prop, receiver) => prop === 'manifest'
        ? { ...target.manifest, retrieval: { ...target.manifest.retrieval, abstain_below: -2 } }
        : Reflect.get(target, prop, receiver),
    });
    const codeOf = (path: string) => SAMPLE_DOCS.find((d) => d.path === path)!.code;
    for (const question of ['What does add_numbers return?', 'Where is the stack push defined?', 'Which file reads a JSON configuration?']) {
      const result = await answerQuestion(generating, store, question, { topK: 3, lexicalFusion: true, chunkText: (hit) => codeOf(hit.path) });
      const given = result.retrieved.slice(0, bundle.manifest.generator.max_blocks);
      const sources = given.map((h) => blockSource(h, codeOf(h.path)));
      assert.deepEqual(ungroundedSpans(result.answer, sources), [], `${question} → ${result.answer}`);
    }
  });
});

/** The "[" written outside backticks (each opens a citation marker). */
function openedMarkers(text: string): number {
  return text.split('`').filter((_, i) => i % 2 === 0).join('').split('[').length - 1;
}

/** Each "[…" outside backticks that is not a closed marker citing one of blocks 1..`blocks`. */
function brokenMarkers(text: string, blocks: number): string[] {
  const outside = text.split('`').filter((_, i) => i % 2 === 0);
  return outside.flatMap((part) => [...part.matchAll(/\[[^[]{0,4}/g)].map((m) => m[0]))
    .filter((m) => { const n = /^\[(\d+)\]/.exec(m); return !n || Number(n[1]) < 1 || Number(n[1]) > blocks; });
}

/** The number of token ids of the bundle's tokenizer (its vocabulary and added tokens). */
function vocabSize(bundle: ModelBundle): number {
  const json = JSON.parse(readFileSync(join(bundle.dir, 'tokenizer.json'), 'utf8')) as {
    model: { vocab: Record<string, number> }; added_tokens?: Array<{ id: number }>;
  };
  return 1 + Math.max(...Object.values(json.model.vocab), ...(json.added_tokens ?? []).map((t) => t.id));
}
