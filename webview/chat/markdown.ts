/**
 * Answer text → HTML. The answer is model output and therefore untrusted: markdown-it runs with raw HTML disabled
 * (a `<script>` in the answer becomes visible text), images are off (CSP would block them anyway), and links keep an
 * href only for http(s) — anything else renders as plain text. `[n]` markers become citation chips.
 */
import MarkdownIt from 'markdown-it';
import type StateInline from 'markdown-it/lib/rules_inline/state_inline.mjs';

const SAFE_LINK = /^https?:\/\//i;

function createRenderer(): MarkdownIt {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false });
  md.disable(['image']);
  md.validateLink = (url: string) => SAFE_LINK.test(url.trim());
  md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
    tokens[idx].attrSet('rel', 'noopener noreferrer');
    return self.renderToken(tokens, idx, options);
  };
  // [n] citation markers, recognised before links so that "[2]" never becomes a reference link.
  md.inline.ruler.before('link', 'citation', (state: StateInline, silent: boolean) => {
    const m = /^\[(\d{1,3})\]/.exec(state.src.slice(state.pos));
    if (!m || state.src.charAt(state.pos + m[0].length) === '(') return false;
    if (!silent) {
      const token = state.push('citation', '', 0);
      token.meta = { n: Number(m[1]) };
    }
    state.pos += m[0].length;
    return true;
  });
  md.renderer.rules.citation = (tokens, idx) => {
    const n = String(tokens[idx].meta.n);
    return `<button type="button" class="chip" data-n="${n}" title="Open source [${n}]">${n}</button>`;
  };
  return md;
}

const md = createRenderer();

export function renderAnswer(text: string): string {
  return md.render(text);
}
