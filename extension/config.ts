/**
 * Every `clara.*` setting, read in one place with a typed getter each (rust-analyzer's config.ts shape).
 * The engine never reads settings: it gets a plain EngineOptions object built here.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineOptions } from './engine/engine-api';
import { filesExcludeToPatterns } from './files-exclude';

export type ExecutionProviderSetting = 'auto' | 'cpu' | 'cuda';

export class Config {
  private get cfg(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('clara');
  }

  get topK(): number {
    return clampInt(this.cfg.get<number>('topK', 5), 1, 50);
  }

  get executionProvider(): ExecutionProviderSetting {
    const v = this.cfg.get<string>('executionProvider', 'auto');
    return v === 'cpu' || v === 'cuda' ? v : 'auto';
  }

  get maxFileSizeBytes(): number {
    return clampInt(this.cfg.get<number>('maxFileSizeBytes', 1_048_576), 1024, 64 * 1_048_576);
  }

  get lexicalFusion(): boolean {
    return this.cfg.get<boolean>('lexicalFusion', true);
  }

  get pauseWhileTyping(): boolean {
    return this.cfg.get<boolean>('pauseWhileTyping', true);
  }

  /** Absolute bundle folder, or undefined for the shipped default. Relative paths resolve against the folder root. */
  modelPath(folderRoot: string): string | undefined {
    const v = this.cfg.get<string>('modelPath', '').trim();
    if (!v) return undefined;
    return path.isAbsolute(v) ? v : path.resolve(folderRoot, v);
  }

  get indexOnStartup(): boolean {
    return this.cfg.get<boolean>('indexOnStartup', true);
  }

  /** The plain options the engine worker is opened with, for one workspace folder. */
  engineOptions(folder: vscode.WorkspaceFolder, storeDir: string, defaultBundleDir: string | undefined): EngineOptions {
    const filesExclude = vscode.workspace.getConfiguration('files', folder.uri).get<Record<string, unknown>>('exclude', {});
    return {
      root: folder.uri.fsPath,
      storeDir,
      bundleDir: this.modelPath(folder.uri.fsPath) ?? defaultBundleDir,
      executionProvider: this.executionProvider,
      topK: this.topK,
      maxFileSizeBytes: this.maxFileSizeBytes,
      extraExcludes: filesExcludeToPatterns(filesExclude),
      lexicalFusion: this.lexicalFusion,
    };
  }

  /** True when a change needs the engine reopened with new options (topK is not: every ask passes it). */
  static affectsEngine(e: vscode.ConfigurationChangeEvent): boolean {
    return ['clara.executionProvider', 'clara.maxFileSizeBytes', 'clara.lexicalFusion', 'clara.modelPath',
      'files.exclude'].some((s) => e.affectsConfiguration(s));
  }
}

function clampInt(v: unknown, min: number, max: number): number {
  const n = typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : min;
  return Math.min(max, Math.max(min, n));
}
