/** `clara search <dir> "<question>"`: the retrieved memories, ranked, without generating an answer. */
import { questionArg, UsageError } from '../cli-args';
import type { CliCommand } from '../cli-command';
import { ENGINE_FLAGS, withEngine, workspaceDir } from '../cli-engine';
import { formatHit, searchJson } from '../cli-output';

export const searchCommand: CliCommand = {
  usage: 'search <dir> "<question>"',
  summary: 'rank the indexed memories for a question (memory score, fused with BM25 unless --no-lexical)',
  flags: ENGINE_FLAGS,
  async run(args, io) {
    if (args.positionals.length !== 2) throw new UsageError('expected <dir> and one quoted "<question>"');
    const root = workspaceDir(args);
    const question = questionArg(args.positionals[1]);
    return withEngine(root, args, async (engine, options) => {
      const hits = await engine.search(question, options.topK);
      if (args.flags.has('json')) io.out(`${JSON.stringify(searchJson(hits))}\n`);
      else if (hits.length === 0) io.out(`No memories found. Is ${root} indexed? Run: clara index ${root}\n`);
      else io.out(`${hits.map(formatHit).join('\n')}\n`);
      return 0;
    });
  },
};
