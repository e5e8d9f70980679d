/**
 * Starting a container's monitor: build/Release/tsengine-monitor (monitor/tsengine-monitor.c, built by
 * node-gyp on `npm ci`), a small C program that outlives us. It gets the LaunchSpec as its command line
 * and its environment, and reports on fd 3 (monitor/protocol.ts): first `started` (the runtime wrote the
 * pid file) or `start-failed` (the runtime exited first), later `exited`, then it waits for our word on
 * the cleanup hand-off. By default we let go of it after the first event, and it runs the exit command.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { decodeEvent, launchArgv, monitorTitle, type ExitRecord, type LaunchSpec, type MonitorEvent } from '../../monitor/protocol.ts';
import { isErrno } from '../../storage/errors.ts';
import { packageRoot } from '../../storage/package-root.ts';
import { EngineError } from '../errors.ts';

/** Where node-gyp puts the binding.gyp target `tsengine-monitor`, under the package root. */
const MONITOR_BINARY = join('build', 'Release', 'tsengine-monitor');

/** The monitor binary, whether we run from sources, dist/ or the bundled CLI. */
export function monitorBinary(): string {
  const path = join(packageRoot(), MONITOR_BINARY);
  if (existsSync(path)) return path;
  // An install that skipped scripts (`npm ci --ignore-scripts`) or a copy without build/.
  throw new EngineError('RUNTIME_FAILED', `the container monitor is not built (${path} is missing): run npm ci (or npx node-gyp rebuild)`);
}

/** How to spawn the monitor for one container: pure data, so that tests launch it exactly as we do. */
export interface MonitorCommand {
  readonly file: string;
  /** `tsengine-monitor <id12>`: its name in ps and /proc/PID/cmdline. */
  readonly argv0: string;
  readonly args: readonly string[];
  /** The runtime's environment (the monitor passes its own on); undefined: ours. */
  readonly env?: Readonly<Record<string, string>>;
  /** fd 4 is to be our attach connection (LaunchSpec.attached). */
  readonly attached?: boolean;
}

/** Validates the spec and finds the binary: throws (ProtocolError, EngineError) before anything runs. */
export function monitorCommand(spec: LaunchSpec): MonitorCommand {
  const args = launchArgv(spec);
  return { file: monitorBinary(), argv0: monitorTitle(spec.containerId), args, ...(spec.env ? { env: spec.env } : {}), ...(spec.attached ? { attached: true } : {}) };
}

export type StartEvent = Extract<MonitorEvent, { type: 'started' | 'start-failed' }>;

/** The event channel kept open past the first event (`keepChannel`), for the cleanup hand-off. */
export interface MonitorChannel {
  /** The exit record of the `exited` event, or undefined when the channel ended first (the monitor was killed, or we let go). */
  readonly exited: Promise<ExitRecord | undefined>;
  /** "I cleaned up myself": writes `D` and closes; the monitor skips its exit command. Resolves once `D` is sent (or the monitor is gone). */
  done(): Promise<void>;
  /** Closes without `D`: the monitor runs its exit command. */
  release(): void;
  /**
   * The channel does not keep the process alive by itself (a program that started a container may end
   * before it does; the monitor then cleans up). Someone waiting on `exited` holds it until the returned
   * function is called.
   */
  hold(): () => void;
}

export interface LaunchOptions {
  /** Stops waiting for the first event (the monitor and container run on, and clean up after themselves). */
  readonly signal?: AbortSignal;
  /** Keep the channel after the first event and return it; the caller must then call done() or release(). */
  readonly keepChannel?: boolean;
}

export interface Launched {
  readonly event: StartEvent;
  readonly monitorPid: number;
  /** Only with `keepChannel`. */
  readonly channel?: MonitorChannel;
  /** With `attached`: our end of the monitor's fd 4, the first attach client (the caller owns it, also after `start-failed`). */
  readonly attach?: Socket;
}

export async function launchMonitor(cmd: MonitorCommand, o: LaunchOptions = {}): Promise<Launched> {
  o.signal?.throwIfAborted();
  const child = spawn(cmd.file, cmd.args, {
    argv0: cmd.argv0,
    detached: true,
    stdio: cmd.attached === true ? ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] : ['ignore', 'ignore', 'ignore', 'pipe'],
    ...(cmd.env ? { env: cmd.env } : {}),
  });
  const socket = child.stdio[3] as Socket;
  const attach = cmd.attached === true ? (child.stdio[4] as Socket) : undefined;
  // The monitor shuts down its side after `exited`, then waits for our `D` or EOF: ending ours in reply
  // (node's default for a Duplex) would answer for the caller.
  socket.allowHalfOpen = true;
  socket.on('error', (e) => {
    // The monitor died (or closed the channel) with our bytes unread, or before reading our `D`.
    if (!isErrno(e, 'ECONNRESET') && !isErrno(e, 'EPIPE')) throw e;
  });
  let settleExited: (r: ExitRecord | undefined) => void = () => undefined;
  const exited = new Promise<ExitRecord | undefined>((resolve) => (settleExited = resolve));
  socket.once('close', () => settleExited(undefined));
  const lines = createInterface({ input: socket });

  let event: StartEvent;
  let onAbort: (() => void) | undefined;
  try {
    event = await new Promise<StartEvent>((resolve, reject) => {
      onAbort = () => reject(o.signal!.reason);
      o.signal?.addEventListener('abort', onAbort, { once: true });
      lines.on('line', (line) => {
        const e = decodeEvent(line);
        if (e.type === 'exited') settleExited(e.record);
        else resolve(e);
      });
      child.on('error', (err) => reject(new EngineError('RUNTIME_FAILED', `starting the container monitor: ${err.message}`, { cause: err })));
      // 'close', not 'exit': the last event line may still be in the socket when the process exits.
      child.on('close', (code, sig) =>
        reject(new EngineError('RUNTIME_FAILED', `the container monitor exited before the container started (${sig ?? `exit ${code}`})`)),
      );
    });
  } catch (e) {
    release();
    attach?.destroy();
    throw e;
  } finally {
    if (onAbort) o.signal?.removeEventListener('abort', onAbort);
    // The monitor lives on; its process handle must not keep this process's event loop alive.
    child.removeAllListeners();
    child.unref();
  }
  const attached = attach ? { attach } : {};
  if (!o.keepChannel) {
    release();
    return { event, monitorPid: child.pid!, ...attached };
  }
  socket.unref();
  let holders = 0;
  const channel: MonitorChannel = {
    exited,
    release,
    hold: () => {
      if (holders++ === 0) socket.ref();
      let held = true;
      return () => {
        if (held && --holders === 0) socket.unref();
        held = false;
      };
    },
    done: () =>
      new Promise<void>((resolve) => {
        lines.close();
        socket.once('close', () => resolve());
        socket.end('D', () => resolve());
      }),
  };
  return { event, monitorPid: child.pid!, channel, ...attached };

  function release(): void {
    lines.close();
    socket.destroy();
  }
}
