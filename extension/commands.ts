/** The command table: each `clara.*` command is `(ctx) => handler`, registered in one place (extension.ts). */
import * as vscode from 'vscode';
import type { Ctx } from './ctx';

type Cmd = (...args: unknown[]) => unknown;

export const commands: Record<string, (ctx: Ctx) => Cmd> = {
  'clara.ask': (ctx) => (question?: unknown) => ctx.chat.show(typeof question === 'string' ? question : undefined),

  'clara.reindexWorkspace': (ctx) => () => withProgress('indexing the workspace', ctx, () => ctx.session.reindexWorkspace()),

  'clara.reindexFile': (ctx) => (uri?: unknown) => {
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target || target.scheme !== 'file') {
      void vscode.window.showWarningMessage('CLaRa: open a file from the workspace to reindex it.');
      return;
    }
    return withProgress(`indexing ${vscode.workspace.asRelativePath(target)}`, ctx, () => ctx.session.reindexFile(target.fsPath));
  },

  'clara.pauseIndexing': (ctx) => () => guard(ctx, 'pausing indexing', () => ctx.session.pause()),
  'clara.resumeIndexing': (ctx) => () => guard(ctx, 'resuming indexing', () => ctx.session.resume()),

  'clara.clearIndex': (ctx) => async () => {
    const ok = await vscode.window.showWarningMessage('Delete CLaRa\'s index for this workspace? It is rebuilt on the next reindex.',
      { modal: true }, 'Clear Index');
    if (ok === 'Clear Index') await guard(ctx, 'clearing the index', () => ctx.session.clear());
  },

  'clara.showInspector': () => () => vscode.commands.executeCommand('clara.inspector.focus'),
};

/** Runs a command's work; a refusal the user can fix (Restricted Mode, no folder) is a warning, a failure an error. */
async function guard(ctx: Ctx, what: string, work: () => Promise<void>): Promise<void> {
  const availability = ctx.session.availability();
  if (!availability.canAsk && !ctx.session.hasFailed) {
    ctx.log.info(`${what}: not now — ${availability.reason}`);
    void vscode.window.showWarningMessage(`CLaRa: ${availability.reason}`);
    return;
  }
  try {
    await work();
  } catch (err) {
    ctx.log.error(`${what} failed: ${(err as Error).message}`);
    void vscode.window.showErrorMessage(`CLaRa: ${what} failed: ${(err as Error).message}`);
  }
}

function withProgress(what: string, ctx: Ctx, work: () => Promise<void>): Thenable<void> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `CLaRa: ${what}` }, () => guard(ctx, what, work));
}
