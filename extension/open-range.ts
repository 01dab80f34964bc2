/** Opens a file range a webview asked for, after checking that it lies inside the workspace (workspace-paths.ts). */
import * as vscode from 'vscode';
import type { OpenRange } from './shared/webview-protocol';
import { resolveInsideWorkspace } from './workspace-paths';

export function workspaceRoots(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
}

export async function openRange(target: OpenRange, log: vscode.LogOutputChannel): Promise<void> {
  const resolved = await resolveInsideWorkspace(workspaceRoots(), target.path);
  if (!resolved.ok) {
    log.warn(`refused to open ${target.path}: ${resolved.reason}`);
    void vscode.window.showWarningMessage(`CLaRa did not open ${target.path}: ${resolved.reason}.`);
    return;
  }
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(resolved.file));
  const last = Math.min(target.endLine, doc.lineCount) - 1;
  const first = Math.min(target.startLine - 1, last);
  const selection = new vscode.Range(first, 0, last, doc.lineAt(last).text.length);
  await vscode.window.showTextDocument(doc, { selection, preview: true, viewColumn: vscode.ViewColumn.One });
}
