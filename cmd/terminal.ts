/**
 * The user's terminal while attached with a TTY (ECOSYSTEM.md, the TTY row): raw mode on our stdin so
 * every key (ctrl-c too) goes to the container, restored on every way out: the normal end, an error, a
 * detach, and process exit (a second SIGINT/SIGTERM exits at once: cli-main.ts). Resizes of our terminal
 * are forwarded. No pty library: the container's pty is the runtime's (monitor/console.c).
 * Everything happens at call time (the CLI runs from a start-up snapshot: nothing at import).
 */
import { spawnSync } from 'node:child_process';
import type { ReadStream, WriteStream } from 'node:tty';

export interface TerminalSize {
  readonly rows: number;
  readonly cols: number;
}

export function stdinIsTerminal(): boolean {
  return process.stdin.isTTY === true;
}

function sizedStream(): WriteStream | undefined {
  if (process.stdout.isTTY) return process.stdout;
  if (process.stderr.isTTY) return process.stderr;
  return undefined;
}

/** Our terminal's size (stdout's, else stderr's), or undefined without one. */
export function terminalSize(): TerminalSize | undefined {
  const s = sizedStream();
  return s && s.rows > 0 && s.columns > 0 ? { rows: s.rows, cols: s.columns } : undefined;
}

/** Calls `fn` with the new size whenever our terminal is resized (SIGWINCH); returns the unsubscribe. */
export function onResize(fn: (size: TerminalSize) => void): () => void {
  const s = sizedStream();
  if (!s) return () => undefined;
  const listener = () => {
    const size = terminalSize();
    if (size) fn(size);
  };
  s.on('resize', listener);
  return () => s.off('resize', listener);
}

/** Puts stdin (a TTY) in raw mode; the returned function restores it, and is also run at process exit. */
export function rawMode(): () => void {
  const stdin = process.stdin as ReadStream;
  if (!stdin.isTTY) return () => undefined;
  const wasRaw = stdin.isRaw;
  stdin.setRawMode(true);
  // libuv's raw mode keeps output post-processing (ONLCR), so a container's bare \n (vim, less: their
  // pty is raw too) would come out as \r\n here and break full-screen programs. Go's term.MakeRaw (podman,
  // docker) clears OPOST; Node has no termios call, so stty does it (a few ms, once). setRawMode(false)
  // puts back the termios saved before raw mode, OPOST included.
  spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.off('exit', restore);
    stdin.setRawMode(wasRaw);
  };
  process.on('exit', restore);
  return restore;
}
