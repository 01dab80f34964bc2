/** Builds the VSIX the README's way (`npm run package`) and finds the file it produced. */
import { spawn } from 'node:child_process';
import { copyFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { readManifest } from './clara-ui';
import { newRunDir, repoRoot } from './paths';

export async function buildVsix(logLine: (s: string) => void = () => undefined): Promise<string> {
  const manifest = readManifest();
  if (!manifest.scripts?.package) {
    throw new Error('package.json has no "package" script: the extension cannot be built into a VSIX yet');
  }
  const started = Date.now();
  // One retry: package-vsix.mjs stages into a shared .cache/vsix/ folder, and a second `npm run package` running at
  // the same moment (another developer on this machine) makes one of them fail; a real build error fails twice.
  let result = await runPackage();
  if (result.code !== 0) {
    logLine(`npm run package failed (exit ${result.code}); retrying once in 10 s`);
    await new Promise((r) => setTimeout(r, 10_000));
    result = await runPackage();
  }
  if (result.code !== 0) throw new Error(`npm run package exited with ${result.code}:\n${result.output.slice(-6000)}`);
  // The newest clara-code-*.vsix written by this build (vsce names it <name>-<version>.vsix).
  const candidates = readdirSync(repoRoot)
    .filter((f) => f.startsWith(`${manifest.name}-`) && f.endsWith('.vsix'))
    .map((f) => path.join(repoRoot, f))
    .filter((f) => statSync(f).mtimeMs >= started - 1000)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (candidates.length === 0) throw new Error(`npm run package succeeded but wrote no ${manifest.name}-*.vsix in ${repoRoot}`);
  logLine(`built ${path.basename(candidates[0])} (${(statSync(candidates[0]).size / 1048576).toFixed(1)} MiB)`);
  return snapshotVsix(candidates[0]);
}

/** A private copy: the repo-root VSIX is rewritten by anyone who runs `npm run package` while the suite runs. */
export function snapshotVsix(file: string): string {
  const dir = newRunDir('vsix');
  const copy = path.join(dir, path.basename(file));
  copyFileSync(file, copy);
  // ~100 MiB each: gone with the test process rather than waiting for the run-folder pruning.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return copy;
}

function runPackage(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const output: string[] = [];
    const child = spawn('npm', ['run', 'package'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (b: Buffer) => output.push(b.toString());
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output: output.join('') }));
  });
}
