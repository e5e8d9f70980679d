// Launches the monitor binary (build/Release/tsengine-monitor, built by node-gyp) exactly as the engine does
// (engine/container/launch.ts monitorCommand(): same binary, argv0, arguments and environment), and reads
// its events. Every line it sends must be byte for byte what protocol.ts encodeEvent() writes. Every process
// started here is recorded so that afterEach can kill what a failed test left running, by pid, and check
// that nothing was left.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { monitorCommand, type MonitorCommand } from '../../../engine/container/launch.ts';
import { decodeEvent, decodeExitRecord, encodeEvent, type ExitRecord, type LaunchSpec, type MonitorEvent } from '../../../monitor/protocol.ts';

const SOURCES = fileURLToPath(new URL('../../../monitor/', import.meta.url));
export const MONITOR_BINARY = fileURLToPath(new URL('../../../build/Release/tsengine-monitor', import.meta.url));

/** Fails loudly when the binary is missing or older than monitor/*.c|h: these tests are about the built monitor. */
export function assertMonitorBuilt(): void {
  if (!existsSync(MONITOR_BINARY)) throw new Error(`${MONITOR_BINARY} is missing: run npm ci, or npm run install (node-gyp rebuild)`);
  const built = statSync(MONITOR_BINARY).mtimeMs;
  for (const f of readdirSync(SOURCES).filter((n) => /\.[ch]$/.test(n))) {
    if (built < statSync(`${SOURCES}${f}`).mtimeMs) throw new Error(`${MONITOR_BINARY} is older than monitor/${f}: run npm run install (node-gyp rebuild)`);
  }
}

/**
 * What the test's side of fd 3 does after `exited`, once the monitor has shut down its side (EOF):
 * 'release' closes ours (the engine let go: the monitor runs the exit command), 'done' writes `D` and
 * closes (the engine cleaned up: no exit command), 'hold' keeps it open (the test decides).
 */
export type HandOff = 'release' | 'done' | 'hold';

export interface LaunchedMonitor {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Our end of fd 3. */
  readonly channel: Socket;
  /** Every event received so far, in order. */
  readonly events: MonitorEvent[];
  /** Resolves with the first event of `type` (already received or still to come). */
  next<T extends MonitorEvent['type']>(type: T, timeoutMs?: number): Promise<Extract<MonitorEvent, { type: T }>>;
  /** Resolves with the monitor's own exit code once it has exited. */
  readonly exit: Promise<number | null>;
}

/** pids of monitors and containers started by the current test; see killLeftovers(). */
const started = new Set<number>();

export function track(pid: number | undefined): void {
  if (pid !== undefined) started.add(pid);
}

/** Spawns the monitor as launch.ts does; `stdio` and `uid` only for tests that need another set-up. */
export function spawnMonitor(cmd: MonitorCommand, o: { stdio?: StdioOptions; uid?: number } = {}): ChildProcess {
  const child = spawn(cmd.file, cmd.args, {
    argv0: cmd.argv0,
    detached: true,
    stdio: o.stdio ?? (cmd.attached === true ? ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] : ['ignore', 'ignore', 'ignore', 'pipe']),
    ...(cmd.env ? { env: cmd.env } : {}),
    ...(o.uid !== undefined ? { uid: o.uid, gid: o.uid } : {}),
  });
  child.unref();
  track(child.pid);
  return child;
}

/** Parses event lines as they come, checking each against the reference encoding. */
export function eventReader(onEvent: (e: MonitorEvent) => void): (text: string) => void {
  let carry = '';
  return (text) => {
    const lines = (carry + text).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      const e = decodeEvent(line);
      if (encodeEvent(e) !== `${line}\n`) throw new Error(`event line differs from protocol.ts encodeEvent():\n${line}\n${encodeEvent(e)}`);
      if (e.type === 'started') track(e.pid);
      onEvent(e);
    }
  };
}

/** `uid` and `file` (another copy of the binary) only for tests that run it as another user. */
export function launchMonitor(spec: LaunchSpec, o: { handOff?: HandOff; uid?: number; file?: string } = {}): LaunchedMonitor {
  const handOff = o.handOff ?? 'release';
  const cmd = monitorCommand(spec);
  const child = spawnMonitor(o.file !== undefined ? { ...cmd, file: o.file } : cmd, o.uid !== undefined ? { uid: o.uid } : {});
  const events: MonitorEvent[] = [];
  const waiters: (() => void)[] = [];
  const channel = child.stdio[3] as Socket;
  channel.allowHalfOpen = true; // as launch.ts: our side closes when the test says so
  channel.setEncoding('utf8');
  channel.on(
    'data',
    eventReader((e) => {
      events.push(e);
      for (const w of waiters.splice(0)) w();
    }),
  );
  channel.on('end', () => {
    if (handOff === 'release') channel.end();
    else if (handOff === 'done') channel.end('D');
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const next = <T extends MonitorEvent['type']>(type: T, timeoutMs = 30_000) =>
    new Promise<Extract<MonitorEvent, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} event in ${timeoutMs} ms; got ${JSON.stringify(events)}`)), timeoutMs);
      const check = (): void => {
        const e = events.find((x) => x.type === type);
        if (e) {
          clearTimeout(timer);
          resolve(e as Extract<MonitorEvent, { type: T }>);
        } else waiters.push(check);
      };
      check();
    });
  return { child, pid: child.pid!, channel, events, next, exit };
}

export function readExit(path: string): ExitRecord {
  return decodeExitRecord(readFileSync(path, 'utf8'));
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false; // gone (and reaped)
    throw e;
  }
}

/** A zombie still answers kill(pid, 0); a detached monitor is reaped by init, so read its state too. */
export function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false; // exited between the two checks
    throw e;
  }
}

/**
 * Gives what the test started a moment to finish (a monitor exits just after its `exited` event), then
 * SIGKILLs what still runs and returns those pids: a passing test leaves none.
 */
export async function killLeftovers(graceMs = 5_000): Promise<number[]> {
  const until = Date.now() + graceMs;
  while ([...started].some(isRunning) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  const left = [...started].filter(isRunning);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  started.clear();
  return left;
}

/** The fields of /proc/PID/stat after the command name: [state, ppid, pgrp, session, tty_nr, …]. */
export function procStat(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The open fds of a process, with what they point to. */
export function openFds(pid: number): Map<number, string> {
  const fds = new Map<number, string>();
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    try {
      fds.set(Number(name), readlinkSync(`/proc/${pid}/fd/${name}`));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // closed since the listing
      throw e;
    }
  }
  return fds;
}
