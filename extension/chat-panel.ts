/**
 * The chat panel (WebviewPanel): questions go to the engine session, streamed tokens and the final answer with
 * its sources come back. Every message from the webview is checked with isChatToHost first.
 */
import * as vscode from 'vscode';
import type { AnswerResult } from './engine/engine-api';
import type { EngineSession } from './engine-session';
import { openRange } from './open-range';
import { isChatToHost, type ChatSource, type ChatToHost, type HostToChat } from './shared/webview-protocol';
import { webviewHtml, webviewOptions } from './webview-assets';

/** The latest question's messages so far, replayed when the webview (re)loads: a hidden panel drops its DOM. */
interface CurrentAnswer {
  askId: number;
  question: string;
  text: string;
  end?: HostToChat;
  /** The end message reached a live webview; nothing is left to replay. */
  delivered?: boolean;
}

export class ChatPanel implements vscode.Disposable {
  static readonly viewType = 'clara.chat';
  private panel: vscode.WebviewPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private current: CurrentAnswer | undefined;
  private stopped = false;
  /** A question asked before the webview said 'ready'. */
  private pendingQuestion: string | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly session: EngineSession,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      session.onToken(({ askId, text }) => {
        if (askId !== this.current?.askId || this.current.end) return;
        this.current.text += text;
        this.post({ type: 'answerToken', askId, text });
      }),
      session.onDidChangeState(() => this.postAvailability()),
      // After a window reload VS Code recreates the panel; its webview state still holds the session's history.
      vscode.window.registerWebviewPanelSerializer(ChatPanel.viewType, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => this.attach(panel),
      }),
    );
  }

  /** Reveals the panel (creating it once); `question` is typed into the box and sent. */
  show(question?: string): void {
    if (question) this.pendingQuestion = question;
    if (this.panel) {
      const loaded = this.panel.visible; // a hidden panel reloads its webview on reveal and says 'ready' again
      this.panel.reveal(vscode.ViewColumn.Beside);
      if (loaded) this.flushPending();
      return;
    }
    this.attach(vscode.window.createWebviewPanel(ChatPanel.viewType, 'CLaRa: Ask', vscode.ViewColumn.Beside, {
      ...webviewOptions(this.extensionUri),
      // History lives in the webview state and the host replays the current answer on 'ready', so the DOM may go.
      retainContextWhenHidden: false,
    }));
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    panel.webview.options = webviewOptions(this.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'clara.svg');
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'chat');
    const subs = [
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => {
        if (this.panel === panel) this.panel = undefined;
        for (const s of subs) s.dispose();
      }),
    ];
    this.panel = panel;
  }

  private post(message: HostToChat): void {
    void this.panel?.webview.postMessage(message);
  }

  /** Brings a freshly loaded webview up to date with the current answer (its handlers are idempotent). */
  private replay(): void {
    const c = this.current;
    if (!c || c.delivered) return;
    this.post({ type: 'answerStart', askId: c.askId, question: c.question });
    if (c.text && !c.end) this.post({ type: 'answerToken', askId: c.askId, text: c.text });
    if (c.end) this.postEnd(c);
  }

  private postEnd(c: CurrentAnswer): void {
    void this.panel?.webview.postMessage(c.end).then((ok) => { if (ok) c.delivered = true; });
  }

  private postAvailability(): void {
    const a = this.session.availability();
    this.post(a.canAsk ? { type: 'availability', canAsk: true } : { type: 'availability', canAsk: false, reason: a.reason });
  }

  private flushPending(): void {
    if (this.pendingQuestion === undefined) return;
    this.post({ type: 'prefill', question: this.pendingQuestion });
    this.pendingQuestion = undefined;
  }

  private onMessage(m: unknown): void {
    if (!isChatToHost(m)) {
      this.log.warn(`chat panel: ignored a malformed message ${JSON.stringify(m)?.slice(0, 200)}`);
      return;
    }
    const msg: ChatToHost = m;
    switch (msg.type) {
      case 'ready': this.postAvailability(); this.replay(); this.flushPending(); return;
      case 'ask': void this.ask(msg.question); return;
      case 'stop': void this.stop(); return;
      case 'open': void openRange(msg.target, this.log); return;
      case 'copy': void vscode.env.clipboard.writeText(msg.text); return;
      case 'showInspector': void vscode.commands.executeCommand('clara.showInspector'); return;
    }
  }

  private async ask(question: string): Promise<void> {
    if (this.current && !this.current.end) await this.stop();
    let askId = -1;
    try {
      const started = await this.session.ask(question);
      askId = started.askId;
      this.current = { askId, question, text: '' };
      this.stopped = false;
      this.post({ type: 'answerStart', askId, question });
      const result = await started.result;
      this.finish(askId, answerDone(askId, result, this.stopped));
    } catch (err) {
      const message = (err as Error).message;
      this.log.error(`question failed: ${message}`);
      this.finish(askId, askId === -1 ? { type: 'answerError', askId, message, question } : { type: 'answerError', askId, message });
    }
  }

  private finish(askId: number, end: HostToChat): void {
    const c = this.current?.askId === askId ? this.current : undefined;
    if (!c) { this.post(end); return; }
    c.end = end;
    this.postEnd(c);
  }

  private async stop(): Promise<void> {
    const c = this.current;
    if (!c || c.end) return;
    this.stopped = true;
    try {
      await this.session.stopAsk(c.askId);
    } catch (err) {
      this.log.warn(`stopping the answer failed: ${(err as Error).message}`);
    }
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

function answerDone(askId: number, r: AnswerResult, stopped: boolean): HostToChat {
  const sources: ChatSource[] = r.retrieved.map((h) => ({
    n: h.rank, path: h.path, startLine: h.startLine, endLine: h.endLine, symbol: h.symbol, score: h.score,
  }));
  return {
    type: 'answerDone', askId, answer: r.answer, citations: r.citations, sources, abstained: r.abstained, foundByName: r.foundByName,
    totalMs: r.timings.totalMs, stopped,
  };
}
