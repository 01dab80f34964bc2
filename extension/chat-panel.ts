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

export class ChatPanel implements vscode.Disposable {
  static readonly viewType = 'clara.chat';
  private panel: vscode.WebviewPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private askId: number | undefined;
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
        if (askId === this.askId) this.post({ type: 'answerToken', askId, text });
      }),
      session.onDidChangeState(() => this.postAvailability()),
    );
  }

  /** Reveals the panel (creating it once); `question` is typed into the box and sent. */
  show(question?: string): void {
    if (question) this.pendingQuestion = question;
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside);
      this.flushPending();
      return;
    }
    const panel = vscode.window.createWebviewPanel(ChatPanel.viewType, 'CLaRa: Ask', vscode.ViewColumn.Beside, {
      ...webviewOptions(this.extensionUri),
      // The session history lives in the webview's state (getState/setState), so the DOM may be dropped when hidden.
      retainContextWhenHidden: false,
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'clara.svg');
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'chat');
    const subs = [
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => {
        this.panel = undefined;
        for (const s of subs) s.dispose();
      }),
    ];
    this.panel = panel;
  }

  private post(message: HostToChat): void {
    void this.panel?.webview.postMessage(message);
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
      case 'ready': this.postAvailability(); this.flushPending(); return;
      case 'ask': void this.ask(msg.question); return;
      case 'stop': void this.stop(); return;
      case 'open': void openRange(msg.target, this.log); return;
      case 'copy': void vscode.env.clipboard.writeText(msg.text); return;
      case 'showInspector': void vscode.commands.executeCommand('clara.showInspector'); return;
    }
  }

  private async ask(question: string): Promise<void> {
    if (this.askId !== undefined) await this.stop();
    let askId = -1;
    try {
      const started = await this.session.ask(question);
      askId = started.askId;
      this.askId = askId;
      this.stopped = false;
      this.post({ type: 'answerStart', askId, question });
      const result = await started.result;
      this.post(answerDone(askId, result, this.stopped));
    } catch (err) {
      const message = (err as Error).message;
      this.log.error(`question failed: ${message}`);
      this.post(askId === -1 ? { type: 'answerError', askId, message, question } : { type: 'answerError', askId, message });
    } finally {
      if (this.askId === askId) this.askId = undefined;
    }
  }

  private async stop(): Promise<void> {
    if (this.askId === undefined) return;
    this.stopped = true;
    try {
      await this.session.stopAsk(this.askId);
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
    type: 'answerDone', askId, answer: r.answer, citations: r.citations, sources, abstained: r.abstained,
    totalMs: r.timings.totalMs, stopped,
  };
}
