/**
 * Runs a program to its end and collects what it said: the engine's calls on `run`'s and `stop`'s paths
 * (the OCI runtime's kill/delete/state, the user-namespace helper). node's spawn directly: execa's first
 * call cost ~10 ms of a CLI call here, for features these calls do not use.
 */
import { spawn } from 'node:child_process';

export interface ChildResult {
  /** undefined when it did not run (`error`) or was killed (`signal`). */
  readonly exitCode: number | undefined;
  readonly signal: NodeJS.Signals | undefined;
  /** Without the final newline, as execa gives it. */
  readonly stdout: string;
  readonly stderr: string;
  /** Why it could not be started (ENOENT, EACCES…). */
  readonly error?: NodeJS.ErrnoException;
}

const chomp = (s: string) => (s.endsWith('\n') ? s.slice(0, s.endsWith('\r\n') ? -2 : -1) : s);

/** stdin is /dev/null. Aborting `signal` kills it (SIGKILL) and rejects with the signal's reason. */
export function runChild(file: string, args: readonly string[], o: { signal?: AbortSignal | undefined } = {}): Promise<ChildResult> {
  o.signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    const onAbort = () => child.kill('SIGKILL');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    let error: NodeJS.ErrnoException | undefined;
    child.once('error', (e) => (error = e));
    child.once('close', (code, signal) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) return reject(o.signal.reason);
      resolve({
        exitCode: error ? undefined : (code ?? undefined),
        signal: signal ?? undefined,
        stdout: chomp(Buffer.concat(out).toString('utf8')),
        stderr: chomp(Buffer.concat(err).toString('utf8')),
        ...(error ? { error } : {}),
      });
    });
  });
}
