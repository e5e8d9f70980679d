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
    stdin: process.stdin,
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
    return await runCli(argv, makeCtx, (s) => process.stdout.write(s));
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
