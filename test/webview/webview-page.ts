/**
 * Loads a webview's real page in headless Chromium: the bundle built from webview/<kind>/main.ts with esbuild, the
 * HTML from the same builder the host uses (extension/webview-html.ts) with its CSP and nonce, served over HTTP from
 * 127.0.0.1 as VS Code serves webview resources from its own origin. The one thing installed before the bundle is
 * acquireVsCodeApi — the browser-side boundary VS Code provides — which records postMessage calls and keeps state.
 * Page-side code is passed as strings: this file is typechecked without the DOM lib, and the __name() helper of
 * tsx's keepNames would not exist in the page.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildWebviewHtml, type WebviewKind } from '../../extension/webview-html';
import { themes, type ThemeName } from './theme-variables';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const resultsDir = path.join(repoRoot, 'test-results');

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

const TYPES: Record<string, string> = {
  '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.html': 'text/html', '.svg': 'image/svg+xml',
};

export interface WebviewHarness {
  browser: Browser;
  origin: string;
  close(): Promise<void>;
  open(kind: WebviewKind, theme: ThemeName, state?: unknown): Promise<WebviewPage>;
}

export interface WebviewPage {
  page: Page;
  /** Messages the webview posted to the host, in order. */
  posted(): Promise<Array<Record<string, unknown>>>;
  /** The state the webview last saved with setState. */
  state(): Promise<unknown>;
  /** Delivers a host → webview message the way VS Code does (a window 'message' event). */
  send(message: unknown): Promise<void>;
  /** CSP violations and uncaught errors seen so far. */
  problems(): { csp: string[]; errors: string[] };
  screenshot(name: string): Promise<string>;
}

/** Builds both webview bundles (as esbuild.mjs does) into a temporary folder. */
async function buildBundles(outDir: string): Promise<void> {
  await esbuild.build({
    bundle: true, platform: 'browser', target: 'es2022', format: 'iife', logLevel: 'silent',
    entryPoints: { chat: path.join(repoRoot, 'webview/chat/main.ts'), inspector: path.join(repoRoot, 'webview/inspector/main.ts') },
    outdir: outDir,
  });
}

export async function startHarness(): Promise<WebviewHarness> {
  const buildDir = mkdtempSync(path.join(tmpdir(), 'clara-webview-'));
  await buildBundles(buildDir);
  const pages = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let file: string | undefined;
    let body: string | Buffer | undefined;
    if (pages.has(url.pathname)) body = pages.get(url.pathname);
    else if (url.pathname.startsWith('/dist/webview/')) file = path.join(buildDir, path.basename(url.pathname));
    else if (url.pathname.startsWith('/media/')) file = path.join(repoRoot, 'media', ...url.pathname.slice(7).split('/').filter((p) => p !== '..'));
    try {
      if (file) body = readFileSync(file);
    } catch {
      body = undefined;
    }
    if (body === undefined) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': TYPES[file ? path.extname(file) : '.html'] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const origin = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  mkdirSync(resultsDir, { recursive: true });
  let count = 0;

  return {
    browser,
    origin,
    async close() {
      await browser.close();
      await new Promise((r) => server.close(r));
      rmSync(buildDir, { recursive: true, force: true });
    },
    async open(kind, theme, initialState) {
      const html = buildWebviewHtml(kind, {
        cspSource: origin,
        script: `${origin}/dist/webview/${kind}.js`,
        styles: [`${origin}/media/codicons/codicon.css`, `${origin}/dist/webview/${kind}.css`],
      });
      const pagePath = `/${kind}-${++count}.html`;
      pages.set(pagePath, html);
      const page = await browser.newPage({ viewport: kind === 'chat' ? { width: 760, height: 820 } : { width: 380, height: 900 } });
      const problems = { csp: [] as string[], errors: [] as string[] };
      page.on('pageerror', (e) => problems.errors.push(e.message));
      page.on('console', (m) => {
        // Resource failures are reported with their URL below; Chromium's own favicon request is not the page's.
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.errors.push(m.text());
      });
      page.on('response', (r) => {
        if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.errors.push(`${r.status()} ${r.url()}`);
      });
      const t = themes[theme];
      // A string, not a function: tsx compiles this file with keepNames, whose __name() helper the page lacks.
      await page.addInitScript(`(() => {
        const vars = ${JSON.stringify(t.vars)};
        window.__posted = [];
        window.__state = ${JSON.stringify(initialState ?? null)} ?? undefined;
        window.__csp = [];
        // VS Code's webview API as the page sees it: recorded postMessage, getState/setState.
        window.acquireVsCodeApi = () => ({
          postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
          getState: () => window.__state,
          setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); },
        });
        document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
        // VS Code sets the theme variables on <html> and a theme class on <body>.
        document.addEventListener('DOMContentLoaded', () => {
          for (const k of Object.keys(vars)) document.documentElement.style.setProperty('--vscode-' + k, vars[k]);
          document.body.classList.add(${JSON.stringify(t.bodyClass)});
        });
      })();`);
      await page.goto(`${origin}${pagePath}`);
      await page.waitForFunction('window.__posted.length > 0', undefined, { timeout: 10_000 });
      return {
        page,
        posted: () => page.evaluate('window.__posted') as Promise<Array<Record<string, unknown>>>,
        state: () => page.evaluate('window.__state'),
        send: async (message) => {
          await page.evaluate(`window.postMessage(${JSON.stringify(message)}, '*')`);
          // Let the message event and one animation frame (token rendering is per frame) run.
          await page.evaluate('new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))');
        },
        problems: () => problems,
        screenshot: async (name) => {
          const file = path.join(resultsDir, `${name}.png`);
          await page.screenshot({ path: file, fullPage: true });
          return file;
        },
      };
    },
  };
}

export async function cspViolations(p: WebviewPage): Promise<string[]> {
  return p.page.evaluate('window.__csp') as Promise<string[]>;
}
