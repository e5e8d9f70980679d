/**
 * Runs a program and collects what it said: every external program the engine runs and waits for (the
 * OCI runtime's kill/delete/state, the user-namespace helpers, cp for a volume's copy-up, the conformance
 * driver). node's spawn directly: execa's first call cost ~10 ms of a CLI call here, and its code was
 * ~2 ms of every call's start-up snapshot, for features these calls do not use.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface ChildResult {
  /** undefined when it did not run (`error`), was killed (`signal`), timed out or was aborted. */
  readonly exitCode: number | undefined;
  readonly signal: NodeJS.Signals | undefined;
  /** Without the final newline unless `keepFinalNewline`, as execa gives it. */
  readonly stdout: string;
  readonly stderr: string;
  /** Why it could not be started (ENOENT, EACCES…). */
  readonly error?: NodeJS.ErrnoException;
  /** Killed after `timeoutMs`. */
  readonly timedOut: boolean;
}

export interface ChildOptions {
  /** Aborting kills it (SIGKILL) and rejects with the signal's reason, or resolves with `resolveOnAbort`. */
  readonly signal?: AbortSignal | undefined;
  readonly resolveOnAbort?: boolean;
  /** Its stdin; /dev/null when absent. */
  readonly input?: string | undefined;
  /** Kill it (SIGKILL) after this long; the result says `timedOut`. */
  readonly timeoutMs?: number | undefined;
  readonly keepFinalNewline?: boolean;
  /** Each chunk of stdout as it comes (also collected). */
  readonly onStdout?: (chunk: Buffer) => void;
}

const chomp = (s: string) => (s.endsWith('\n') ? s.slice(0, s.endsWith('\r\n') ? -2 : -1) : s);

/** Starts it: the process (to kill it) and its result. */
export function startChild(file: string, args: readonly string[], o: ChildOptions = {}): { child: ChildProcess; done: Promise<ChildResult> } {
  o.signal?.throwIfAborted();
  const child = spawn(file, args, { stdio: [o.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const done = new Promise<ChildResult>((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => {
      out.push(b);
      o.onStdout?.(b);
    });
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    if (o.input !== undefined) {
      child.stdin!.on('error', () => undefined); // it exited without reading: its exit says why
      child.stdin!.end(o.input);
    }
    const onAbort = () => child.kill('SIGKILL');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs);
    let error: NodeJS.ErrnoException | undefined;
    child.once('error', (e) => (error = e));
    child.once('close', (code, signal) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
      if (o.signal?.aborted && o.resolveOnAbort !== true) return reject(o.signal.reason);
      const text = (chunks: Buffer[]) => {
        const s = Buffer.concat(chunks).toString('utf8');
        return o.keepFinalNewline === true ? s : chomp(s);
      };
      resolve({
        exitCode: error ? undefined : (code ?? undefined),
        signal: signal ?? undefined,
        stdout: text(out),
        stderr: text(err),
        ...(error ? { error } : {}),
        timedOut,
      });
    });
  });
  return { child, done };
}

/** Runs it to its end (startChild without the handle). */
export function runChild(file: string, args: readonly string[], o: ChildOptions = {}): Promise<ChildResult> {
  return startChild(file, args, o).done;
}
