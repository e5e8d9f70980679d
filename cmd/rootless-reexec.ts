/**
 * Rootless: the CLI must run inside the user namespace (engine/rootless/enter.ts says why node cannot
 * enter it itself). The launcher (dist/cmd/tsengine) joins a live holder before node starts; when there
 * is none (the first command, or the last holder went idle), we get here outside: make the holder, run
 * this same command again inside (`tsengine-userns join PID -- node … ARGS`), and pass its exit code on.
 * That second node start (~50 ms) is paid once per holder, not per command.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { prepareUserNamespace } from '../engine/index.ts';

/** Verbs that need no engine: they run where they are (`--help` works for a user without ranges). */
function needsEngine(argv: readonly string[]): boolean {
  if (argv.length === 0) return false;
  return !argv.some((a) => a === '--help' || a === '-h' || a === '--version' || a === 'help');
}

/** The command's exit code when it ran inside the namespace, or undefined: run here (root, already inside, no engine). */
export async function runInUserNamespace(argv: readonly string[]): Promise<number | undefined> {
  if (!needsEngine(argv)) return undefined;
  const entry = await prepareUserNamespace();
  if (entry === undefined) return undefined;
  const [file, ...prefix] = entry.command;
  const child = spawn(file!, [...prefix, process.execPath, ...process.execArgv, process.argv[1]!, ...argv], { stdio: 'inherit' });
  // The child is in our process group: a terminal's ^C reaches it by itself. A SIGTERM sent to us alone is passed on.
  const onInt = () => undefined;
  const onTerm = () => child.kill('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return new Promise<number>((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`Error: rootless: running the command in the user namespace: ${e.message}\n`);
      resolve(125);
    });
    child.on('exit', (code, sig) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? 128 + (sig ? constants.signals[sig] : 0));
    });
  });
}

