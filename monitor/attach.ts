/**
 * `docker run -i`: the container's stdin is a pipe we hold, fed from a Unix socket. Every byte a client
 * writes goes to the container's stdin (pipe() carries backpressure both ways); when a client closes its
 * write side, the container's stdin is closed (so `cat` ends), and later clients are turned away. The
 * socket exists only while the container runs.
 */
import { unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { isErrno } from './errno.ts';

export class AttachServer {
  readonly #server: Server;
  readonly #clients = new Set<Socket>();
  #stdin: Writable | undefined;
  #stdinOpen = true;

  /**
   * Listens before the runtime starts, so that a failure costs no running container and a client that
   * got `started` can always connect. Clients that come before feed() wait, paused.
   */
  static async listen(path: string): Promise<AttachServer> {
    removeStaleSocket(path);
    const a = new AttachServer();
    await new Promise<void>((resolve, reject) => {
      a.#server.once('error', reject);
      a.#server.listen(path, () => {
        a.#server.off('error', reject);
        resolve();
      });
    });
    return a;
  }

  private constructor() {
    this.#server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (sock) => this.#accept(sock));
  }

  /** Connects the container's stdin (the runtime's stdin pipe). */
  feed(stdin: Writable): void {
    this.#stdin = stdin;
    stdin.on('error', (e) => {
      // EPIPE: the container closed its stdin or exited. Write-after-end/destroyed: a client raced a close.
      if (!isErrno(e, 'EPIPE', 'ECONNRESET', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_STREAM_DESTROYED')) throw e;
      this.#closeStdin();
    });
    for (const c of this.#clients) this.#pipe(c, stdin);
  }

  /** Stops listening (libuv removes the socket file) and lets go of clients and of the container's stdin. */
  close(): Promise<void> {
    this.#closeStdin();
    for (const c of this.#clients) c.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(sock: Socket): void {
    if (!this.#stdinOpen) {
      sock.end();
      return;
    }
    this.#clients.add(sock);
    sock.on('error', (e) => {
      // The client went away abruptly; what it sent so far was delivered.
      if (!isErrno(e, 'ECONNRESET', 'EPIPE')) throw e;
      sock.destroy();
    });
    sock.on('close', () => this.#clients.delete(sock));
    if (this.#stdin !== undefined) this.#pipe(sock, this.#stdin);
  }

  #pipe(sock: Socket, stdin: Writable): void {
    sock.on('end', () => this.#closeStdin());
    sock.pipe(stdin, { end: false });
  }

  #closeStdin(): void {
    if (!this.#stdinOpen) return;
    this.#stdinOpen = false;
    for (const c of this.#clients) {
      if (this.#stdin !== undefined) c.unpipe(this.#stdin);
      c.end();
    }
    this.#stdin?.end();
  }
}

function removeStaleSocket(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    // No earlier run left one behind.
    if (!isErrno(e, 'ENOENT')) throw e;
  }
}
