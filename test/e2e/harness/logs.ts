/**
 * Reads what code-server wrote under <user-data>/logs/<session>/: the extension host log (activation, uncaught
 * errors) and output channels (plain ones in exthost*\/output_logging_*\/N-Name.log, log channels in
 * exthost*\/<publisher.name>/Name.log). Copies the whole folder into the results so CI keeps it.
 */
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

export class ServerLogs {
  constructor(private readonly userDataDir: string) {}

  get logsDir(): string {
    return path.join(this.userDataDir, 'logs');
  }

  files(): string[] {
    return walk(this.logsDir);
  }

  /** remoteexthost.log of every extension host session (a reload starts a new one). */
  extensionHostLog(): string {
    return this.files()
      .filter((f) => path.basename(f) === 'remoteexthost.log')
      .sort()
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
  }

  /** All output-channel files whose name or folder matches `channel` (e.g. "CLaRa") or the extension id. */
  outputChannel(channel: string, extensionId: string): { file: string; text: string }[] {
    return this.files()
      .filter((f) => {
        const rel = path.relative(this.logsDir, f);
        const base = path.basename(f, '.log');
        return (
          (rel.includes('output_logging_') && base.replace(/^\d+-/, '') === channel) ||
          rel.split(path.sep).includes(extensionId)
        );
      })
      .map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  }

  copyTo(dest: string): void {
    if (existsSync(this.logsDir)) cpSync(this.logsDir, dest, { recursive: true });
  }
}

/**
 * Lines of the extension host log that report an uncaught error from `extensionId`: a failed activation, or an
 * error whose message or stack names the extension. Gallery/vsda noise of the offline server is not ours.
 */
export function uncaughtErrors(extHostLog: string, extensionId: string): string[] {
  const lines = extHostLog.split('\n');
  const found: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!/\[error\]/i.test(line)) continue;
    // An error entry is the [error] line plus its indented stack lines.
    const entry = [line];
    for (let j = i + 1; j < lines.length && !/^\d{4}-\d{2}-\d{2} /.test(lines[j]); j++) entry.push(lines[j]);
    const text = entry.join('\n');
    if (text.toLowerCase().includes(extensionId.toLowerCase())) found.push(text);
  }
  return found;
}
