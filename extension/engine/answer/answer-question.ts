/**
 * Answering: retrieve → the top memories in rank order → the generator (streamed, abortable) → citation markers
 * mapped to the blocks it read. Abstains without generating when the best memory score is under
 * manifest.retrieval.abstain_below and no block it would read contains a name the question gives (abstention.ts).
 * Given the chunks' source (options.chunkText), decoding keeps every backticked span of the answer a piece of the
 * chunks it read (grounded-spans.ts) unless options.groundedDecoding is false.
 */
import type { AnswerResult, AskOptions, Citation, SearchHit } from '../engine-api';
import type { MemoryReader, ModelBundle } from '../engine-parts';
import { retrievalQuestion } from '../retrieval/question-cut';
import { retrieve } from '../retrieval/retrieve';
import { abstainedAnswer, bestMemoryScore, namedCodeMatch, toCitation } from './abstention';
import { CitationMarkerFilter } from './citation-markers';
import { GroundedSpanRule } from './grounded-spans';
import { QuotedSpanFilter } from './quoted-span-filter';
import { checkQuestion } from './question-check';

export async function answerQuestion(
  bundle: ModelBundle,
  store: MemoryReader,
  question: string,
  options: AskOptions & {
    topK: number;
    lexicalFusion: boolean;
    /** The chunks' text as indexed: where abstention looks for the names a question gives, and what grounds decoding. */
    chunkText?: (hit: SearchHit) => string;
    /** Keep backticked spans pieces of the chunks read (default true; needs chunkText). */
    groundedDecoding?: boolean;
  },
): Promise<AnswerResult> {
  const started = performance.now();
  const checked = checkQuestion(question);
  // The prompt reads the question as the query encoder does; names are looked for where the lexical index looks.
  const read = retrievalQuestion(bundle.tokenizer, checked, bundle.manifest.query_max_tokens);
  const { manifest } = bundle;
  const model = { name: manifest.name, version: manifest.version, config: manifest.config, executionProvider: bundle.executionProvider };

  const retrieved = await retrieve(bundle, store, checked, { topK: options.topK, lexicalFusion: options.lexicalFusion });
  const retrievalMs = performance.now() - started;
  // The generator reads at most max_blocks memories, in rank order; [n] refers to the n-th of them.
  const given = retrieved.slice(0, manifest.generator.max_blocks);
  // Under the threshold, a block that holds a name the question gives is still the code asked about.
  const named = bestMemoryScore(retrieved) < manifest.retrieval.abstain_below
    ? namedCodeMatch(read.forLexical, given, options.chunkText)
    : null;
  if (named && named.found.length === 0) {
    const { answer, citations } = abstainedAnswer(retrieved, manifest.retrieval.abstain_below, named.names);
    options.onToken?.(answer);
    const totalMs = performance.now() - started;
    return {
      answer, citations, retrieved, abstained: true, foundByName: [], model,
      timings: { retrievalMs, firstTokenMs: 0, generationMs: 0, totalMs, tokens: 0 },
    };
  }

  const memories = await store.memories(given.map((h) => h.chunkId));
  const markers = new CitationMarkerFilter(given.length);
  const spans = new QuotedSpanFilter();
  let shownText = '';
  const show = (text: string) => {
    if (!text) return;
    shownText += text;
    options.onToken?.(text);
  };
  const generationStart = performance.now();
  const rule = options.chunkText && options.groundedDecoding !== false
    ? GroundedSpanRule.forBlocks(bundle.tokenizer, given, options.chunkText, manifest.eos_id)
    : undefined;
  const generated = await bundle.generator.generate(memories, read.forMemory, {
    signal: options.signal,
    rule,
    onToken: (delta) => show(spans.push(markers.push(delta))),
  });
  show(spans.push(markers.flush()) + spans.flush());
  const generationMs = performance.now() - generationStart;
  // The answer is the streamed text (trimmed), so what the user saw and what is returned cannot disagree.
  const answer = shownText.trim();
  const citations = citationsFor(markers.citedBlocks, given);
  const totalMs = performance.now() - started;
  return {
    answer, citations, retrieved, abstained: false, foundByName: named?.found ?? [], model,
    timings: { retrievalMs, firstTokenMs: generationStart - started + generated.firstTokenMs, generationMs, totalMs, tokens: generated.tokens },
  };
}

/**
 * The cited blocks in order of first mention. An answer without any valid marker still came from the blocks it read,
 * so then every block given to the generator is listed as a source (every answer shows its sources).
 */
function citationsFor(cited: readonly number[], given: SearchHit[]): Citation[] {
  const ns = cited.length > 0 ? cited : given.map((_, i) => i + 1);
  return ns.map((n) => toCitation(given[n - 1], n));
}
