/**
 * Being attached (run, start -a, attach, exec): the container's output through the monitor's attach
 * connection (stdout to stdout, stderr to stderr, as it is written), our stdin to it (with -i), our
 * terminal's resizes (with -t), raw mode while a TTY is fed from a TTY, and the detach keys.
 */
import { type AttachStream, type Engine, type ExitStatus, isEngineError } from '../../engine/index.ts';
import type { CliContext } from '../context.ts';
import { DETACH_HOLD_MS, DetachKeyFilter } from '../parse/detach-keys.ts';
import { onResize, rawMode, stdinIsTerminal } from '../terminal.ts';

export interface AttachIo {
  readonly stream: AttachStream;
  /** Send our stdin (-i). */
  readonly stdin: boolean;
  /** The process has a TTY (-t): raw mode and resizes. */
  readonly tty: boolean;
  /** The detach sequence (parseDetachKeys); empty: no detaching. Watched only when our stdin is a terminal. */
  readonly detachKeys: Uint8Array;
}

/** Copies both ways until the output ends (the process exited) or the user detached. */
export async function pump(ctx: CliContext, io: AttachIo): Promise<'ended' | 'detached'> {
  const { stream } = io;
  const fromTerminal = io.stdin && stdinIsTerminal();
  // Raw whenever the process has a TTY and ours is one, -i or not (podman's handleTerminalAttach): its
  // output is already terminal output (our post-processing would double it), and keys mean nothing here.
  const restore = io.tty && stdinIsTerminal() ? rawMode() : () => undefined;
  const stopResize = io.tty ? onResize((s) => stream.resize(s.rows, s.cols)) : () => undefined;
  let detached = false;
  let hold: NodeJS.Timeout | undefined;
  const filter = new DetachKeyFilter(fromTerminal ? io.detachKeys : new Uint8Array(0));
  const onData = (chunk: Buffer | string) => {
    clearTimeout(hold);
    const r = filter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    stream.write(r.forward);
    if (r.detach) {
      detached = true;
      stream.close();
    } else if (filter.holding) {
      hold = setTimeout(() => stream.write(filter.flush()), DETACH_HOLD_MS);
    }
  };
  const onEnd = () => {
    clearTimeout(hold);
    stream.write(filter.flush());
    stream.endStdin();
  };
  if (io.stdin) {
    ctx.stdin.on('data', onData);
    ctx.stdin.once('end', onEnd);
  }
  // Interrupted without --sig-proxy (or a second time): stop copying; the caller reports the interruption.
  const onAbort = () => stream.close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream.output()) (chunk.stream === 'stdout' ? ctx.stdout : ctx.stderr).write(chunk.data);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    clearTimeout(hold);
    if (io.stdin) {
      ctx.stdin.off('data', onData);
      ctx.stdin.off('end', onEnd);
      ctx.stdin.pause();
    }
    stopResize();
    restore();
    stream.close();
  }
  ctx.signal.throwIfAborted();
  return detached ? 'detached' : 'ended';
}

/**
 * run and start -a: attached to the container's main process; docker's --sig-proxy sends SIGINT/SIGTERM
 * to the container (which decides whether to exit). Its exit status, or undefined when the user detached.
 */
export async function attachAndWait(
  ctx: CliContext,
  engine: Engine,
  id: string,
  io: AttachIo & { readonly sigProxy: boolean },
): Promise<ExitStatus | undefined> {
  const release = io.sigProxy
    ? ctx.proxySignals((sig) => {
        engine.containers.kill(id, sig).catch((e: unknown) => {
          // It may have exited meanwhile: then there is nothing to signal.
          if (!(isEngineError(e) && (e.code === 'CONTAINER_NOT_RUNNING' || e.code === 'CONTAINER_NOT_FOUND'))) throw e;
        });
      })
    : () => undefined;
  try {
    if ((await pump(ctx, io)) === 'detached') return undefined;
    return await engine.containers.wait(id, { signal: ctx.signal });
  } finally {
    release();
  }
}
