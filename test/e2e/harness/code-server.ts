/**
 * One code-server (VS Code 1.100.3 in the browser) per test run, with a throwaway user-data and extensions folder.
 * The server is started in its own process group so that stopping it also stops the extension host and anything the
 * extension spawned; a process-exit hook does the same if the test process dies first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { codeServerEntry } from './paths';
import { StopWaiting, waitUntil } from './step';

export interface CodeServerOptions {
  /** Folder holding user-data/, extensions/, xdg/ and server.log for this run. */
  runDir: string;
  /** true: workspace trust on (the folder opens in Restricted Mode); false: trust disabled, as in normal runs. */
  workspaceTrust?: boolean;
  /** Extra user settings merged over the suite's defaults. */
  settings?: Record<string, unknown>;
}

const liveGroups = new Set<number>();
// Stops any server still running when the test process exits, however it exits.
process.on('exit', () => {
  for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
});
// A cancelled CI job or Ctrl+C: node would die without running 'exit' handlers, leaving the servers behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pgid: number): boolean {
  return killGroup(pgid, 0 as unknown as NodeJS.Signals);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export class CodeServer {
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly logFile: string;
  private readonly env: NodeJS.ProcessEnv;
  private child?: ChildProcess;
  port = 0;

  constructor(private readonly options: CodeServerOptions) {
    if (!existsSync(codeServerEntry)) {
      throw new Error(`code-server not installed at ${codeServerEntry}: run test/e2e/install-tools.sh`);
    }
    this.userDataDir = path.join(options.runDir, 'user-data');
    this.extensionsDir = path.join(options.runDir, 'extensions');
    this.logFile = path.join(options.runDir, 'server.log');
    const xdg = path.join(options.runDir, 'xdg');
    for (const d of [this.userDataDir, this.extensionsDir, path.join(this.userDataDir, 'User'), xdg]) {
      mkdirSync(d, { recursive: true });
    }
    // XDG folders keep code-server's own config (password file, state) out of the real home.
    this.env = {
      ...process.env,
      XDG_CONFIG_HOME: path.join(xdg, 'config'),
      XDG_DATA_HOME: path.join(xdg, 'data'),
      XDG_CACHE_HOME: path.join(xdg, 'cache'),
    };
    delete this.env.VSCODE_IPC_HOOK_CLI;
    this.writeSettings();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private writeSettings(): void {
    const settings = {
      'security.workspace.trust.enabled': this.options.workspaceTrust ?? false,
      'telemetry.telemetryLevel': 'off',
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'extensions.ignoreRecommendations': true,
      'update.mode': 'none',
      'chat.commandCenter.enabled': false,
      'editor.minimap.enabled': false,
      // Toasts that would cover the screenshots and are not about the extension.
      'git.openRepositoryInParentFolders': 'never',
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      ...this.options.settings,
    };
    writeFileSync(path.join(this.userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  }

  private baseArgs(): string[] {
    return [codeServerEntry, '--user-data-dir', this.userDataDir, '--extensions-dir', this.extensionsDir];
  }

  /** Installs a VSIX into this run's extensions folder (a separate short-lived code-server invocation). */
  installExtension(vsix: string): string {
    const r = spawnSync(process.execPath, [...this.baseArgs(), '--install-extension', vsix, '--force'], {
      env: this.env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (r.status !== 0 || !/successfully installed/i.test(out)) {
      throw new Error(`installing ${path.basename(vsix)} into code-server failed (exit ${r.status}):\n${out}`);
    }
    return out.trim();
  }

  async start(workspace: string): Promise<void> {
    this.port = await freePort();
    const args = [
      ...this.baseArgs(),
      '--bind-addr', `127.0.0.1:${this.port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      ...(this.options.workspaceTrust ? [] : ['--disable-workspace-trust']),
      workspace,
    ];
    const log = createWriteStream(this.logFile);
    // detached: its own process group, so stop() reaches the extension host and the extension's children too.
    this.child = spawn(process.execPath, args, { env: this.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    const pid = this.child.pid;
    if (pid === undefined) throw new Error('code-server did not start (no pid)');
    liveGroups.add(pid);
    let exited: string | undefined;
    this.child.once('exit', (code, signal) => (exited = `code-server exited early (code ${code}, signal ${signal}); see ${this.logFile}`));
    await waitUntil(`code-server /healthz on port ${this.port}`, 30_000, async () => {
      if (exited) throw new StopWaiting(exited);
      const res = await fetch(`${this.url}/healthz`).catch(() => undefined);
      return res?.ok === true;
    });
  }

  /** Index folders the extension created in its workspace storage: workspaceStorage/<hash>/<extension id>/index. */
  extensionStoreDirs(extensionId: string): string[] {
    const root = path.join(this.userDataDir, 'User', 'workspaceStorage');
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .map((ws) => path.join(root, ws, extensionId, 'index'))
      .filter((dir) => existsSync(dir));
  }

  /** SIGTERM to the server's process group, then SIGKILL if anything is left after 10 s. */
  async stop(): Promise<void> {
    const pgid = this.child?.pid;
    if (pgid === undefined || !liveGroups.has(pgid)) return;
    killGroup(pgid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (groupAlive(pgid)) killGroup(pgid, 'SIGKILL');
    liveGroups.delete(pgid);
  }
}
