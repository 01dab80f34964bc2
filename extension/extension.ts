/** Activation: build the context, register the command table, start the engine when the workspace allows it. */
import * as vscode from 'vscode';
import { commands } from './commands';
import { Ctx } from './ctx';

let current: Ctx | undefined;

export function activate(extension: vscode.ExtensionContext): void {
  const ctx = new Ctx(extension);
  current = ctx;
  for (const [name, make] of Object.entries(commands)) {
    ctx.pushCleanup(vscode.commands.registerCommand(name, make(ctx)));
  }
  ctx.log.info(`CLaRa Code ${extension.extension.packageJSON.version as string} activated`);
  ctx.runInBackground('starting the engine', ctx.session.start());
}

/** Waits for the engine to close (VS Code allows a few seconds); everything else is owned by the subscriptions. */
export async function deactivate(): Promise<void> {
  await current?.session.shutdown();
  current = undefined;
}
