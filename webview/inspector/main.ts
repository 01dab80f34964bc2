/**
 * Retrieval inspector webview: the last question's retrieved memories (rank, score bars, cited marks, path:lines,
 * symbol, source preview from disk with a stale mark) and the index state with progress and pause/resume.
 */
import './inspector.css';
import type { IndexProgress, IndexState } from '../../extension/engine/engine-api';
import {
  isHostToInspector, type AnswerDecision, type HostToInspector, type InspectorHit, type InspectorToHost,
} from '../../extension/shared/webview-protocol';
import { h, icon, lines } from '../dom';
import { onHostMessage, webviewApi } from '../vscode-api';

interface InspectorState {
  question: string | null;
  hits: InspectorHit[];
  decision?: AnswerDecision;
}

const api = webviewApi<InspectorToHost, InspectorState>();
const view: InspectorState = api.getState() ?? { question: null, hits: [] };
let indexState: IndexState | null = null;
let note: string | undefined;
let progress: IndexProgress | undefined;

const stateEl = h('section', { class: 'index-state', 'aria-label': 'Index state' });
const retrievalEl = h('section', { class: 'retrieval', 'aria-label': 'Retrieved memories' });

function button(id: string, codicon: string, label: string, message: InspectorToHost): HTMLButtonElement {
  const b = h('button', { id, class: 'secondary', type: 'button', title: label }, icon(codicon), ` ${label}`);
  b.addEventListener('click', () => api.post(message));
  return b;
}

const pauseButton = button('pause', 'debug-pause', 'Pause', { type: 'pause' });
const resumeButton = button('resume', 'debug-continue', 'Resume', { type: 'resume' });
const reindexButton = button('reindex', 'refresh', 'Reindex', { type: 'reindex' });

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

function row(label: string, value: string, id?: string): HTMLElement[] {
  return [h('dt', {}, label), h('dd', id ? { 'data-field': id } : {}, value)];
}

function renderState(): void {
  const p = progress ?? indexState?.progress;
  const active = p?.phase === 'scanning' || p?.phase === 'indexing';
  pauseButton.disabled = !active;
  resumeButton.disabled = p?.phase !== 'paused';
  reindexButton.disabled = note !== undefined || active;
  const children: (Node | null)[] = [h('h2', {}, icon('database'), ' Index')];
  if (note) children.push(h('div', { class: 'banner', role: 'status' }, note));
  if (p) {
    const bar = h('div', { class: 'progress-bar', role: 'progressbar', 'aria-valuemin': '0',
      'aria-valuemax': String(p.filesTotal), 'aria-valuenow': String(p.filesDone) }, h('div', { class: 'fill' }));
    const fraction = p.filesTotal > 0 ? p.filesDone / p.filesTotal : p.phase === 'done' ? 1 : 0;
    (bar.firstElementChild as HTMLElement).style.width = `${Math.round(fraction * 100)}%`; // CSSOM, allowed by the CSP
    children.push(h('div', { class: `progress phase-${p.phase}` },
      h('div', { class: 'progress-line' },
        h('span', { class: 'phase' }, p.phase), h('span', { class: 'spacer' }),
        h('span', { class: 'count' }, `${p.filesDone} / ${p.filesTotal} files · ${p.chunksDone} chunks`)),
      bar,
      p.message ? h('div', { class: `progress-message ${p.phase === 'error' ? 'error' : 'muted'}` }, p.message) : null));
  }
  children.push(h('div', { class: 'buttons' }, pauseButton, resumeButton, reindexButton));
  const s = indexState;
  if (s) {
    children.push(h('dl', {},
      ...row('Files', s.files.toLocaleString('en-US'), 'files'),
      ...row('Chunks', s.chunks.toLocaleString('en-US'), 'chunks'),
      ...row('Memory tokens', s.memoryTokens.toLocaleString('en-US'), 'memoryTokens'),
      ...row('Bytes on disk', formatBytes(s.bytesOnDisk), 'bytesOnDisk'),
      ...row('Compression', `${s.compressionRate}×`, 'compressionRate'),
      ...row('Model', `${s.model.name} ${s.model.version} (${s.model.config})`, 'model'),
      ...row('Execution provider', s.model.executionProvider, 'executionProvider'),
      ...row('Last update', s.lastUpdate ? new Date(s.lastUpdate).toLocaleString() : 'never', 'lastUpdate'),
    ));
    if (s.skipped.length > 0) {
      children.push(h('details', { class: 'skipped' }, h('summary', {}, `Skipped files (${s.skipped.length})`),
        h('ul', {}, ...s.skipped.map((f) => h('li', {}, h('span', { class: 'path' }, f.path), h('span', { class: 'muted' }, ` — ${f.reason}`))))));
    }
  } else if (!note) {
    children.push(h('p', { class: 'muted' }, 'The engine has not reported its index yet.'));
  }
  stateEl.replaceChildren(...children.filter((c): c is Node => c !== null));
}

/**
 * `scale` maps a score onto the bar: cosine scores use [0, 1] as they are (a negative cosine shows an empty bar); BM25
 * lexical scores are unbounded and fused (reciprocal-rank) scores are tiny (at most 2/61), so their bars are relative to
 * the best such score of the question.
 */
function scoreBar(label: string, value: number, cls: string, scale = 1, note = ''): HTMLElement {
  const fill = h('div', { class: 'fill' });
  fill.style.width = `${Math.round(Math.max(0, Math.min(1, value / scale)) * 100)}%`; // CSSOM, allowed by the CSP
  return h('div', { class: `score ${cls}`, title: `${label}: ${value.toFixed(4)}${note}` },
    h('span', { class: 'label' }, label), h('div', { class: 'bar' }, fill), h('span', { class: 'value' }, value.toFixed(3)));
}

function renderHit(hit: InspectorHit, bestLexical: number, fusedScale: number): HTMLElement {
  const open = h('button', { type: 'button', class: 'open path', title: `Open ${hit.path}:${lines(hit.startLine, hit.endLine)}` },
    `${hit.path}:${lines(hit.startLine, hit.endLine)}`);
  open.addEventListener('click', () => api.post({ type: 'open', target: { path: hit.path, startLine: hit.startLine, endLine: hit.endLine } }));
  const lexical = hit.lexicalScore;
  const scores = [fusedScale === 1
    ? scoreBar('score', hit.score, 'fused')
    : scoreBar('score', hit.score, 'fused', fusedScale, ' (reciprocal-rank fusion; bar relative to the best fused score)')];
  if (lexical !== undefined) {
    scores.push(scoreBar('memory', hit.memoryScore, 'memory'),
      scoreBar('lexical', lexical, 'lexical', bestLexical > 1 ? bestLexical : 1, bestLexical > 1 ? ' (bar relative to the best lexical score)' : ''));
  }
  let preview: HTMLElement;
  if (hit.preview.kind === 'lines') {
    const pv = hit.preview;
    const code = h('pre', { class: 'preview' }, ...pv.lines.map((text, i) =>
      h('div', { class: 'line' }, h('span', { class: 'ln' }, String(pv.startLine + i)), h('span', { class: 'src' }, text))));
    preview = h('details', { class: 'preview-block' }, h('summary', {}, 'Source (read from disk now)',
      pv.stale ? h('span', { class: 'stale', title: 'The file changed since this memory was made; the lines below are today\'s.' }, icon('warning'), ' stale') : null),
    code, pv.truncated ? h('div', { class: 'muted' }, '… more lines in the file') : null);
  } else {
    preview = h('div', { class: 'preview-unavailable muted' }, icon('warning'), ` ${hit.preview.reason}`);
  }
  return h('li', { class: `hit${hit.used ? ' used' : ''}${hit.preview.kind === 'lines' && hit.preview.stale ? ' is-stale' : ''}`, 'data-rank': String(hit.rank) },
    h('div', { class: 'hit-head' },
      h('span', { class: 'rank' }, `#${hit.rank}`),
      hit.used ? h('span', { class: 'cited-mark', title: 'Cited by the generator in its answer' }, icon('check'), ' cited') : null,
      open,
      hit.symbol ? h('span', { class: 'symbol' }, icon('symbol-method'), hit.symbol) : null),
    h('div', { class: 'scores' }, ...scores),
    preview);
}

/** Why the answer was or was not generated from these memories: the two cases decided under the memory threshold. */
function renderDecision(d: AnswerDecision | undefined): HTMLElement | null {
  if (d?.abstained) {
    return h('p', { class: 'decision abstained' }, icon('question'),
      ' Not answered: every memory scored under the model\'s threshold, and no source holds a name the question gives.');
  }
  if (d && d.foundByName.length > 0) {
    return h('p', { class: 'decision found-by-name' }, icon('symbol-key'),
      ` Answered under the memory threshold: the sources hold ${d.foundByName.slice(0, 3).join(', ')}.`);
  }
  return null;
}

function renderRetrieval(): void {
  const head = h('h2', {}, icon('search'), ' Last question');
  if (view.question === null) {
    retrievalEl.replaceChildren(head, h('p', { class: 'muted' }, 'Ask a question (CLaRa: Ask About Codebase) to see what was retrieved.'));
    return;
  }
  const bestLexical = Math.max(0, ...view.hits.map((hit) => hit.lexicalScore ?? 0));
  // With lexical fusion every score is a reciprocal-rank score, also for hits the lexical index did not find.
  const fusion = view.hits.some((hit) => hit.lexicalScore !== undefined);
  const bestFused = Math.max(0, ...view.hits.map((hit) => hit.score));
  const fusedScale = fusion && bestFused > 0 ? bestFused : 1;
  const decision = renderDecision(view.decision);
  retrievalEl.replaceChildren(head, h('p', { class: 'question' }, view.question), ...(decision ? [decision] : []),
    view.hits.length ? h('ol', { class: 'hits' }, ...view.hits.map((hit) => renderHit(hit, bestLexical, fusedScale))) : h('p', { class: 'muted' }, 'Nothing was retrieved.'));
}

function onMessage(m: HostToInspector): void {
  switch (m.type) {
    case 'retrieval':
      view.question = m.question;
      view.hits = m.hits;
      if (m.decision) view.decision = m.decision;
      else delete view.decision;
      api.setState(view);
      renderRetrieval();
      return;
    case 'indexState':
      indexState = m.state;
      note = m.note;
      progress = m.state?.progress;
      renderState();
      return;
    case 'progress':
      progress = m.progress;
      renderState();
      return;
  }
}

document.getElementById('app')!.append(retrievalEl, stateEl);
renderState();
renderRetrieval();
onHostMessage(isHostToInspector, onMessage);
api.post({ type: 'ready' });
