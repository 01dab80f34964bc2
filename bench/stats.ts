/** Percentiles and the machine description every bench result carries. */
import { readFileSync } from 'node:fs';
import { cpus, totalmem, release, platform } from 'node:os';
import { join } from 'node:path';

/** Nearest-rank percentile of `values` (p in 0..100); NaN for no values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

function pkgVersion(root: string, name: string): string {
  try { return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return 'n/a'; }
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  onnxruntimeNode: string;
  lancedb: string;
  transformersJs: string;
  minisearch: string;
}

export function machineInfo(repoRoot: string): MachineInfo {
  const c = cpus();
  return {
    cpuModel: c[0]?.model ?? 'unknown',
    cores: c.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    onnxruntimeNode: pkgVersion(repoRoot, 'onnxruntime-node'),
    lancedb: pkgVersion(repoRoot, '@lancedb/lancedb'),
    transformersJs: pkgVersion(repoRoot, '@huggingface/transformers'),
    minisearch: pkgVersion(repoRoot, 'minisearch'),
  };
}
