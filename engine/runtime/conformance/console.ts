/**
 * The receiving end of `--console-socket` (runtime-spec: process.terminal; runc docs/terminals.md): the
 * runtime connects to a unix socket of ours during `create` and sends the pty master as SCM_RIGHTS. Node
 * cannot receive an fd (DESIGN.md §2), so listening and receiving go through our addon (storage/native.ts).
 */
import { closeSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { ReadStream } from 'node:tty';
import { isErrno } from '../../../storage/errors.ts';
import { recvFd, unixListen } from '../../../storage/native.ts';

export class ConsoleSocket {
  readonly path: string;
  #fd: number | undefined;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  static listen(path: string): ConsoleSocket {
    return new ConsoleSocket(path, unixListen(path));
  }

  /** The pty master the runtime sends (the caller owns it), or the reason none came (ETIMEDOUT, EPROTO after wake()). */
  receive(timeoutMs: number): Promise<number> {
    if (this.#fd === undefined) throw new Error('unreachable: console socket already closed');
    return recvFd(this.#fd, timeoutMs);
  }

  /**
   * Ends a pending receive() early: the runtime failed and will never connect, so we connect ourselves and
   * send nothing (receive() then rejects with EPROTO instead of waiting out its timeout).
   */
  wake(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = connect(this.path);
      // destroy, not end: nobody accepts this connection, so a half-close would never complete.
      s.once('connect', () => s.destroy());
      s.once('error', (e) => {
        // Refused or gone: the socket is already closed, so no receive() is waiting.
        if (!isErrno(e, 'ECONNREFUSED') && !isErrno(e, 'ENOENT')) reject(e);
      });
      s.once('close', () => resolve());
    });
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    rmSync(this.path, { force: true });
  }
}

export interface TerminalReader {
  /**
   * Everything the container wrote to its terminal, once the last process holding the pty's other end
   * exited; with `error` when reading failed otherwise (never rejects: it may settle before anyone awaits it).
   */
  readonly output: Promise<{ readonly text: string; readonly error?: unknown }>;
  /** Stops reading (an aborted case); `output` resolves with what was read so far. Closes the fd. */
  stop(): void;
}

/**
 * Reads a pty master until the other end is gone. Through tty.ReadStream (libuv polls the fd; it does not
 * reopen a master), as node-pty does. Linux reports the hang-up of the last slave as EIO, not as EOF.
 */
export function readTerminal(fd: number): TerminalReader {
  const stream = new ReadStream(fd);
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
  });
  const output = new Promise<{ text: string; error?: unknown }>((resolve) => {
    stream.once('error', (e) => resolve(isErrno(e, 'EIO') ? { text } : { text, error: e }));
    stream.once('close', () => resolve({ text }));
  });
  return {
    output,
    stop: () => {
      stream.destroy();
    },
  };
}
