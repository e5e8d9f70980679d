/**
 * One attach connection to a monitor (monitor/protocol.ts, "Attach"): the container's output as it is
 * written, and its stdin and terminal size the other way. From `start({ attach: true })` (connected before
 * the container started: nothing missed), `exec` (likewise) or `attach` (output from now on).
 */
import type { Socket } from 'node:net';
import { AttachFrameDecoder, AttachFrameType, encodeAttachFrame, encodeResize } from '../../monitor/protocol.ts';
import { isErrno } from '../../storage/errors.ts';

export interface OutputChunk {
  readonly stream: 'stdout' | 'stderr';
  readonly data: Buffer;
}

export class AttachStream {
  readonly #socket: Socket;
  #closed = false;

  constructor(socket: Socket) {
    this.#socket = socket;
    // Our writes may meet a monitor that just closed (the container exited): that ends the output too.
    socket.on('error', (e) => {
      if (!isErrno(e, 'EPIPE') && !isErrno(e, 'ECONNRESET')) throw e;
    });
  }

  /**
   * The output, in order, until the container exited and its output was drained (the monitor closes the
   * connection) or close() was called. Reading slowly slows the container's writes (backpressure).
   */
  async *output(): AsyncGenerator<OutputChunk> {
    const decoder = new AttachFrameDecoder();
    try {
      for await (const chunk of this.#socket as AsyncIterable<Buffer>) {
        for (const f of decoder.push(chunk)) {
          if (f.type === AttachFrameType.stdout || f.type === AttachFrameType.stderr) {
            yield { stream: f.type === AttachFrameType.stdout ? 'stdout' : 'stderr', data: f.payload };
          }
        }
      }
    } catch (e) {
      // close() (a detach) or a monitor gone mid-frame: the output ends here either way.
      if (!(this.#closed || isErrno(e, 'ECONNRESET') || isErrno(e, 'ERR_STREAM_PREMATURE_CLOSE'))) throw e;
    }
  }

  /** Bytes for the container's stdin (dropped by the monitor unless the container or exec is interactive). */
  write(data: Uint8Array): void {
    if (data.length > 0) this.#send(encodeAttachFrame(AttachFrameType.stdin, data));
  }

  /** Ends the container's stdin (a pipe sees EOF; with a TTY, input just stops). */
  endStdin(): void {
    this.#send(encodeAttachFrame(AttachFrameType.stdinEof));
  }

  /** The terminal's new size (TIOCSWINSZ on the container's pty; ignored without a TTY). */
  resize(rows: number, cols: number): void {
    this.#send(encodeResize(rows, cols));
  }

  /** Detaches: the container and its stdin carry on; output() ends. */
  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #send(frame: Buffer): void {
    if (!this.#closed && this.#socket.writable) this.#socket.write(frame);
  }
}
