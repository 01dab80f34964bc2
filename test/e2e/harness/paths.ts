/**
 * Where the real-VS-Code suite finds its tools and puts its output.
 * Tools live outside the project's node_modules (install-tools.sh) because that folder is shared with others.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const toolsDir = process.env.CLARA_E2E_TOOLS ?? path.join(repoRoot, '.e2e', 'tools');
/**
 * Throwaway per-run folders (user data, extensions, fixture workspace). Outside the repository on purpose: a fixture
 * inside it would sit under the project's .gitignore and git repository, which a real user's workspace does not.
 */
export const runsDir = process.env.CLARA_E2E_RUNS ?? path.join(os.tmpdir(), 'clara-e2e-runs');
/** The folder CI keeps: screenshots, copied logs, timings. */
export const resultsDir = path.join(repoRoot, 'test-results', 'e2e');
/** The README's screenshot, refreshed by each passing journey. */
export const readmeScreenshot = path.join(repoRoot, 'docs', 'images', 'clara-chat-inspector.png');

export const codeServerEntry = path.join(toolsDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** Debian's chromium wrapper prints a harmless warning; the binary itself is what Playwright should start. */
export function chromiumPath(): string {
  const candidates = [process.env.CLARA_E2E_CHROMIUM, '/usr/lib/chromium/chromium', '/usr/bin/chromium'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error('Chromium not found: run test/e2e/install-tools.sh (apt package "chromium") or set CLARA_E2E_CHROMIUM');
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A fresh folder for one test run, named so that parallel runs never share state. Keeps the 12 newest runs. */
export function newRunDir(label: string): string {
  if (existsSync(runsDir)) {
    const old = readdirSync(runsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    for (const name of old.slice(0, Math.max(0, old.length - 12))) rmSync(path.join(runsDir, name), { recursive: true, force: true });
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return ensureDir(path.join(runsDir, `${stamp}-${label}-${process.pid}`));
}
