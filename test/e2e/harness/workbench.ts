/**
 * The VS Code workbench in headless Chromium, driven by playwright-core (no browser download: Debian's Chromium).
 * Holds the few interactions the journeys need: palette commands, quick open, webview frames, the status bar,
 * screenshots, and the page console (where the extension host's console output arrives).
 */
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import * as path from 'node:path';
import { chromiumPath, ensureDir } from './paths';
import { waitUntil } from './step';

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface ConsoleLine {
  type: string;
  text: string;
}

export class Workbench {
  readonly console: ConsoleLine[] = [];
  readonly pageErrors: string[] = [];

  private constructor(
    private readonly browser: Browser,
    readonly page: Page,
  ) {
    page.on('console', (msg) => this.console.push({ type: msg.type(), text: msg.text() }));
    page.on('pageerror', (err) => this.pageErrors.push(err.message));
  }

  /** Starts Chromium and opens `folder` in the workbench served at `serverUrl`; resolves once the workbench is up. */
  static async open(serverUrl: string, folder: string, opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<Workbench> {
    const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: chromiumArgs });
    try {
      const context = await browser.newContext({
        viewport: { width: 1440, height: 900 },
        colorScheme: opts.colorScheme ?? 'light',
      });
      const page = await context.newPage();
      const wb = new Workbench(browser, page);
      await page.goto(`${serverUrl}/?folder=${encodeURIComponent(folder)}`, { waitUntil: 'domcontentloaded' });
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
      // The explorer is rendered once the remote file system answered: the workbench is usable from here.
      await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60_000 });
      return wb;
    } catch (err) {
      await browser.close().catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
  }

  /** Runs a command by its palette title ("CLaRa: Ask About Codebase"), picking the row whose label is exactly it. */
  async runCommand(title: string, timeoutMs = 15_000): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    const row = this.page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) })
      .first();
    // The palette lists the commands known when it opened; while an extension host is still starting (or restarting
    // after a trust decision) a command can be missing, so close and reopen until it shows or time is up.
    await waitUntil(`command "${title}" in the command palette`, timeoutMs, async () => {
      await this.openQuickInput('F1');
      await input.fill(`>${title}`);
      if (await row.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false)) return true;
      await this.page.keyboard.press('Escape');
      return false;
    }).catch(() => {
      throw new Error(`command "${title}" is not in the command palette`);
    });
    await row.click();
    // The palette closes, or (for commands that ask something) shows that command's own input instead.
    await waitUntil(`the palette to accept "${title}"`, timeoutMs, async () => {
      if (!(await input.isVisible())) return true;
      return (await input.inputValue()) !== `>${title}`;
    });
  }

  /** Opens a workspace file through Quick Open (Ctrl+P) and waits for its editor tab to be active. */
  async openFile(relPath: string, timeoutMs = 15_000): Promise<void> {
    const input = await this.openQuickInput('Control+P');
    await input.fill(relPath);
    const base = path.basename(relPath);
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: base }).first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.keyboard.press('Enter');
    await this.activeTab(base).waitFor({ state: 'visible', timeout: timeoutMs });
    // Keyboard focus can stay in a webview of the same editor group; the workbench's own command moves it into the
    // opened editor (a click on the text races the editor's first layout).
    const focused = this.page.locator('.editor-group-container.active .monaco-editor.focused').first();
    await waitUntil(`the editor of ${base} to have keyboard focus`, timeoutMs, async () => {
      if (await focused.isVisible()) return true;
      await this.runCommand('View: Focus Active Editor Group', 5_000);
      return focused.waitFor({ timeout: 2_000 }).then(() => true, () => false);
    });
  }

  private async openQuickInput(key: string): Promise<Locator> {
    const input = this.page.locator('.quick-input-widget input');
    // The first key press can land before the workbench has focus; retry until the palette shows.
    await waitUntil(`the quick input to open (${key})`, 15_000, async () => {
      if (await input.isVisible()) return true;
      // Focus the workbench where a click does nothing: the empty lower part of the activity bar (a click on
      // the title bar can hit a banner link, one in the editor moves a cursor).
      const bar = this.page.locator('.part.activitybar');
      const box = await bar.boundingBox();
      if (box) await bar.click({ position: { x: box.width / 2, y: box.height * 0.6 } }).catch(() => undefined);
      await this.page.keyboard.press(key);
      await input.waitFor({ state: 'visible', timeout: 2_000 }).catch(() => undefined);
      return input.isVisible();
    });
    return input;
  }

  activeTab(fileName: string): Locator {
    return this.page.locator('.tabs-container .tab.active', { hasText: fileName });
  }

  /** The cursor/selection status item, e.g. "Ln 12, Col 1 (340 selected)". */
  async editorSelectionStatus(): Promise<string> {
    return (await this.page.locator('[id="status.editor.selection"]').innerText()).trim();
  }

  /** Text of all status bar items (the extension's own item included). */
  async statusBarTexts(): Promise<string[]> {
    const items = await this.page.locator('.statusbar-item').allInnerTexts();
    return items.map((t) => t.trim()).filter(Boolean);
  }

  /**
   * The content frame of an extension's webview: panels (WebviewPanel) and views (WebviewView) are told apart by
   * the iframe's `purpose` parameter, the extension by `extensionId`. The content is two iframes deep.
   */
  webview(extensionId: string, kind: 'panel' | 'view'): FrameLocator {
    const purpose = kind === 'view' ? '[src*="purpose=webviewView"]' : ':not([src*="purpose=webviewView"])';
    return this.page
      .frameLocator(`iframe.webview.ready[src*="extensionId=${extensionId}"]${purpose}`)
      .frameLocator('iframe#active-frame');
  }

  async screenshot(file: string): Promise<string> {
    ensureDir(path.dirname(file));
    // Park the mouse on the empty activity bar so that no hover tooltip covers the picture.
    await this.page.mouse.move(20, this.page.viewportSize()!.height * 0.6);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Visible notification toasts (e.g. an activation error reported by the workbench). */
  async notifications(): Promise<string[]> {
    return (await this.page.locator('.notification-toast .notification-list-item-message').allInnerTexts()).map((t) =>
      t.trim(),
    );
  }
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
