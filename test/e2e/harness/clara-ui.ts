/**
 * The CLaRa surfaces as the journey sees them: palette titles read from the packaged manifest (so a renamed title
 * cannot silently skip a step), and the chat panel and inspector webviews with the selectors of webview/chat and
 * webview/inspector kept in this one file.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator } from 'playwright-core';
import { repoRoot } from './paths';
import type { Workbench } from './workbench';

export interface Manifest {
  publisher: string;
  name: string;
  version: string;
  scripts?: Record<string, string>;
  contributes?: { commands?: { command: string; title: string; category?: string }[] };
  capabilities?: { untrustedWorkspaces?: { supported: boolean | 'limited'; description?: string } };
}

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;
}

export function extensionId(m = readManifest()): string {
  return `${m.publisher}.${m.name}`;
}

/** The palette label of a contributed command ("CLaRa: Ask About Codebase"), or a clear error if it is not there. */
export function paletteTitle(command: string, m = readManifest()): string {
  const c = m.contributes?.commands?.find((x) => x.command === command);
  if (!c) throw new Error(`package.json contributes no command "${command}"`);
  return c.category ? `${c.category}: ${c.title}` : c.title;
}

export interface ChatSourceRow {
  n: number;
  path: string;
  startLine: number;
  endLine: number;
}

/** "src/a.py:5-8" or "src/a.py:5" → parts. */
export function parsePathLines(text: string): { path: string; startLine: number; endLine: number } {
  const m = /^(.*):(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`not a path:lines label: "${text}"`);
  return { path: m[1], startLine: Number(m[2]), endLine: Number(m[3] ?? m[2]) };
}

/** One finished chat turn as the user sees it. */
export interface ChatTurn {
  answer: string;
  /** The memories the generator received, numbered as the answer's [n]: the list under the answer. */
  sources: ChatSourceRow[];
  /** The [n] markers in the answer text that resolve to a source. */
  markers: number[];
  /** Markers that resolve to nothing (the engine is meant to drop them). */
  dangling: number;
  abstained: boolean;
}

/**
 * The answer's citations as the engine defines them (answer-question.ts): the sources the generator cited with [n];
 * when it wrote no valid marker, every source it was given.
 */
export function citationsOf(turn: ChatTurn): ChatSourceRow[] {
  const marked = turn.sources.filter((x) => turn.markers.includes(x.n));
  return marked.length > 0 ? marked : turn.sources;
}

export class ChatPanel {
  readonly frame: FrameLocator;
  constructor(wb: Workbench, extId: string) {
    this.frame = wb.webview(extId, 'panel');
  }

  get input(): Locator {
    return this.frame.locator('textarea#question');
  }

  get banner(): Locator {
    return this.frame.locator('.banner');
  }

  lastTurn(): Locator {
    return this.frame.locator('section.turn').last();
  }

  async turnCount(): Promise<number> {
    return this.frame.locator('section.turn').count();
  }

  /** Waits for the answer of the turn at `index` to finish; returns its status class. */
  async waitAnswered(index: number, timeoutMs: number): Promise<'done' | 'stopped' | 'error'> {
    const turn = this.frame.locator('section.turn').nth(index);
    await turn.and(this.frame.locator('section.turn.done, section.turn.error, section.turn.stopped')).waitFor({ timeout: timeoutMs });
    const cls = (await turn.getAttribute('class')) ?? '';
    if (cls.includes('error')) return 'error';
    if (cls.includes('stopped')) return 'stopped';
    return 'done';
  }

  /** Every memory the generator received, as listed under the answer. */
  async sources(turn: Locator): Promise<ChatSourceRow[]> {
    const rows = turn.locator('.sources button.source');
    const out: ChatSourceRow[] = [];
    for (let i = 0; i < (await rows.count()); i++) {
      const row = rows.nth(i);
      const n = Number(await row.getAttribute('data-n'));
      out.push({ n, ...parsePathLines(await row.locator('.path').innerText()) });
    }
    return out;
  }

  /**
   * Records, from now on, each distinct length of a turn's answer text while that turn is marked streaming: a
   * MutationObserver in the webview, since tokens arrive faster than a poll. (No named closures: see recordPhases.)
   */
  async recordStreaming(): Promise<void> {
    await this.frame.locator('body').evaluate((body: any) => {
      const w = body.ownerDocument.defaultView;
      w.__claraStream = [];
      w.__claraStreamObserver?.disconnect();
      w.__claraStreamObserver = new w.MutationObserver(() => {
        const streaming = body.querySelector('section.turn.streaming');
        if (!streaming) return;
        const len = (streaming.querySelector('.answer')?.textContent ?? '').length;
        if (w.__claraStream[w.__claraStream.length - 1] !== len) w.__claraStream.push(len);
      });
      w.__claraStreamObserver.observe(body, { subtree: true, childList: true, characterData: true });
    });
  }

  /** Answer lengths seen while streaming since recordStreaming(); empty when no turn was ever shown streaming. */
  async recordedStreaming(): Promise<number[]> {
    return this.frame.locator('body').evaluate((body: any) => [...(body.ownerDocument.defaultView.__claraStream ?? [])]);
  }

  async readTurn(index: number): Promise<ChatTurn> {
    const turn = this.frame.locator('section.turn').nth(index);
    return {
      answer: (await turn.locator('.answer').innerText()).trim(),
      sources: await this.sources(turn),
      markers: await this.citedMarkers(turn),
      dangling: await turn.locator('.answer .chip.dangling').count(),
      abstained: (await turn.locator('.meta .abstained').count()) > 0,
    };
  }

  /** The [n] markers the answer text cites that resolve to a source (dangling markers excluded). */
  async citedMarkers(turn: Locator): Promise<number[]> {
    const chips = turn.locator('.answer .chip[data-n]:not(.dangling)');
    const ns: number[] = [];
    for (let i = 0; i < (await chips.count()); i++) ns.push(Number(await chips.nth(i).getAttribute('data-n')));
    return [...new Set(ns)];
  }
}

export interface InspectorHitRow {
  rank: number;
  used: boolean;
  /** The inspector says the lines on disk no longer hash to what the memory was made from. */
  stale: boolean;
  path: string;
  startLine: number;
  endLine: number;
  score: number;
}

export class Inspector {
  readonly frame: FrameLocator;
  constructor(wb: Workbench, extId: string) {
    this.frame = wb.webview(extId, 'view');
  }

  field(name: 'files' | 'chunks' | 'lastUpdate' | 'memoryTokens' | 'model' | 'executionProvider'): Locator {
    return this.frame.locator(`dd[data-field="${name}"]`);
  }

  async count(name: 'files' | 'chunks'): Promise<number> {
    return Number((await this.field(name).innerText()).replace(/[^\d]/g, ''));
  }

  phase(): Locator {
    return this.frame.locator('.progress .phase');
  }

  /** The progress phase as the engine names it ('indexing', 'done'…): textContent, since CSS capitalises it. */
  async phaseText(timeoutMs = 1_000): Promise<string> {
    return ((await this.phase().textContent({ timeout: timeoutMs })) ?? '').trim();
  }

  async question(): Promise<string> {
    return (await this.frame.locator('.retrieval .question').innerText()).trim();
  }

  async hits(): Promise<InspectorHitRow[]> {
    const items = this.frame.locator('ol.hits > li.hit');
    const out: InspectorHitRow[] = [];
    for (let i = 0; i < (await items.count()); i++) {
      const li = items.nth(i);
      const cls = (await li.getAttribute('class')) ?? '';
      const scoreText = await li.locator('.score.fused .value').innerText();
      out.push({
        rank: Number(await li.getAttribute('data-rank')),
        used: cls.split(/\s+/).includes('used'),
        stale: cls.split(/\s+/).includes('is-stale'),
        score: Number(scoreText),
        ...parsePathLines(await li.locator('.open.path').innerText()),
      });
    }
    return out;
  }

  /**
   * Records every phase the progress line shows from now on (a MutationObserver inside the webview), so that a
   * reindex of a small workspace cannot finish between two polls unseen.
   */
  async recordPhases(): Promise<void> {
    // No named inner functions: tsx's keepNames would wrap them in a __name() helper the webview does not have.
    await this.frame.locator('body').evaluate((body: any) => {
      const w = body.ownerDocument.defaultView;
      w.__claraPhases = [];
      w.__claraObserver?.disconnect();
      w.__claraObserver = new w.MutationObserver(() => {
        const t = body.querySelector('.progress .phase')?.textContent;
        if (t && w.__claraPhases[w.__claraPhases.length - 1] !== t) w.__claraPhases.push(t);
      });
      w.__claraObserver.observe(body, { subtree: true, childList: true, characterData: true });
      const now = body.querySelector('.progress .phase')?.textContent;
      if (now) w.__claraPhases.push(now);
    });
  }

  async recordedPhases(): Promise<string[]> {
    return this.frame.locator('body').evaluate((body: any) => [...(body.ownerDocument.defaultView.__claraPhases ?? [])]);
  }
}
