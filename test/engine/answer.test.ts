/**
 * Answering on the real bundle: generation from real memories, citation markers, abstention, abort, bad questions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { answerQuestion } from '../../extension/engine/answer/answer-question';
import { CitationMarkerFilter, filterCitationMarkers } from '../../extension/engine/answer/citation-markers';
import { checkQuestion } from '../../extension/engine/answer/question-check';
import { QuotedSpanFilter } from '../../extension/engine/answer/quoted-span-filter';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { ExactMemoryReader, SAMPLE_DOCS } from './exact-memory-reader';

/** The same loaded bundle with another abstention threshold (the only way to force either path on any model). */
function withThreshold(bundle: ModelBundle, abstainBelow: number): ModelBundle {
  return new Proxy(bundle, {
    get(target, prop, receiver) {
      if (prop === 'manifest') return { ...target.manifest, retrieval: { ...target.manifest.retrieval, abstain_below: abstainBelow } };
      return Reflect.get(target, prop, receiver);
    },
  });
}

describe('citation markers', () => {
  it('keeps markers of given blocks, drops the others, records first mentions in order', () => {
    const r = filterCitationMarkers('Uses a stack [2] and [7] then [1], again [2]. Arrays [0] and a[i] and [x].', 3);
    assert.equal(r.text, 'Uses a stack [2] and  then [1], again [2]. Arrays  and a[i] and [x].');
    assert.deepEqual(r.cited, [2, 1]);
  });

  it('leaves code in backticks alone: "[1]" inside a quoted name is an index, not a citation', () => {
    const r = filterCitationMarkers('`args[1]` and `x[9]` [2], then [`[3]` [1]', 3);
    assert.equal(r.text, '`args[1]` and `x[9]` [2], then [`[3]` [1]');
    assert.deepEqual(r.cited, [2, 1]);
    const f = new CitationMarkerFilter(3);
    const streamed = [...'`a[1]` [3]'].map((ch) => f.push(ch)).join('') + f.flush();
    assert.equal(streamed, '`a[1]` [3]');
    assert.deepEqual([...f.citedBlocks], [3]);
  });

  it('gives the same text when the answer arrives in pieces that split markers', () => {
    const whole = 'see [1] and [12] and [3][2]x [';
    const f = new CitationMarkerFilter(3);
    const streamed = [...whole].map((ch) => f.push(ch)).join('') + f.flush();
    assert.equal(streamed, filterCitationMarkers(whole, 3).text);
    assert.equal(streamed, 'see [1] and  and [3][2]x [');
    assert.deepEqual([...f.citedBlocks], [1, 3, 2]);
  });

  it('drops a marker the generator opened and never closed, mid-answer or at its end, and cites nothing for it', () => {
    for (const [whole, want] of [
      ['`Flask` in `_context_stack` [1`will` in', '`Flask` in `_context_stack` `will` in'],
      ['`bool` [1', '`bool` '],
      ['see [2 and [1]; a [x] and a lone [', 'see  and [1]; a [x] and a lone ['],
    ]) {
      const f = new CitationMarkerFilter(3);
      const streamed = [...whole].map((ch) => f.push(ch)).join('') + f.flush();
      assert.equal(streamed, want);
      assert.equal(filterCitationMarkers(whole, 3).text, want);
    }
    assert.deepEqual(filterCitationMarkers('`bool` [1', 3).cited, []);
    assert.deepEqual(filterCitationMarkers('see [2 and [1]', 3).cited, [1]);
  });
});

describe('quoted span filter', () => {
  it('shows a backticked span only once it closes, and drops one the answer never closed', () => {
    const whole = '`fetch_url` in `net/http_client.py` [1], see `fetch_u';
    const f = new QuotedSpanFilter();
    const deltas = [...whole].map((ch) => f.push(ch));
    assert.equal(deltas.slice(0, 10).join(''), '', 'nothing of the first name before its closing tick');
    assert.equal(deltas[10], '`fetch_url`');
    assert.equal(deltas.join('') + f.flush(), '`fetch_url` in `net/http_client.py` [1], see ');
  });
});

describe('checkQuestion', () => {
  it('refuses empty, whitespace-only and control-character-only questions with a clear message', () => {
    for (const q of ['', '   ', '\n\t  \r\n', '\u0000\u0007\u001b', ' \u0001 ']) {
      assert.throws(() => checkQuestion(q), /question is empty/);
    }
    assert.equal(checkQuestion('  what does\u0007 add do?\n'), 'what does add do?');
  });
});

describe('answerQuestion', () => {
  let bundle: ModelBundle;
  let store: ExactMemoryReader;

  before(async () => {
    bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' });
    store = await ExactMemoryReader.build(bundle, SAMPLE_DOCS);
  });
  after(async () => { await bundle?.close(); });

  it('generates from the top memories, streams exactly the answer, and cites only given blocks', async () => {
    const generating = withThreshold(bundle, -2);
    let streamed = '';
    const result = await answerQuestion(generating, store, 'How does the stack push an item?', {
      topK: 3, lexicalFusion: false, onToken: (t) => { streamed += t; },
    });
    assert.equal(result.abstained, false);
    assert.deepEqual(result.foundByName, [], 'over the threshold the names are not what decided');
    assert.equal(result.answer, streamed.trim());
    assert.equal(result.retrieved.length, 3);
    assert.ok(result.timings.tokens > 0);
    assert.ok(result.citations.length > 0, 'every answer lists its sources');
    const given = result.retrieved.slice(0, bundle.manifest.generator.max_blocks);
    for (const c of result.citations) {
      assert.ok(c.n >= 1 && c.n <= given.length);
      assert.equal(c.path, given[c.n - 1].path);
    }
    for (const m of result.answer.matchAll(/\[(\d+)\]/g)) {
      assert.ok(Number(m[1]) >= 1 && Number(m[1]) <= given.length, `marker ${m[0]} points at no block`);
    }
    assert.equal(result.model.name, bundle.manifest.name);
    assert.equal(result.model.executionProvider, 'cpu');
  });

  it('abstains below the threshold: no generation, says not found, lists the nearest memories', async () => {
    const strict = withThreshold(bundle, 1.5);
    const result = await answerQuestion(strict, store, 'How is a JSON config file read?', { topK: 3, lexicalFusion: true });
    assert.equal(result.abstained, true);
    assert.equal(result.timings.tokens, 0);
    assert.match(result.answer, /not found/);
    assert.equal(result.citations.length, 3);
    for (const c of result.citations) assert.ok(result.answer.includes(`${c.path}:${c.startLine}-${c.endLine}`));
  });

  it('goes on under the threshold when a block it reads has a name the question gives; a question in words abstains', async () => {
    const strict = withThreshold(bundle, 1.5);
    const chunkText = (hit: { path: string }) => SAMPLE_DOCS.find((d) => d.path === hit.path)!.code;
    const named = await answerQuestion(strict, store, 'What does `is_weekend` return?', { topK: 3, lexicalFusion: true, chunkText });
    assert.equal(named.abstained, false, 'is_weekend is in a block the generator reads');
    assert.deepEqual(named.foundByName, ['is_weekend']);
    assert.ok(named.timings.tokens > 0);
    assert.ok(named.retrieved.slice(0, bundle.manifest.generator.max_blocks).some((h) => h.path === 'dates/weekday.py'));
    const words = await answerQuestion(strict, store, 'Which function checks for Saturday or Sunday?', { topK: 3, lexicalFusion: true, chunkText });
    assert.equal(words.abstained, true);
    assert.doesNotMatch(words.answer, /names it gives/);
    const absent = await answerQuestion(strict, store, 'What does `parse_header_value` return?', { topK: 3, lexicalFusion: true, chunkText });
    assert.equal(absent.abstained, true);
    assert.equal(absent.timings.tokens, 0);
    assert.deepEqual(absent.foundByName, []);
    assert.match(absent.answer, /None of the names it gives \(`parse_header_value`\) is in the nearest chunks/);
    // Without the chunks' text the name cannot be looked for: the memory score alone decides.
    const unread = await answerQuestion(strict, store, 'What does `is_weekend` return?', { topK: 3, lexicalFusion: true });
    assert.equal(unread.abstained, true);
  });

  it('uses the bundle threshold as shipped: abstains exactly when the best memory score is under it', async () => {
    const result = await answerQuestion(bundle, store, 'Which function checks for Saturday or Sunday?', { topK: 3, lexicalFusion: false });
    const best = Math.max(...result.retrieved.map((h) => h.memoryScore));
    assert.equal(result.abstained, best < bundle.manifest.retrieval.abstain_below);
  });

  it('stops generating when the signal aborts, and streams nothing after that', async () => {
    const generating = withThreshold(bundle, -2);
    const controller = new AbortController();
    let deltasAfterAbort = 0;
    const result = await answerQuestion(generating, store, 'How is a web page downloaded?', {
      topK: 2, lexicalFusion: false, signal: controller.signal,
      onToken: () => { if (controller.signal.aborted) deltasAfterAbort++; else controller.abort(); },
    });
    assert.ok(controller.signal.aborted, 'the answer streamed at least one delta before the abort');
    // Held-back text (a partial marker or character) may still be flushed once; nothing is generated after the abort.
    assert.ok(deltasAfterAbort <= 1, `${deltasAfterAbort} deltas after abort`);
    assert.ok(result.timings.tokens < bundle.manifest.generator.max_new_tokens, `${result.timings.tokens} tokens`);
  });

  it('refuses an empty question and accepts a very long one (cut by the tokenizer, not rejected)', async () => {
    await assert.rejects(answerQuestion(bundle, store, ' \u0000 ', { topK: 3, lexicalFusion: false }), /question is empty/);
    const long = 'how does the stack push and pop items '.repeat(400);
    const result = await answerQuestion(withThreshold(bundle, -2), store, long, { topK: 2, lexicalFusion: true });
    assert.equal(result.retrieved.length, 2);
    assert.equal(result.abstained, false);
  });
});
