/**
 * Command-line parsing for `clara`: positionals and `--flags`, checked against the flags a command declares.
 * Anything wrong is a UsageError, which main.ts turns into exit code 2 with the command's usage line.
 */
import { checkQuestion } from '../engine/answer/question-check';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** 'boolean' flags take no value (`--json`); 'string' flags take the next argument or `--flag=value`. */
export type FlagSpec = Record<string, 'boolean' | 'string'>;

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[], spec: FlagSpec): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (!arg.startsWith('--') || arg === '--') { positionals.push(arg); continue; }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === 'boolean') {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
    } else {
      const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    }
  }
  return { positionals, flags };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function positiveIntFlag(args: ParsedArgs, name: string): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`--${name} must be a whole number from 1 to 1000, got '${v}'`);
  return n;
}

export function choiceFlag<T extends string>(args: ParsedArgs, name: string, choices: readonly T[]): T | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${choices.join('|')}, got '${v}'`);
  return v as T;
}

/** The question argument, cleaned; an empty one is a usage error (exit 2) with the engine's message. */
export function questionArg(raw: string): string {
  try {
    return checkQuestion(raw);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
