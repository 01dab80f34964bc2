/**
 * Element construction for both webviews. Text always goes in through textContent, never as HTML; the only HTML
 * the webviews insert is markdown-it's output with raw HTML disabled (chat/markdown.ts).
 */
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string | undefined> = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A codicon glyph (media/codicons/codicon.css). */
export function icon(name: string): HTMLElement {
  return h('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

export function iconButton(name: string, title: string, onClick: () => void, cls = ''): HTMLButtonElement {
  const b = h('button', { class: `icon-button ${cls}`.trim(), title, 'aria-label': title, type: 'button' }, icon(name));
  b.addEventListener('click', onClick);
  return b;
}

export function lines(startLine: number, endLine: number): string {
  return startLine === endLine ? `${startLine}` : `${startLine}-${endLine}`;
}
