/**
 * The extension's context (rust-analyzer's Ctx): built once in activate, handed to every command.
 * Owns every disposable it creates (pushCleanup), so deactivation releases the worker, views and listeners.
 */
import * as vscode from 'vscode';
import { ChatPanel } from './chat-panel';
import { Config } from './config';
import { EngineSession } from './engine-session';
import { InspectorView } from './inspector-view';
import { StatusBar } from './status-bar';

export class Ctx {
  readonly config = new Config();
  readonly log: vscode.LogOutputChannel;
  readonly session: EngineSession;
  readonly chat: ChatPanel;
  readonly inspector: InspectorView;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = this.pushCleanup(vscode.window.createOutputChannel('CLaRa', { log: true }));
    this.session = this.pushCleanup(new EngineSession(extension.extensionPath, extension.storageUri, this.config, this.log));
    this.chat = this.pushCleanup(new ChatPanel(extension.extensionUri, this.session, this.log));
    this.inspector = this.pushCleanup(new InspectorView(extension.extensionUri, this.session, this.log));
    this.pushCleanup(vscode.window.registerWebviewViewProvider(InspectorView.viewType, this.inspector));
    this.pushCleanup(new StatusBar(this.session));
    this.pushCleanup(vscode.workspace.onDidGrantWorkspaceTrust(() => this.runInBackground('starting', this.session.start())));
    this.pushCleanup(vscode.workspace.onDidChangeConfiguration((e) => {
      if (Config.affectsEngine(e)) this.runInBackground('reopening the engine', this.session.reopen());
    }));
    let indexedRoot = this.session.folder?.uri.toString();
    this.pushCleanup(vscode.workspace.onDidChangeWorkspaceFolders(() => {
      // The engine serves the first folder: only a change of that folder means a new engine.
      const first = this.session.folder?.uri.toString();
      if (first === indexedRoot) return;
      indexedRoot = first;
      this.runInBackground('switching folders', this.session.reopen());
    }));
    this.pushCleanup(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.scheme === 'file' && e.contentChanges.length > 0) this.session.noteTyping();
    }));
  }

  pushCleanup<T extends vscode.Disposable>(d: T): T {
    this.extension.subscriptions.push(d);
    return d;
  }

  /** Runs work that no one awaits; failures go to the output channel and a notification, never unhandled. */
  runInBackground(what: string, work: Promise<unknown>): void {
    work.catch((err: Error) => {
      this.log.error(`${what} failed: ${err.message}`);
      void vscode.window.showErrorMessage(`CLaRa: ${what} failed: ${err.message}`);
    });
  }
}
