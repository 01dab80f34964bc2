/** Webview options and HTML for a VS Code webview: resources only from the bundle's dist/ and media/. */
import * as vscode from 'vscode';
import { buildWebviewHtml, type WebviewKind } from './webview-html';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** A fresh nonce per call: each (re)load of a webview gets its own. */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, kind: WebviewKind): string {
  const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  return buildWebviewHtml(kind, {
    cspSource: webview.cspSource,
    script: uri('dist', 'webview', `${kind}.js`),
    styles: [uri('media', 'codicons', 'codicon.css'), uri('dist', 'webview', `${kind}.css`)],
  });
}
