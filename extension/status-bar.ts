/** The status bar item: index state and progress at a glance; a click opens the inspector. */
import * as vscode from 'vscode';
import type { IndexProgress } from './engine/engine-api';
import type { EngineSession } from './engine-session';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('clara.status', vscode.StatusBarAlignment.Left, 10);
  private readonly subs: vscode.Disposable[];

  constructor(private readonly session: EngineSession) {
    this.item.name = 'CLaRa';
    this.item.command = 'clara.showInspector';
    this.subs = [session.onDidChangeState(() => this.render()), session.onProgress((p) => this.render(p))];
    this.render();
    this.item.show();
  }

  private render(progress = this.session.state?.progress): void {
    const a = this.session.availability();
    const s = this.session.state;
    if (!a.canAsk) {
      this.item.text = '$(circle-slash) CLaRa';
      this.item.tooltip = a.reason;
      return;
    }
    const count = s ? `${s.files} files, ${s.chunks} chunks` : 'not opened yet';
    const done = progress ? `${progress.filesDone}/${progress.filesTotal}` : '';
    switch (progress?.phase) {
      case 'scanning': this.item.text = '$(sync~spin) CLaRa: scanning'; break;
      case 'indexing': this.item.text = `$(sync~spin) CLaRa ${done}`; break;
      case 'paused': this.item.text = `$(debug-pause) CLaRa ${done}`; break;
      case 'error': this.item.text = '$(error) CLaRa'; break;
      default: this.item.text = '$(database) CLaRa';
    }
    this.item.tooltip = `CLaRa index: ${count}${progress?.message ? `\n${progress.message}` : ''}\nClick to open the inspector.`;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.item.dispose();
  }
}
