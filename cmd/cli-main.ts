/**
 * The CLI's main: build the context, run the CLI, print the one `Error: …` line, return the exit code.
 * Called by both entry points: cmd/main.ts (plain node) and cmd/snapshot-entry.ts (the start-up snapshot).
 * Nothing here runs at import: the snapshot is built by importing this module, and whatever a module does
 * at import time (signal handlers, reading the environment) would be frozen into it.
 * The engine is imported lazily so `--help` and usage errors stay fast.
 */
import { runCli, type GlobalArgs } from './cli.ts';
import { UsageError } from './command.ts';
import type { CliContext } from './context.ts';
import { exitCodeFor, EXIT_ENGINE } from './exit-codes.ts';
import { dropLauncherEnv } from './launcher-env.ts';
import { renderRows } from './format/report.ts';
import { EngineError, type Engine } from '../engine/index.ts';

const controller = new AbortController();
/** While attached to a container, signals go to it (docker's --sig-proxy) instead of stopping us. */
let proxy: ((sig: NodeJS.Signals) => void) | undefined;
let engine: Engine | undefined;
let logLevel = 'warn';

function handleSignals(): void {
  let interrupts = 0;
  // SIGHUP (the terminal went away) too: the default would kill us without restoring the terminal mode or
  // letting the store close cleanly.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (proxy) {
        proxy(sig);
        return;
      }
      // First signal: abort cleanly (stores stay consistent). Second: give up at once.
      if (++interrupts > 1) process.exit(sig === 'SIGINT' ? 130 : sig === 'SIGHUP' ? 129 : 143);
      // A coded reason: a verb that rethrows it prints `Error: interrupted (SIGINT)` (exit 125), not a bug report.
      controller.abort(new EngineError('ABORTED', `interrupted (${sig})`));
    });
  }
}

function makeCtx(g: GlobalArgs): CliContext {
  logLevel = g['log-level'];
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
    warn: (text) => process.stderr.write(`${text}\n`),
    commandTail: g.commandTail,
    proxySignals: (handler) => {
      proxy = handler;
      return () => {
        proxy = undefined;
      };
    },
    // A getter: process.stdin builds its stream (and loads fs streams) on first use, ~1 ms that only the
    // verbs reading input should pay.
    get stdin() {
      return process.stdin;
    },
    engine: async (extra) => {
      if (engine) return engine;
      const { Engine } = await import('../engine/index.ts');
      engine = await Engine.open({
        ...(g.root !== undefined ? { root: g.root } : {}),
        ...(g.runroot !== undefined ? { runRoot: g.runroot } : {}),
        ...(g.runtime !== undefined ? { defaultRuntime: g.runtime } : {}),
        ...(g['runtime-flag'] !== undefined ? { runtimeFlags: g['runtime-flag'] } : {}),
        ...(extra ?? {}),
      });
      return engine;
    },
  };
}

function describeError(e: unknown): string {
  if (e instanceof Error) {
    const parts = [e.message];
    if (logLevel === 'debug') {
      for (let c = e.cause; c instanceof Error; c = c.cause) parts.push(`caused by: ${c.message}`);
    }
    return parts.join('\n');
  }
  return String(e);
}

/** Runs one CLI invocation; call once per process. The caller exits with the returned code. */
export async function cliMain(argv: readonly string[]): Promise<number> {
  dropLauncherEnv();
  try {
    // Rootless and not yet in the user namespace (inside it our euid is 0): run there instead.
    if (process.geteuid?.() !== 0) {
      const { runInUserNamespace } = await import('./rootless-reexec.ts');
      const code = await runInUserNamespace(argv);
      if (code !== undefined) return code;
    }
  } catch (e) {
    const { isEngineError } = await import('../engine/index.ts');
    if (!isEngineError(e)) throw e;
    process.stderr.write(`Error: ${describeError(e)}\n`);
    return exitCodeFor(e);
  }
  handleSignals();
  try {
    return await runCli(argv, makeCtx, (s) => process.stdout.write(s), process.stdout.columns ?? 100);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`Error: ${e.message}\nSee 'tsengine ${e.verb ? `${e.verb} ` : ''}--help'\n`);
      return EXIT_ENGINE;
    }
    const { isEngineError } = await import('../engine/index.ts');
    if (!isEngineError(e) && !(e instanceof Error && e.name === 'AbortError')) {
      process.stderr.write(`Error: ${describeError(e)}\n(this is a bug in tsengine)\n${e instanceof Error ? e.stack : ''}\n`);
      return EXIT_ENGINE;
    }
    process.stderr.write(`Error: ${describeError(e)}\n`);
    return exitCodeFor(e);
  } finally {
    await engine?.close();
  }
}

/** Typical command lines, parsed at snapshot build by warmUp(). */
const WARM_UP_ARGV: readonly (readonly string[])[] = [
  ['run', '--rm', 'alpine', 'true'],
  ['--root', '/r', '--runroot', '/rr', 'run', '-d', '--name', 'n', '-e', 'A=B', '-v', '/a:/b:ro', '--memory', '64m', 'alpine', 'sleep', '1'],
  ['run', '-it', 'alpine', 'sh'],
  ['create', '--name', 'n', 'alpine', 'true'],
  ['start', '-a', 'n'],
  ['ps', '-a', '--format', '{{.Names}}'],
  ['logs', '-f', 'n'],
  ['wait', 'n'],
  ['stop', '-t', '1', 'n'],
  ['kill', '-s', 'KILL', 'n'],
  ['rm', '-f', 'n'],
  ['inspect', 'n'],
  ['exec', '-i', 'n', 'true'],
  ['images'],
  ['pull', 'alpine'],
];

/**
 * Snapshot build only (cmd/snapshot-entry.ts): parses typical command lines up to the point where a verb
 * asks for the engine, so V8 compiles the parser's and the verbs' code before the heap is saved (it keeps
 * the bytecode of every function that ran; otherwise each call compiles them again, lazily). Touches no
 * process stream, file or environment variable: whatever it cached would be frozen into every later call.
 */
export async function warmUp(): Promise<void> {
  const stop = new Error('warm-up: engine not opened');
  const quiet = { write: () => true };
  const signal = new AbortController().signal;
  const ctx = (g: GlobalArgs): CliContext => ({
    stdout: quiet,
    stderr: quiet,
    env: {},
    signal,
    warn: () => undefined,
    commandTail: g.commandTail,
    proxySignals: () => () => undefined,
    stdin: undefined as unknown as NodeJS.ReadableStream, // no warm-up line reads input before the engine
    engine: () => Promise.reject(stop),
  });
  // The Go-template engine behind ps/images/inspect --format: compiled and run once on a made-up row.
  const row = { ID: '0123456789ab', Image: 'docker.io/library/alpine:latest', Command: '"sh"', RunningFor: '1 second ago', Status: 'Up 1 second', Ports: '', Names: 'warm_up', Labels: { a: 'b' } };
  for (const f of ['table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}', '{{.Names}} {{.Status}}', '{{json .Labels}} {{index .Labels "a"}}']) {
    renderRows(f, [row], { defaultTable: f, headers: { ID: 'CONTAINER ID' } });
  }
  for (const argv of WARM_UP_ARGV) {
    try {
      await runCli(argv, ctx, () => undefined);
    } catch (e) {
      if (e !== stop) throw new Error(`snapshot warm-up: \`tsengine ${argv.join(' ')}\` failed before opening the engine`, { cause: e });
    }
  }
}

/** The container cycle warmUpCycle runs, as a user types it, each line with its own engine. */
const WARM_UP_CYCLE = [
  ['create', '--name', 'warm-up', 'localhost/warm-up', 'true'],
  ['start', 'warm-up'],
  ['wait', 'warm-up'],
  ['ps', '-a'],
  ['inspect', 'warm-up'],
  ['logs', 'warm-up'],
  ['rm', 'warm-up'],
  ['run', '--rm', 'localhost/warm-up', 'true'],
];

/**
 * Snapshot build only, after warmUp: the verbs of WARM_UP_CYCLE run through engines on the engine's
 * warm-up store (engine/snapshot-warm-up.ts withWarmUpStore: a real monitor, a stand-in runtime), so the
 * code of a whole create/start/wait/rm and of `run` is compiled in the snapshot, the CLI's and the
 * engine's. Each line must succeed; `wait` must print 0.
 */
export async function warmUpCycle(): Promise<void> {
  const { withWarmUpStore } = await import('../engine/index.ts');
  await withWarmUpStore(async (open) => {
    const signal = new AbortController().signal;
    for (const argv of WARM_UP_CYCLE) {
      let out = '';
      let opened: Engine | undefined;
      const sink = {
        write: (chunk: string | Uint8Array) => {
          out += String(chunk);
          return true;
        },
      };
      const ctx = (g: GlobalArgs): CliContext => ({
        stdout: sink,
        stderr: sink,
        env: {},
        signal,
        warn: (text) => void (out += `${text}\n`),
        commandTail: g.commandTail,
        proxySignals: () => () => undefined,
        stdin: undefined as unknown as NodeJS.ReadableStream, // no line of the cycle reads input
        engine: async () => (opened ??= await open()),
      });
      let code: number;
      try {
        code = await runCli(argv, ctx, (s) => void (out += s));
      } finally {
        await opened?.close();
      }
      if (code !== 0 || (argv[0] === 'wait' && out !== '0\n')) {
        throw new Error(`snapshot warm-up: \`tsengine ${argv.join(' ')}\` exited ${code}: ${out.trim()}`);
      }
    }
  });
}
