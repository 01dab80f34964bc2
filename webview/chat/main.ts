/**
 * Chat panel webview: question box, streamed markdown answers with citation chips, sources, stop, copy, and the
 * session's history kept in the webview state (getState/setState) so it survives the panel being hidden.
 */
import './chat.css';
import { isHostToChat, MAX_TEXT_LENGTH, type ChatSource, type ChatToHost, type HostToChat } from '../../extension/shared/webview-protocol';
import { h, icon, iconButton, lines } from '../dom';
import { onHostMessage, webviewApi } from '../vscode-api';
import { renderAnswer } from './markdown';

interface Turn {
  askId: number;
  question: string;
  answer: string;
  sources: ChatSource[];
  status: 'streaming' | 'done' | 'stopped' | 'error';
  error?: string;
  abstained?: boolean;
  foundByName?: string[];
  totalMs?: number;
}

interface ChatState {
  turns: Turn[];
  draft: string;
}

const api = webviewApi<ChatToHost, ChatState>();
const state: ChatState = api.getState() ?? { turns: [], draft: '' };
let canAsk = true;
let unavailableReason = '';

const banner = h('div', { class: 'banner', role: 'status', hidden: '' });
/** Says when a pasted question was longer than a message may carry, and what was sent instead. */
const notice = h('div', { class: 'notice', role: 'status', hidden: '' });
const turnsEl = h('main', { class: 'turns', 'aria-live': 'polite' });
const input = h('textarea', { id: 'question', rows: '3', placeholder: 'Ask about this codebase…  (Enter to ask, Shift+Enter for a new line)', 'aria-label': 'Question' });
const askButton = h('button', { class: 'primary', id: 'ask', type: 'button' }, icon('send'), ' Ask');
const stopButton = h('button', { class: 'secondary', id: 'stop', type: 'button', hidden: '' }, icon('debug-stop'), ' Stop');
const empty = h('div', { class: 'empty' }, icon('comment-discussion'),
  h('p', {}, 'Ask a question about the code in this workspace. Answers cite the lines they come from; click a citation to open it.'));

function mount(): void {
  const header = h('header', {},
    h('span', { class: 'title' }, icon('hubot'), ' CLaRa'),
    h('span', { class: 'spacer' }),
    iconButton('search', 'Show retrieval inspector', () => api.post({ type: 'showInspector' }), 'show-inspector'),
    iconButton('clear-all', 'Clear history', () => { state.turns = []; save(); renderTurns(); }, 'clear-history'),
  );
  const footer = h('footer', {}, notice, input, h('div', { class: 'actions' }, stopButton, askButton));
  document.getElementById('app')!.append(header, banner, turnsEl, footer);
  input.value = state.draft;
  input.addEventListener('input', () => { state.draft = input.value; save(); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); ask(); }
  });
  askButton.addEventListener('click', ask);
  stopButton.addEventListener('click', () => api.post({ type: 'stop' }));
  turnsEl.addEventListener('click', onTurnsClick);
}

function save(): void {
  api.setState(state);
}

/**
 * The question as sent: a paste longer than a message may carry (MAX_TEXT_LENGTH) is cut to its beginning, as the
 * engine cuts long questions anyway, instead of being refused at the host and lost; the notice says so.
 */
function questionToSend(text: string): string {
  if (text.length <= MAX_TEXT_LENGTH) {
    notice.hidden = true;
    return text;
  }
  notice.hidden = false;
  notice.textContent = `The question was ${text.length.toLocaleString('en-US')} characters long; its first `
    + `${MAX_TEXT_LENGTH.toLocaleString('en-US')} were sent (retrieval reads about the first 512 tokens of a question).`;
  return text.slice(0, MAX_TEXT_LENGTH).replace(/[\uD800-\uDBFF]$/, ''); // no half of a surrogate pair at the cut
}

function ask(): void {
  const typed = input.value.trim();
  if (!typed || !canAsk || streaming()) return;
  const question = questionToSend(typed);
  api.post({ type: 'ask', question });
  input.value = '';
  state.draft = '';
  save();
}

function streaming(): Turn | undefined {
  const last = state.turns[state.turns.length - 1];
  return last?.status === 'streaming' ? last : undefined;
}

function turnFor(askId: number): Turn | undefined {
  return state.turns.find((t) => t.askId === askId);
}

/** Chip and source clicks: look the marker up in that turn's sources and ask the host to open it. */
function onTurnsClick(e: MouseEvent): void {
  const target = e.target as HTMLElement;
  const turnEl = target.closest<HTMLElement>('.turn');
  const turn = turnEl ? state.turns[Number(turnEl.dataset.index)] : undefined;
  if (!turn) return;
  const ref = target.closest<HTMLElement>('[data-n]');
  if (ref) {
    const source = turn.sources.find((s) => s.n === Number(ref.dataset.n));
    if (source) api.post({ type: 'open', target: { path: source.path, startLine: source.startLine, endLine: source.endLine } });
    return;
  }
  if (target.closest('.copy')) api.post({ type: 'copy', text: turn.answer });
}

function renderTurn(turn: Turn, index: number): HTMLElement {
  const answer = h('div', { class: 'answer markdown' });
  answer.innerHTML = renderAnswer(turn.answer); // markdown-it, html disabled: see markdown.ts
  for (const chip of answer.querySelectorAll<HTMLElement>('.chip')) {
    if (turn.status !== 'streaming' && !turn.sources.some((s) => s.n === Number(chip.dataset.n))) chip.classList.add('dangling');
  }
  const meta = h('div', { class: 'meta' },
    turn.status === 'streaming' ? h('span', { class: 'streaming' }, icon('loading'), ' answering…') : null,
    turn.status === 'stopped' ? h('span', {}, icon('debug-stop'), ' stopped') : null,
    turn.status === 'error' ? h('span', { class: 'error' }, icon('error'), ` ${turn.error ?? 'failed'}`) : null,
    turn.abstained ? h('span', { class: 'abstained' }, icon('question'), ' the code was not found; nearest memories below') : null,
    turn.foundByName?.length
      ? h('span', { class: 'found-by-name', title: 'The memory scores are under the model\'s threshold; the sources hold these names the question gives, so it answered' },
        icon('symbol-key'), ` found by name: ${turn.foundByName.slice(0, 3).join(', ')}`)
      : null,
    turn.totalMs !== undefined ? h('span', { class: 'time' }, turn.totalMs < 1000 ? `${Math.round(turn.totalMs)} ms` : `${(turn.totalMs / 1000).toFixed(1)} s`) : null,
    h('span', { class: 'spacer' }),
    turn.status !== 'streaming' && turn.answer ? iconButton('copy', 'Copy answer', () => undefined, 'copy') : null,
  );
  const sources = turn.sources.length === 0 ? null : h('details', { class: 'sources', open: '' },
    h('summary', {}, `Sources (${turn.sources.length})`),
    h('ol', {}, ...turn.sources.map((s) => h('li', {},
      h('button', { type: 'button', class: 'source', 'data-n': String(s.n), title: `Open ${s.path}:${lines(s.startLine, s.endLine)}` },
        h('span', { class: 'n' }, `[${s.n}]`), ' ', h('span', { class: 'path' }, `${s.path}:${lines(s.startLine, s.endLine)}`)),
      s.symbol ? h('span', { class: 'symbol' }, icon('symbol-method'), s.symbol) : null,
      h('span', { class: 'score', title: 'retrieval score' }, s.score.toFixed(3)),
    ))),
  );
  return h('section', { class: `turn ${turn.status}`, 'data-index': String(index) },
    h('div', { class: 'question' }, icon('account'), h('span', {}, turn.question)),
    answer, meta, sources);
}

function renderTurns(): void {
  turnsEl.replaceChildren(...(state.turns.length ? state.turns.map(renderTurn) : [empty]));
  turnsEl.lastElementChild?.scrollIntoView({ block: 'end' });
  renderControls();
}

function renderControls(): void {
  const busy = streaming() !== undefined;
  stopButton.hidden = !busy;
  askButton.disabled = busy || !canAsk;
  input.disabled = !canAsk;
  banner.hidden = canAsk;
  banner.textContent = canAsk ? '' : unavailableReason;
}

/** Tokens arrive far faster than frames: re-render the streaming turn at most once per frame. */
let frame = 0;
function renderSoon(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => { frame = 0; renderTurns(); });
}

function onMessage(m: HostToChat): void {
  switch (m.type) {
    case 'answerStart': {
      // The host replays the current answer when this page (re)loads: restart that turn instead of adding one.
      const last = state.turns[state.turns.length - 1];
      const fresh: Turn = { askId: m.askId, question: m.question, answer: '', sources: [], status: 'streaming' };
      if (last && last.askId === m.askId && last.question === m.question) state.turns[state.turns.length - 1] = fresh;
      else state.turns.push(fresh);
      break;
    }
    case 'answerToken': {
      const t = turnFor(m.askId);
      if (!t || t.status !== 'streaming') return;
      t.answer += m.text;
      renderSoon();
      return; // state is saved when the answer completes, not per token
    }
    case 'answerDone': {
      const t = turnFor(m.askId);
      if (!t) return;
      Object.assign(t, {
        answer: m.answer, sources: m.sources, abstained: m.abstained, foundByName: m.foundByName ?? [], totalMs: m.totalMs,
        status: m.stopped ? 'stopped' : 'done',
      });
      break;
    }
    case 'answerError': {
      const t = turnFor(m.askId);
      if (t) Object.assign(t, { status: 'error', error: m.message });
      else state.turns.push({ askId: m.askId, question: m.question ?? '', answer: '', sources: [], status: 'error', error: m.message });
      break;
    }
    case 'availability':
      canAsk = m.canAsk;
      unavailableReason = m.reason ?? '';
      renderControls();
      return;
    case 'prefill':
      input.value = m.question;
      ask();
      return;
  }
  save();
  renderTurns();
}

mount();
// A panel restored from state may hold an answer that was streaming when it was hidden: it will not resume.
for (const t of state.turns) if (t.status === 'streaming') Object.assign(t, { status: 'error', error: 'interrupted' });
renderTurns();
onHostMessage(isHostToChat, onMessage);
api.post({ type: 'ready' });
