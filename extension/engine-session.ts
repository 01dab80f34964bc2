/**
 * The shell's one engine: which folder it serves, whether it may run (workspace trust), the last known index state
 * and the last question's retrieval. Views and the status bar subscribe to its events; commands call its methods.
 * Multi-root workspaces: the engine indexes the FIRST workspace folder only (docs/EXTENSION.md says why).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnswerResult, IndexProgress, IndexState } from './engine/engine-api';
import { EngineClient } from './engine-client';
import { Config } from './config';

export type Availability = { canAsk: true } | { canAsk: false; reason: string };

export interface Retrieval {
  question: string;
  result: AnswerResult;
}

export class EngineSession implements vscode.Disposable {
  private client: EngineClient | undefined;
  private opening: Promise<EngineClient> | undefined;
  private failure: string | undefined;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;

  state: IndexState | null = null;
  lastRetrieval: Retrieval | undefined;

  private readonly stateEmitter = new vscode.EventEmitter<void>();
  private readonly progressEmitter = new vscode.EventEmitter<IndexProgress>();
  private readonly retrievalEmitter = new vscode.EventEmitter<Retrieval>();
  private readonly tokenEmitter = new vscode.EventEmitter<{ askId: number; text: string }>();
  private readonly clearedEmitter = new vscode.EventEmitter<void>();
  /** Index state, availability or failure changed. */
  readonly onDidChangeState = this.stateEmitter.event;
  readonly onProgress = this.progressEmitter.event;
  readonly onRetrieval = this.retrievalEmitter.event;
  readonly onToken = this.tokenEmitter.event;
  /** The index was cleared: retrieved memories shown anywhere point at nothing now. */
  readonly onDidClear = this.clearedEmitter.event;

  constructor(
    private readonly extensionPath: string,
    private readonly storageUri: vscode.Uri | undefined,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get folder(): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.[0];
  }

  /** The engine failed to open or its worker gave up; an explicit reindex tries again. */
  get hasFailed(): boolean {
    return this.failure !== undefined;
  }

  availability(): Availability {
    if (!vscode.workspace.isTrusted) {
      return { canAsk: false, reason: 'This workspace is in Restricted Mode. Trust it to let CLaRa index and answer.' };
    }
    if (!this.folder) return { canAsk: false, reason: 'Open a folder: CLaRa answers questions about a workspace folder.' };
    if (!this.storageUri) return { canAsk: false, reason: 'VS Code gave CLaRa no workspace storage for this window.' };
    if (this.failure) return { canAsk: false, reason: this.failure };
    return { canAsk: true };
  }

  /** Opens the engine if it is not open; refuses with the availability reason otherwise. */
  async engine(): Promise<EngineClient> {
    if (this.client?.isOpen) return this.client;
    const a = this.availability();
    if (!a.canAsk && !this.failure) throw new Error(a.reason);
    this.opening ??= this.openEngine().finally(() => { this.opening = undefined; });
    return this.opening;
  }

  private async openEngine(): Promise<EngineClient> {
    const folder = this.folder!;
    const storeDir = path.join(this.storageUri!.fsPath, 'index');
    const options = this.config.engineOptions(folder, storeDir, defaultBundleDir(this.extensionPath));
    const workerPath = path.join(this.extensionPath, 'dist', 'engine-worker.js');
    if (!existsSync(workerPath)) throw this.fail(`The engine worker is missing (${workerPath}). Reinstall the extension.`);
    const client = this.client ?? this.wire(new EngineClient(workerPath));
    this.client = client;
    this.log.info(`opening the engine on ${options.root} (store ${storeDir}, bundle ${options.bundleDir ?? 'default'})`);
    try {
      await client.open(options);
    } catch (err) {
      throw this.fail(`CLaRa could not open its engine: ${(err as Error).message}`);
    }
    this.failure = undefined;
    await this.refreshState();
    return client;
  }

  private wire(client: EngineClient): EngineClient {
    client.on('progress', (p) => {
      if (this.state) this.state = { ...this.state, progress: p };
      this.progressEmitter.fire(p);
    });
    client.on('indexChanged', (s) => { this.state = s; this.stateEmitter.fire(); });
    client.on('token', (askId, text) => this.tokenEmitter.fire({ askId, text }));
    client.on('log', (level, message) => this.log[level](message));
    client.on('crashed', (message, restarting) => {
      this.log.error(message);
      if (!restarting) this.fail(message);
      void vscode.window.showErrorMessage(message);
    });
    client.on('restarted', () => { void this.refreshState(); });
    return client;
  }

  private fail(message: string): Error {
    this.failure = message;
    this.log.error(message);
    this.stateEmitter.fire();
    return new Error(message);
  }

  async refreshState(): Promise<void> {
    if (!this.client?.isOpen) return;
    try {
      this.state = await this.client.state();
    } catch (err) {
      this.log.warn(`reading the index state failed: ${(err as Error).message}`);
    }
    this.stateEmitter.fire();
  }

  /** Startup: open and index when the workspace is trusted and clara.indexOnStartup is on. */
  async start(): Promise<void> {
    if (!this.availability().canAsk) { this.stateEmitter.fire(); return; }
    if (this.config.indexOnStartup) await this.reindexWorkspace();
    else await this.engine();
  }

  async reindexWorkspace(): Promise<void> {
    this.failure = undefined;
    this.client?.resetRestartBudget();
    const engine = await this.engine();
    let summary;
    try {
      summary = await engine.indexAll();
    } catch (err) {
      if (this.client !== engine) return; // the engine was reopened meanwhile (settings changed); the new one indexes
      throw err;
    }
    this.log.info(`indexed: ${JSON.stringify(summary)}`);
    await this.refreshState();
  }

  async reindexFile(fsPath: string): Promise<void> {
    const engine = await this.engine();
    const rel = path.relative(this.folder!.uri.fsPath, fsPath);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${fsPath} is not inside ${this.folder!.name}, the folder CLaRa indexes`);
    const summary = await engine.indexPaths([rel.split(path.sep).join('/')]);
    this.log.info(`reindexed ${rel}: ${JSON.stringify(summary)}`);
    await this.refreshState();
  }

  async pause(): Promise<void> { await (await this.engine()).simple('pause'); await this.refreshState(); }
  async resume(): Promise<void> { await (await this.engine()).simple('resume'); await this.refreshState(); }

  async clear(): Promise<void> {
    await (await this.engine()).simple('clear');
    this.lastRetrieval = undefined;
    this.clearedEmitter.fire();
    await this.refreshState();
  }

  async ask(question: string): Promise<{ askId: number; result: Promise<AnswerResult> }> {
    const engine = await this.engine();
    const { askId, result } = engine.ask(question, this.config.topK);
    void result.then((r) => {
      this.lastRetrieval = { question, result: r };
      this.retrievalEmitter.fire(this.lastRetrieval);
    }, () => undefined);
    return { askId, result };
  }

  async stopAsk(askId: number): Promise<void> {
    await this.client?.stopAsk(askId);
  }

  /** clara.pauseWhileTyping: tell the worker the user is typing; it stops 1.5 s after the last keystroke. */
  noteTyping(): void {
    if (!this.config.pauseWhileTyping || !this.client?.isOpen) return;
    if (!this.typingTimer) this.client.setUserTyping(true);
    else clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => {
      this.typingTimer = undefined;
      this.client?.setUserTyping(false);
    }, 1500);
  }

  /**
   * Settings the engine was opened with (or the folder) changed: close it and start again with the new options.
   * Starting runs an index pass, because excludes and size limits change which files belong in the index.
   */
  async reopen(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    this.failure = undefined;
    this.state = null;
    this.lastRetrieval = undefined;
    await old?.dispose();
    await this.start();
  }

  /** Closes the engine cleanly (deactivate awaits this; the store's writer lock is released). */
  async shutdown(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.dispose();
  }

  dispose(): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    void this.shutdown();
    for (const e of [this.stateEmitter, this.progressEmitter, this.retrievalEmitter, this.tokenEmitter, this.clearedEmitter]) e.dispose();
  }
}

/** models/default.json names the shipped bundle; undefined lets the engine apply its own default. */
export function defaultBundleDir(extensionPath: string): string | undefined {
  try {
    const { bundle } = JSON.parse(readFileSync(path.join(extensionPath, 'models', 'default.json'), 'utf8')) as { bundle?: unknown };
    return typeof bundle === 'string' ? path.join(extensionPath, 'models', bundle) : undefined;
  } catch {
    return undefined;
  }
}
