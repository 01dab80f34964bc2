/**
 * The one HTML builder for both webviews. It imports nothing from 'vscode' so that the Chromium tests load exactly
 * the page the host serves; the host passes webview.asWebviewUri(...) strings and webview.cspSource.
 */
import { randomBytes } from 'node:crypto';

export type WebviewKind = 'chat' | 'inspector';

export interface WebviewAssets {
  /** webview.cspSource: the origin the webview's own resources are served from. */
  cspSource: string;
  /** URI of dist/webview/<kind>.js. */
  script: string;
  /** URIs of stylesheets: media/codicons/codicon.css and dist/webview/<kind>.css. */
  styles: string[];
  /** A fresh nonce per load; tests may pass their own. */
  nonce?: string;
}

const TITLES: Record<WebviewKind, string> = { chat: 'CLaRa: Ask About Codebase', inspector: 'CLaRa Retrieval Inspector' };

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * default-src 'none': nothing loads unless listed. Scripts only with this load's nonce; styles and the codicon font
 * only from the extension's own resource origin; no inline styles (the webviews set sizes through CSSOM, which
 * style-src does not govern); images only from our origin; no network at all.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function buildWebviewHtml(kind: WebviewKind, assets: WebviewAssets): string {
  const nonce = assets.nonce ?? newNonce();
  const styles = assets.styles.map((s) => `<link rel="stylesheet" href="${attr(s)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(assets.cspSource, nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>${TITLES[kind]}</title>
  </head>
  <body class="clara-${kind}">
    <div id="app" data-kind="${kind}"></div>
    <script nonce="${attr(nonce)}" src="${attr(assets.script)}"></script>
  </body>
</html>`;
}
