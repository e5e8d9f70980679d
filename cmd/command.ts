import type { Argv } from 'yargs';
import type { Args, CliContext } from './context.ts';

/** One verb: its yargs surface and a handler that returns the exit code (undefined = 0). */
export interface CommandSpec {
  /** yargs command string, e.g. 'pull <image>'. */
  readonly command: string;
  readonly aliases?: readonly string[];
  readonly describe: string;
  readonly flags?: (y: Argv) => Argv;
  readonly run: (ctx: CliContext, args: Args) => Promise<number | undefined>;
}

export function defineCommand(spec: CommandSpec): CommandSpec {
  return spec;
}

/** A usage error from flag parsing: exit 125 with `See 'tsengine X --help'`. */
export class UsageError extends Error {
  readonly verb: string;
  constructor(message: string, verb: string) {
    super(message);
    this.name = 'UsageError';
    this.verb = verb;
  }
}
