/**
 * The retrieval inspector (WebviewView `clara.inspector`): the last question's retrieved memories with scores,
 * cited marks and source previews read from disk, plus the index state and indexing progress with pause/resume.
 */
import * as vscode from 'vscode';
import type { EngineSession, Retrieval } from './engine-session';
import { openRange, workspaceRoots } from './open-range';
import { isInspectorToHost, type HostToInspector, type InspectorHit, type InspectorToHost } from './shared/webview-protocol';
import { readPreview } from './source-preview';
import { webviewHtml, webviewOptions } from './webview-assets';

export class InspectorView implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewType = 'clara.inspector';
  private view: vscode.WebviewView | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly session: EngineSession,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      session.onDidChangeState(() => this.postState()),
      session.onProgress((progress) => this.post({ type: 'progress', progress })),
      session.onRetrieval((r) => void this.postRetrieval(r)),
      session.onDidClear(() => this.post({ type: 'retrieval', question: null, hits: [] })),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = webviewHtml(view.webview, this.extensionUri, 'inspector');
    const subs = [
      view.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      view.onDidDispose(() => {
        if (this.view === view) this.view = undefined;
        for (const s of subs) s.dispose();
      }),
    ];
  }

  private post(message: HostToInspector): void {
    void this.view?.webview.postMessage(message);
  }

  private postState(): void {
    const a = this.session.availability();
    this.post({ type: 'indexState', state: this.session.state, note: a.canAsk ? undefined : a.reason });
  }

  private async postRetrieval(r: Retrieval): Promise<void> {
    if (!this.view) return; // the view reads lastRetrieval when it opens
    const roots = workspaceRoots();
    const cited = r.result.citations;
    const hits: InspectorHit[] = await Promise.all(r.result.retrieved.map(async (h) => ({
      ...h,
      used: cited.some((c) => c.path === h.path && c.startLine === h.startLine && c.endLine === h.endLine),
      preview: await readPreview(roots, h.path, h.startLine, h.endLine, h.contentHash),
    })));
    const decision = { abstained: r.result.abstained, foundByName: r.result.foundByName };
    this.post({ type: 'retrieval', question: r.question, hits, decision });
  }

  private onMessage(m: unknown): void {
    if (!isInspectorToHost(m)) {
      this.log.warn(`inspector: ignored a malformed message ${JSON.stringify(m)?.slice(0, 200)}`);
      return;
    }
    const msg: InspectorToHost = m;
    const run = (what: string, p: Promise<void>) => p.catch((err: Error) => {
      this.log.error(`${what} failed: ${err.message}`);
      void vscode.window.showErrorMessage(`CLaRa: ${what} failed: ${err.message}`);
    });
    switch (msg.type) {
      case 'ready':
        this.postState();
        if (this.session.lastRetrieval) void this.postRetrieval(this.session.lastRetrieval);
        return;
      case 'pause': void run('pausing indexing', this.session.pause()); return;
      case 'resume': void run('resuming indexing', this.session.resume()); return;
      case 'reindex': void run('reindexing', this.session.reindexWorkspace()); return;
      case 'open': void openRange(msg.target, this.log); return;
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
