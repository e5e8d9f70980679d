/**
 * `tsengine run [FLAGS] IMAGE [CMD [ARG...]]`: everything after the image belongs to the container,
 * untouched (`run alpine ls -la` must hand `-la` to ls). yargs cannot stop at the first positional inside
 * a subcommand, so the tail is split off here, walking the verb's own flag table: which flags take a
 * value, `--flag=value`, bundled short flags (`-it`, `-eK=V`), and `--`.
 */
export interface FlagSpec {
  readonly name: string;
  readonly alias?: string;
  /** Takes a value (`--name x`, `-e K=V`); booleans do not (but accept `--flag=false`). */
  readonly takesValue: boolean;
}

export interface SplitArgv {
  /** argv for yargs: global flags, the verb, its flags and the image. */
  readonly head: string[];
  /** The container's command and arguments, verbatim. */
  readonly tail: string[];
}

/** Splits after the first positional that follows `verbIndex`; argv unchanged when there is none. */
export function splitAtImage(argv: readonly string[], verbIndex: number, flags: readonly FlagSpec[]): SplitArgv {
  const long = new Map(flags.map((f) => [f.name, f]));
  const short = new Map(flags.filter((f) => f.alias).map((f) => [f.alias!, f]));
  let i = verbIndex + 1;
  while (i < argv.length) {
    const tok = argv[i]!;
    if (tok === '--') return { head: [...argv.slice(0, i), ...argv.slice(i + 1, i + 2)], tail: argv.slice(i + 2) };
    if (tok.startsWith('--')) {
      const name = tok.slice(2).split('=')[0]!;
      i += !tok.includes('=') && long.get(name)?.takesValue ? 2 : 1;
      continue;
    }
    if (tok.startsWith('-') && tok.length > 1) {
      // -it, -e K=V, -eK=V: the first value-taking letter takes the rest of the token, or the next token.
      let step = 1;
      for (let j = 1; j < tok.length; j++) {
        if (short.get(tok[j]!)?.takesValue) {
          if (j === tok.length - 1) step = 2;
          break;
        }
      }
      i += step;
      continue;
    }
    return { head: argv.slice(0, i + 1), tail: argv.slice(i + 1) };
  }
  return { head: [...argv], tail: [] };
}

/** Index of the verb in argv, skipping the global flags (and their values) that come before it. */
export function verbIndex(argv: readonly string[], globalValueFlags: ReadonlySet<string>): number {
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (tok === '--') return -1;
    if (tok.startsWith('-')) {
      if (!tok.includes('=') && globalValueFlags.has(tok.replace(/^-+/, ''))) i++;
      continue;
    }
    return i;
  }
  return -1;
}
