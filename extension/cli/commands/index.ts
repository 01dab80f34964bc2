/** `clara index <dir>`: index (or update) the workspace's memories; progress on stderr, summary at the end. */
import type { IndexProgress } from '../../engine/engine-api';
import { UsageError } from '../cli-args';
import type { CliCommand, CliIo } from '../cli-command';
import { ENGINE_FLAGS, withEngine, workspaceDir } from '../cli-engine';

export const indexCommand: CliCommand = {
  usage: 'index <dir>',
  summary: 'compress the code under <dir> into memories (kept in <dir>/.clara/); only changed files are recompressed',
  flags: ENGINE_FLAGS,
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('expected exactly one <dir>');
    const root = workspaceDir(args);
    const json = args.flags.has('json');
    return withEngine(root, args, async (engine) => {
      const progress = progressPrinter(io);
      const summary = await engine.index({ signal: io.signal, onProgress: progress.update });
      progress.done();
      const state = await engine.state();
      if (json) {
        io.out(`${JSON.stringify({ summary, state: { files: state.files, chunks: state.chunks, skipped: state.skipped.length } })}\n`);
      } else {
        io.out(`${[
          `Indexed ${root}`,
          `  files: ${summary.filesIndexed} indexed, ${summary.filesUnchanged} unchanged, ${summary.filesRemoved} removed, ${summary.filesSkipped} skipped`,
          `  chunks: ${summary.chunksCompressed} compressed, ${summary.chunksReused} reused; index now ${state.files} files, ${state.chunks} chunks`,
          `  model: ${state.model.name} ${state.model.version} on ${state.model.executionProvider}; ${(summary.ms / 1000).toFixed(1)} s`,
        ].join('\n')}\n`);
      }
      return 0;
    });
  },
};

/** Redraws one stderr line on a terminal; elsewhere prints a line at most every 2 s so that logs stay short. */
function progressPrinter(io: CliIo): { update: (p: IndexProgress) => void; done: () => void } {
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const now = Date.now();
      const final = p.phase === 'done' || p.phase === 'error';
      if (!final && now - last < (io.errIsTty ? 100 : 2000)) return;
      last = now;
      const line = `${p.phase} ${p.filesDone}/${p.filesTotal} files, ${p.chunksDone} chunks${p.message ? ` — ${p.message}` : ''}`;
      if (io.errIsTty) { io.err(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`); drawn = true; }
      else io.err(`${line}\n`);
    },
    done() { if (drawn) io.err('\n'); },
  };
}
