/**
 * `process.terminal: true` with `create --console-socket`: the runtime must send the pty master over the
 * socket (SCM_RIGHTS, received through our addon), the container's stdio must be that terminal, and its
 * size must be what we set (TIOCSWINSZ on the master before `start`, as an engine does on a resize) or what
 * `process.consoleSize` asks for. Output is read from the master through fs/tty, as `run -t` would.
 */
import { isErrno } from '../../../../storage/errors.ts';
import { setWindowSize } from '../../../../storage/native.ts';
import { type CaseOutcome, type ConformanceCase, differs, fail, pass, quote, skip } from '../case.ts';
import { ConsoleSocket, readTerminal } from '../console.ts';
import type { CaseContext } from '../context.ts';
import { describeCall } from '../driver.ts';
import type { BundleOptions } from '../workspace.ts';

/** The runtime connects during `create`; runsc starts its sandbox first (~0.3 s here). */
const RECEIVE_MS = 20_000;

interface TerminalRun {
  /** The case's outcome when it ended before any output: a failure, or a skip. */
  readonly failed?: CaseOutcome;
  /** What the container wrote to its terminal, CRLF turned back into LF (the pty's onlcr). */
  readonly output?: string;
}

/** create (console socket) → receive the master → optionally resize → start → read until the container is gone. */
async function runOnTerminal(ctx: CaseContext, o: BundleOptions, size?: { rows: number; cols: number }): Promise<TerminalRun> {
  if (!ctx.profile.supportsTty) return { failed: skip(`the ${ctx.profile.kind} profile says it has no --console-socket (traits.ts)`) };
  const b = ctx.bundle({ ...o, terminal: true });
  const socket = ConsoleSocket.listen(ctx.socketPath());
  try {
    // Settled into a value at once: it may fail while we still wait for `create` (no unhandled rejection).
    const received = socket.receive(RECEIVE_MS).then(
      (fd) => ({ fd }),
      (e: unknown) => ({ error: e }),
    );
    const c = await ctx.create(b, { consoleSocket: socket.path });
    // A runtime that connected has done so by now; one that did not never will: stop waiting either way.
    await socket.wake();
    const got = await received;
    if ('error' in got) {
      if (!isErrno(got.error, 'EPROTO') && !isErrno(got.error, 'ETIMEDOUT')) throw got.error;
      if (c.exitCode !== 0) return { failed: fail(`create --console-socket: ${describeCall(c)}`) };
      return { failed: fail('create --console-socket exited 0 but sent no pty master to the socket') };
    }
    const master = got.fd;
    const reader = readTerminal(master);
    const onAbort = () => reader.stop();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (c.exitCode !== 0) return { failed: fail(`create --console-socket: ${describeCall(c)}`) };
      if (size !== undefined) setWindowSize(master, size.rows, size.cols);
      const st = await ctx.start(b);
      if (st.exitCode !== 0) return { failed: fail(`start: ${describeCall(st)}`) };
      const read = await reader.output;
      if (read.error !== undefined) throw read.error;
      const output = read.text.replaceAll('\r\n', '\n');
      return ctx.signal.aborted ? { failed: fail(`no end of the terminal output; got so far ${quote(output)}`) } : { output };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      reader.stop();
    }
  } finally {
    socket.close();
  }
}

const consoleSocket: ConformanceCase = {
  id: 'tty',
  title: 'terminal: the pty master arrives on --console-socket; stdio is a tty of the size we set',
  async run(ctx) {
    const r = await runOnTerminal(ctx, { args: ['sh', '-c', '[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo stdio-is-a-tty; stty size'] }, { rows: 33, cols: 111 });
    return r.failed ?? differs('terminal output', 'stdio-is-a-tty\n33 111\n', r.output ?? '') ?? pass();
  },
};

const ttyName: ConformanceCase = {
  id: 'tty-name',
  title: 'terminal: the container\'s tty is a /dev/pts device',
  async run(ctx) {
    const r = await runOnTerminal(ctx, { args: ['tty'] });
    if (r.failed) return r.failed;
    const out = r.output ?? '';
    return /^\/dev\/pts\/\d+\n$/.test(out) ? pass(out.trim()) : fail(`tty: expected /dev/pts/N, got ${quote(out)}`);
  },
};

const consoleSize: ConformanceCase = {
  id: 'console-size',
  title: 'terminal: process.consoleSize is the initial size',
  async run(ctx) {
    const r = await runOnTerminal(ctx, { args: ['stty', 'size'], edit: (s) => void (s.process.consoleSize = { height: 40, width: 120 }) });
    return r.failed ?? differs('stty size', '40 120\n', r.output ?? '') ?? pass();
  },
};

export const TERMINAL_CASES: readonly ConformanceCase[] = [consoleSocket, ttyName, consoleSize];
