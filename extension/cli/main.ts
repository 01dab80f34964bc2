/**
 * `clara`: the command line over the engine. One table maps command names to their modules in commands/.
 * Exit codes: 0 ok, 1 error (a clear message on stderr), 2 usage.
 */
import { parseArgs, UsageError } from './cli-args';
import type { CliCommand, CliIo } from './cli-command';
import { askCommand } from './commands/ask';
import { benchCommand } from './commands/bench';
import { evalCommand } from './commands/eval';
import { indexCommand } from './commands/index';
import { searchCommand } from './commands/search';
import { statusCommand } from './commands/status';

const COMMANDS: Record<string, CliCommand> = {
  index: indexCommand,
  search: searchCommand,
  ask: askCommand,
  status: statusCommand,
  eval: evalCommand,
  bench: benchCommand,
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([, c]) => `  clara ${c.usage.padEnd(34)} ${c.summary}`);
  return [
    'Usage:',
    ...rows,
    '',
    'Options: --json  --top-k N  --bundle DIR  --provider auto|cpu|cuda  --no-lexical',
    'See docs/CLI.md.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`clara: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nclara: stopping (Ctrl-C again to quit at once)…\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const io: CliIo = {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    signal: controller.signal,
    errIsTty: process.stderr.isTTY === true,
  };
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`Usage: clara ${command.usage}\n  ${command.summary}\n`);
      return 0;
    }
    return await command.run(parseArgs(rest, command.flags), io);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`clara ${name}: ${err.message}\nUsage: clara ${command.usage}\n`);
      return 2;
    }
    process.stderr.write(`clara ${name}: ${(err as Error).message ?? String(err)}\n`);
    if (process.env.CLARA_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

if (require.main === module) {
  // Exit explicitly: native thread pools (ONNX Runtime, LanceDB) must not keep a finished command alive.
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => { process.stderr.write(`clara: ${String(err)}\n`); process.exit(1); },
  );
}
