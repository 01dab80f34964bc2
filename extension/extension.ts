/** Activation: build the context, register the command table, start the engine when the workspace allows it. */
import * as vscode from 'vscode';
import { commands } from './commands';
import { Ctx } from './ctx';

export function activate(extension: vscode.ExtensionContext): void {
  const ctx = new Ctx(extension);
  for (const [name, make] of Object.entries(commands)) {
    ctx.pushCleanup(vscode.commands.registerCommand(name, make(ctx)));
  }
  ctx.log.info(`CLaRa Code ${extension.extension.packageJSON.version as string} activated`);
  ctx.runInBackground('starting the engine', ctx.session.start());
}

export function deactivate(): void {
  // Everything is owned by extension.subscriptions (Ctx.pushCleanup); VS Code disposes it.
}
