/** `clara status <dir>`: the index's state, including every skipped file with its reason. */
import { UsageError } from '../cli-args';
import type { CliCommand } from '../cli-command';
import { ENGINE_FLAGS, withEngine, workspaceDir } from '../cli-engine';

export const statusCommand: CliCommand = {
  usage: 'status <dir>',
  summary: 'show the index of <dir>: files, chunks, memory tokens, size, model, provider, skipped files',
  flags: ENGINE_FLAGS,
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('expected exactly one <dir>');
    const root = workspaceDir(args);
    return withEngine(root, args, async (engine) => {
      const s = await engine.state();
      if (args.flags.has('json')) {
        io.out(`${JSON.stringify(s)}\n`);
        return 0;
      }
      const lines = [
        `Index of ${root} (${root}/.clara)`,
        `  files: ${s.files}, chunks: ${s.chunks}, memory tokens: ${s.memoryTokens}, on disk: ${(s.bytesOnDisk / 1024 / 1024).toFixed(2)} MiB`,
        `  compression rate: ${s.compressionRate}x; model: ${s.model.name} ${s.model.version} (${s.model.config}) on ${s.model.executionProvider}`,
        `  last update: ${s.lastUpdate ?? 'never (run: clara index <dir>)'}`,
        `  skipped: ${s.skipped.length} file(s)`,
        ...s.skipped.map((f) => `    ${f.path}: ${f.reason}`),
      ];
      io.out(`${lines.join('\n')}\n`);
      return 0;
    });
  },
};
