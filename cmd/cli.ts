/**
 * The yargs root: global flags, the verbs and their `image …` forms, and usage errors turned into
 * podman's shape (`Error: unknown flag: --foo` + `See 'tsengine pull --help'`, exit 125).
 */
import yargs, { type Argv } from 'yargs';
import { type CommandSpec, UsageError } from './command.ts';
import { create } from './commands/create.ts';
import { CREATE_FLAGS, RUN_ONLY_FLAGS } from './commands/create-flags.ts';
import { images } from './commands/images.ts';
import { containerInspect, inspect, imageInspect } from './commands/inspect.ts';
import { kill, rm, start, stop, wait } from './commands/lifecycle.ts';
import { attach } from './commands/attach.ts';
import { exec, EXEC_FLAGS } from './commands/exec.ts';
import { logs } from './commands/logs.ts';
import { ps } from './commands/ps.ts';
import { run } from './commands/run.ts';
import { splitAtImage, verbIndex } from './parse/split-argv.ts';
import { pull } from './commands/pull.ts';
import { rmi } from './commands/rmi.ts';
import { tag } from './commands/tag.ts';
import { runtimeCheck } from './commands/runtime-check.ts';
import { runtimeAdd, runtimeDefault, runtimeLs, runtimeRm } from './commands/runtime.ts';
import { info } from './commands/info.ts';
import { port } from './commands/port.ts';
import { VOLUME_SUB } from './commands/volume.ts';
import type { Args, CliContext } from './context.ts';

const TOP: readonly CommandSpec[] = [run, create, start, exec, attach, ps, logs, wait, stop, kill, rm, port, pull, images, rmi, tag, inspect, info];
/** `tsengine container <sub>` forms. */
const CONTAINER_SUB: readonly CommandSpec[] = [run, create, start, exec, attach, { ...ps, aliases: ['ls', 'list'] }, logs, wait, stop, kill, rm, port, containerInspect];
/** Global flags that take a value (for finding the verb before yargs parses). */
const GLOBAL_VALUE_FLAGS: ReadonlySet<string> = new Set(['root', 'runroot', 'log-level', 'runtime', 'runtime-flag']);

/** run/create/exec: the command after the image (exec: the container) goes to it verbatim, so yargs never sees it. */
function splitCommandTail(argv: readonly string[]): { head: string[]; tail: string[] } {
  let i = verbIndex(argv, GLOBAL_VALUE_FLAGS);
  if (i >= 0 && argv[i] === 'container') i++;
  const verb = argv[i];
  if (verb === 'exec') return splitAtImage(argv, i, EXEC_FLAGS);
  if (verb !== 'run' && verb !== 'create') return { head: [...argv], tail: [] };
  return splitAtImage(argv, i, verb === 'run' ? [...CREATE_FLAGS, ...RUN_ONLY_FLAGS] : CREATE_FLAGS);
}
/** The verb (`container X` → X), or undefined. */
function verbOf(argv: readonly string[]): string | undefined {
  let i = verbIndex(argv, GLOBAL_VALUE_FLAGS);
  if (i >= 0 && argv[i] === 'container') i++;
  return i >= 0 ? argv[i] : undefined;
}

/** `tsengine image <sub>` forms, docker's and podman's. */
const IMAGE_SUB: readonly CommandSpec[] = [
  { ...pull, command: pull.command },
  { ...images, command: 'ls', aliases: ['list'] },
  { ...rmi, command: 'rm <images..>' },
  { ...tag, command: tag.command },
  { ...imageInspect, command: 'inspect <names..>' },
];

/**
 * `tsengine runtime <sub>` forms: one CommandSpec per subcommand; a new one joins by being listed here.
 * `ls|add|rm|default` are cmd/commands/runtime.ts, `check` is cmd/commands/runtime-check.ts.
 */
const RUNTIME_SUB: readonly CommandSpec[] = [runtimeLs, runtimeAdd, runtimeRm, runtimeDefault, runtimeCheck];
/** `tsengine system <sub>` forms (podman's). */
const SYSTEM_SUB: readonly CommandSpec[] = [info];
/** `tsengine <group> <verb>` forms: container, image, runtime, system, volume. */
const GROUPS: readonly (readonly [string, string, readonly CommandSpec[]])[] = [
  ['container', 'Manage containers', CONTAINER_SUB],
  ['image', 'Manage images', IMAGE_SUB],
  ['runtime', 'Manage and check OCI runtimes', RUNTIME_SUB],
  ['system', 'Manage the system: info', SYSTEM_SUB],
  ['volume', 'Manage volumes', VOLUME_SUB],
];

export interface GlobalArgs {
  root?: string;
  runroot?: string;
  runtime?: string;
  'runtime-flag'?: string[];
  'log-level': string;
  /** run/create/exec: the command after the image (exec: the container). */
  commandTail: readonly string[];
}

function usageMessage(msg: string): string {
  const unknown = /^Unknown arguments?: (.+)$/.exec(msg);
  if (unknown) {
    const flag = unknown[1]!.split(', ')[0]!;
    return `unknown flag: ${flag.length === 1 ? `-${flag}` : `--${flag}`}`;
  }
  const notEnough = /^Not enough non-option arguments: got (\d+), need at least (\d+)$/.exec(msg);
  if (notEnough) return `requires at least ${notEnough[2]} arg(s), only received ${notEnough[1]}`;
  return msg.charAt(0).toLowerCase() + msg.slice(1);
}

interface YargsOptions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
}

/**
 * The first flag in argv that the verb does not know. yargs checks positionals before unknown flags, so
 * `pull --bogus x` would otherwise complain about a missing argument instead of the flag (podman names the flag).
 */
function unknownFlag(argv: readonly string[], o: YargsOptions): string | undefined {
  const known = new Set<string>(Object.keys(o.key));
  for (const [k, as] of Object.entries(o.alias)) {
    known.add(k);
    for (const a of as) known.add(a);
  }
  for (const tok of argv) {
    if (tok === '--') break;
    if (tok.startsWith('--')) {
      const name = tok.slice(2).split('=')[0]!;
      if (!known.has(name)) return `--${name}`;
    } else if (tok.startsWith('-') && tok.length > 1 && !/^-\d/.test(tok)) {
      for (const c of tok.slice(1).split('=')[0]!) if (!known.has(c)) return `-${c}`;
    }
  }
  return undefined;
}

interface ParseState {
  code: number | undefined;
  /** Set by parseOnly: the handler records the verb's arguments instead of running it. */
  capture?: (spec: CommandSpec, args: Args) => void;
  /** The flags of the verb being parsed (set by its builder), for unknown-flag messages. */
  options: YargsOptions | undefined;
  /** The verb being parsed, e.g. `pull` or `image ls`, for `See 'tsengine VERB --help'`. */
  verb: string;
}

function register(y: Argv, spec: CommandSpec, ctx: () => CliContext, result: ParseState, parent = ''): Argv {
  return y.command({
    command: spec.command,
    aliases: spec.aliases ? [...spec.aliases] : [],
    describe: spec.describe,
    builder: (sub: Argv) => {
      const built = spec.flags ? spec.flags(sub) : sub;
      result.options = (built as unknown as { getOptions(): YargsOptions }).getOptions();
      result.verb = `${parent}${spec.command.split(' ')[0]}`;
      return built;
    },
    handler: async (args: unknown) => {
      if (result.capture) result.capture(spec, args as Args);
      else result.code = await spec.run(ctx(), args as Args);
    },
  });
}

/** What the root parser's callbacks need from the command line being parsed. */
interface Invocation {
  readonly result: ParseState;
  /** argv up to the command tail: yargs' input, and where unknown flags are looked for. */
  readonly head: readonly string[];
  readonly tail: readonly string[];
  globals: GlobalArgs;
}

/** The command line being parsed: one at a time (the CLI parses once per process). */
let invocation: Invocation | undefined;
/** The root parser made at snapshot build (prebuildRootParser), for the one parse of this process. */
let prebuilt: Argv | undefined;

/** The yargs root: global flags and settings, none of which depend on the command line. */
function rootParser(): Argv {
  const y = yargs()
    .scriptName('tsengine')
    .usage('$0 [global flags] <command> [flags]')
    .option('root', { type: 'string', describe: 'Path to the store (default /var/lib/tsengine; env TSENGINE_ROOT)' })
    .option('runroot', { type: 'string', describe: 'Path to the run state (default /run/tsengine; env TSENGINE_RUNROOT)' })
    .option('log-level', { type: 'string', default: 'warn', choices: ['debug', 'info', 'warn', 'error'], describe: 'Log messages at and above this level' })
    .option('runtime', { type: 'string', describe: 'Default OCI runtime: crun (default), runc, runsc, a registered name, or a path' })
    .option('runtime-flag', { type: 'string', array: true, nargs: 1, describe: 'Extra global flag for the runtime (without the leading --)' })
    .middleware((a) => {
      const inv = invocation!;
      inv.globals = { ...(a as unknown as GlobalArgs), commandTail: inv.tail };
    })
    // podman/docker booleans take `--flag=false`; `--no-trunc` is a flag of its own, not a negation.
    .parserConfiguration({ 'boolean-negation': false })
    .strict()
    .demandCommand(1, 'missing command')
    .recommendCommands()
    .exitProcess(false)
    .showHelpOnFail(false)
    .version('0.1.0')
    .help()
    .fail((msg: string | null, err: Error | undefined) => {
      if (err) throw err;
      const { result, head } = invocation!;
      const word = /^Unknown arguments?: ([^,]+)/.exec(msg ?? '')?.[1];
      if (result.options === undefined && word !== undefined) {
        throw new UsageError(`unrecognized command \`tsengine ${word}\``, '');
      }
      const flag = result.options && unknownFlag(head, result.options);
      throw new UsageError(flag ? `unknown flag: ${flag}` : usageMessage(msg ?? 'invalid usage'), result.verb);
    }) as unknown as Argv;
  // yargs renders the whole help text before every command handler runs, in case the handler asks for it
  // later (command.js: `cacheHelpMessage()`); we never do, and the rendering (string widths, wrapping) cost
  // ~20 ms of every call. `--help` itself does not go through the cache.
  (y as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } })
    .getInternalMethods()
    .getUsageInstance().cacheHelpMessage = () => undefined;
  return y;
}

/**
 * Snapshot build only (cmd/snapshot-entry.ts, after the warm-up): makes the root parser now, so that it is
 * in the snapshot and the process's one parse starts from it (~1.7 ms of every call). It has parsed
 * nothing: yargs keeps state from a parse, so it serves once.
 */
export function prebuildRootParser(): void {
  prebuilt = rootParser();
}

/** Parses argv and runs the verb; returns the exit code. Throws EngineError/UsageError for main to print. */
export async function runCli(argv: readonly string[], makeCtx: (g: GlobalArgs) => CliContext, print: (s: string) => void, columns = 100): Promise<number> {
  const { head, tail } = splitCommandTail(argv);
  const fast = fastVerbs && fastParse(fastVerbs, head, tail);
  if (fast) return (await fast.spec.run(makeCtx(fast.globals), fast.args)) ?? 0;
  const result: ParseState = { code: undefined, options: undefined, verb: '' };
  await parseWithYargs(argv, head, tail, result, makeCtx, print, columns);
  return result.code ?? 0;
}

async function parseWithYargs(
  argv: readonly string[],
  head: readonly string[],
  tail: readonly string[],
  result: ParseState,
  makeCtx: (g: GlobalArgs) => CliContext,
  print: (s: string) => void,
  columns: number,
): Promise<void> {
  const inv: Invocation = { result, head, tail, globals: { 'log-level': 'warn', commandTail: tail } };
  invocation = inv;
  const ctx = () => makeCtx(inv.globals);
  let y = prebuilt ?? rootParser();
  prebuilt = undefined;
  // run/create own -v (--volume) and -h (--hostname), rm owns -v (--volumes), as podman's do; elsewhere they
  // are --version and --help.
  const verb = verbOf(argv);
  if (verb !== 'run' && verb !== 'create' && verb !== 'rm') y = y.alias('v', 'version');
  if (verb !== 'run' && verb !== 'create') y = y.alias('h', 'help');
  y = y.wrap(Math.min(120, columns));
  // A known verb registers alone (yargs builds every registered command, ~1 ms each for the big ones);
  // anything else (no verb, a typo, --help) gets all of them, for the list and the suggestions.
  const first = argv[verbIndex(argv, GLOBAL_VALUE_FLAGS)];
  const only = TOP.find((s) => s.command.split(' ')[0] === first || s.aliases?.includes(first ?? ''));
  const groupOnly = GROUPS.find(([g]) => g === first);
  for (const spec of only ? [only] : groupOnly ? [] : TOP) y = register(y, spec, ctx, result);
  for (const [group, describe, specs] of only ? [] : groupOnly ? [groupOnly] : GROUPS) {
    y = y.command(group, describe, (sub: Argv) => {
      result.verb = group;
      let s = sub.demandCommand(1, `missing ${group} command`);
      for (const spec of specs) s = register(s, spec, ctx, result, `${group} `);
      return s;
    });
  }
  await y.parseAsync(head, {}, (_err: unknown, _argv: unknown, output: string) => {
    if (output) print(output.endsWith('\n') ? output : `${output}\n`);
  });
}

/** The context of a parse that only captures arguments (ParseState.capture): no verb runs, so none is made. */
function noContext(): CliContext {
  throw new Error('a capturing parse runs no verb');
}

/** What yargs hands a verb for argv (run/create/exec: split at the image first), without running it. */
export async function parseOnly(argv: readonly string[]): Promise<{ spec: CommandSpec; args: Args; globals: GlobalArgs } | undefined> {
  const { head, tail } = splitCommandTail(argv);
  let got: { spec: CommandSpec; args: Args } | undefined;
  const result: ParseState = { code: undefined, options: undefined, verb: '', capture: (spec, args) => (got = { spec, args }) };
  await parseWithYargs(argv, head, tail, result, noContext, () => undefined, 100);
  return got && { ...got, globals: invocation!.globals };
}

// ---- The fast path: the common command lines without yargs ----
//
// yargs costs ~4-6 ms of every call (three parser passes, command and option machinery), a tenth of a short
// verb. The verbs below, given only global flags, their own boolean flags and their positionals (run and
// create: before the image), are parsed here instead, into exactly the arguments yargs would hand them:
// at snapshot build, prebuildFastPath has yargs parse each verb once and keeps what it produced (every
// option's default, alias and camelCase key) and which flags are booleans. Anything else (a flag that takes
// a value, bundled short flags, --help, a missing positional, `container X` forms) goes to yargs, which
// also makes every error message. test/unit/cli-fast-path.test.ts compares both parsers line by line.

const FAST: readonly CommandSpec[] = [run, create, start, stop, kill, wait, rm, ps, logs, inspect];
const PLACEHOLDER = 'fast-path-placeholder';

interface FastVerb {
  readonly spec: CommandSpec;
  /** yargs' arguments for `VERB PLACEHOLDER…` (one per required positional). */
  readonly args: Readonly<Args>;
  /** `--force`, `-f` → every key yargs sets for it (force, f). */
  readonly booleans: ReadonlyMap<string, readonly string[]>;
  readonly positional: { readonly name: string; readonly min: number; readonly max: number } | undefined;
  /** The choices of --log-level. */
  readonly logLevels: readonly string[];
}

let fastVerbs: ReadonlyMap<string, FastVerb> | undefined;

const camel = (k: string) => k.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The command string's one positional group (`<a>`, `[a]`, `<a..>`, `[a..]`), or undefined for none. */
function positionalOf(command: string): FastVerb['positional'] | 'unsupported' {
  const groups = command.split(' ').slice(1);
  if (groups.length === 0) return undefined;
  const m = groups.length === 1 ? /^([<[])([a-z-]+)(\.\.)?[>\]]$/.exec(groups[0]!) : null;
  if (!m) return 'unsupported';
  return { name: m[2]!, min: m[1] === '<' ? 1 : 0, max: m[3] ? Infinity : 1 };
}

/**
 * Snapshot build only (cmd/snapshot-entry.ts, before the warm-ups, which then go through it): has yargs parse
 * each FAST verb once and keeps what it produced. Without it (plain `node dist/cmd/main.js`), every line goes
 * through yargs.
 */
export async function prebuildFastPath(): Promise<void> {
  const verbs = new Map<string, FastVerb>();
  for (const spec of FAST) {
    const verb = spec.command.split(' ')[0]!;
    const positional = positionalOf(spec.command);
    if (positional === 'unsupported') throw new Error(`fast path: cannot read the positionals of \`${spec.command}\``);
    const argv = [verb, ...Array.from({ length: positional?.min ?? 0 }, () => PLACEHOLDER)];
    const { head } = splitCommandTail(argv);
    let options: (YargsOptions & { boolean: string[]; choices: Record<string, string[]> }) | undefined;
    let args: Args | undefined;
    const result: ParseState = {
      code: undefined,
      options: undefined,
      verb: '',
      capture: (_spec, a) => {
        args = a;
        options = result.options as typeof options;
      },
    };
    await parseWithYargs(argv, head, [], result, noContext, () => undefined, 100);
    if (!args || !options) throw new Error(`fast path: yargs did not parse \`${argv.join(' ')}\``);
    // A flag's names: yargs lists aliases under either name (force: [f], or f: [force]).
    const group = (key: string) => {
      const names = new Set([key, ...(options!.alias[key] ?? [])]);
      for (const [k, as] of Object.entries(options!.alias)) if (as.includes(key)) names.add(k);
      return [...names];
    };
    const booleans = new Map<string, string[]>();
    for (const key of options.boolean) {
      if (key === 'help' || key === 'version') continue;
      const names = group(key);
      const keys = [...new Set(names.flatMap((n) => [n, camel(n)]))];
      for (const n of names) booleans.set(n.length === 1 ? `-${n}` : `--${n}`, keys);
    }
    verbs.set(verb, { spec, args: structuredClone(args), booleans, positional, logLevels: options.choices['log-level'] ?? [] });
  }
  fastVerbs = verbs;
}

/** The fast path's parse of argv, or undefined when it leaves the line to yargs (tests compare it with parseOnly). */
export function fastPathParse(argv: readonly string[]): { spec: CommandSpec; args: Args; globals: GlobalArgs } | undefined {
  if (!fastVerbs) throw new Error('fastPathParse: prebuildFastPath has not run');
  const { head, tail } = splitCommandTail(argv);
  return fastParse(fastVerbs, head, tail);
}

const GLOBAL_FLAGS: ReadonlySet<string> = new Set(['--root', '--runroot', '--runtime', '--runtime-flag', '--log-level']);

/** The verb's arguments as yargs would make them, or undefined when the line is not a simple one. */
function fastParse(verbs: ReadonlyMap<string, FastVerb>, head: readonly string[], tail: readonly string[]): { spec: CommandSpec; args: Args; globals: GlobalArgs } | undefined {
  const globals: Record<string, string | string[]> = {};
  let i = 0;
  for (; i < head.length && head[i]!.startsWith('-'); i++) {
    const tok = head[i]!;
    const eq = tok.indexOf('=');
    const flag = eq > 0 ? tok.slice(0, eq) : tok;
    if (!GLOBAL_FLAGS.has(flag)) return undefined;
    const value = eq > 0 ? tok.slice(eq + 1) : head[++i];
    if (value === undefined) return undefined;
    const key = flag.slice(2);
    if (key === 'runtime-flag') globals[key] = [...((globals[key] as string[] | undefined) ?? []), value];
    else if (globals[key] !== undefined) return undefined; // given twice: yargs makes an array of it
    else globals[key] = value;
  }
  const fast = verbs.get(head[i] ?? '');
  if (!fast) return undefined;
  if (globals['log-level'] !== undefined && !fast.logLevels.includes(globals['log-level'] as string)) return undefined;
  const args: Args = structuredClone(fast.args) as Args;
  const values: string[] = [];
  const rest = head.slice(i + 1);
  for (const [j, tok] of rest.entries()) {
    if (tok.startsWith('-')) {
      const keys = fast.booleans.get(tok);
      // yargs takes a `true`/`false` after a boolean flag as its value (`--init true`).
      if (!keys || rest[j + 1] === 'true' || rest[j + 1] === 'false') return undefined;
      for (const k of keys) args[k] = true;
    } else values.push(tok);
  }
  const p = fast.positional;
  if (values.length > 0 && !p) return undefined;
  if (p) {
    if (values.length < p.min || values.length > p.max) return undefined;
    const value = p.max === 1 ? values[0] : values;
    for (const k of new Set([p.name, camel(p.name)])) {
      if (value === undefined) delete args[k];
      else args[k] = value;
    }
  }
  for (const [k, v] of Object.entries(globals)) {
    args[k] = v;
    args[camel(k)] = v;
  }
  return { spec: fast.spec, args, globals: { ...(args as unknown as GlobalArgs), commandTail: tail } };
}
