/** `clara ask <dir> "<question>"`: a streamed answer from the retrieved memories, then its sources. */
import { questionArg, UsageError } from '../cli-args';
import type { CliCommand } from '../cli-command';
import { ENGINE_FLAGS, withEngine, workspaceDir } from '../cli-engine';
import { askJson, formatSources } from '../cli-output';

export const askCommand: CliCommand = {
  usage: 'ask <dir> "<question>"',
  summary: 'answer a question from the memories of <dir>, citing path:lines',
  flags: ENGINE_FLAGS,
  async run(args, io) {
    if (args.positionals.length !== 2) throw new UsageError('expected <dir> and one quoted "<question>"');
    const root = workspaceDir(args);
    const question = questionArg(args.positionals[1]);
    const json = args.flags.has('json');
    return withEngine(root, args, async (engine, options) => {
      let streamed = false;
      const result = await engine.ask(question, {
        topK: options.topK,
        signal: io.signal,
        // Human output streams as the model writes; --json prints one document at the end.
        onToken: json ? undefined : (text) => { if (!streamed) text = text.trimStart(); if (text) { streamed = true; io.out(text); } },
      });
      if (json) {
        io.out(`${JSON.stringify(askJson(result))}\n`);
        return 0;
      }
      if (!streamed) io.out(result.answer);
      io.out('\n');
      // An abstained answer already lists the nearest memories in its text.
      if (!result.abstained) io.out(`\n${formatSources(result.citations)}\n`);
      if (result.foundByName.length > 0) {
        io.out(`(memory scores under the model's threshold; answered because the sources hold ${result.foundByName.join(', ')})\n`);
      }
      return 0;
    });
  },
};
