/**
 * One `clara` command: its usage line, the flags it accepts and what it does. main.ts holds the table of them;
 * each lives in commands/<name>.ts.
 */
import type { FlagSpec, ParsedArgs } from './cli-args';

export interface CliIo {
  /** Results (the answer, --json documents). */
  out(text: string): void;
  /** Progress and diagnostics, so that stdout stays parseable. */
  err(text: string): void;
  /** Aborted on SIGINT: long commands stop cleanly and still close the store. */
  signal: AbortSignal;
  /** Whether stderr is a terminal (progress redraws one line instead of printing many). */
  errIsTty: boolean;
}

export interface CliCommand {
  /** e.g. 'search <dir> "<question>"' */
  usage: string;
  summary: string;
  flags: FlagSpec;
  /** Returns the exit code (0 ok, 1 error); throws UsageError for exit code 2. */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}
