// Launches the built monitor (dist/monitor/main.js) exactly as the engine does, and reads its events.
// Every process started here is recorded so that afterEach can kill what a failed test left running, by
// pid, and check that nothing was left.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { decodeEvent, decodeExitRecord, encodeLaunchSpec, type ExitRecord, type LaunchSpec, type MonitorEvent } from '../../../monitor/protocol.ts';

const SOURCES = fileURLToPath(new URL('../../../monitor/', import.meta.url));
const BUILT = fileURLToPath(new URL('../../../dist/monitor/', import.meta.url));
export const MONITOR_MAIN = `${BUILT}main.js`;

/** Fails loudly when dist/ is missing or older than monitor/*.ts: these tests are about the built monitor. */
export function assertMonitorBuilt(): void {
  if (!existsSync(MONITOR_MAIN)) throw new Error(`${MONITOR_MAIN} is missing: run npm run build`);
  for (const f of readdirSync(SOURCES).filter((n) => n.endsWith('.ts'))) {
    const built = `${BUILT}${f.replace(/\.ts$/, '.js')}`;
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(`${SOURCES}${f}`).mtimeMs) {
      throw new Error(`${built} is older than monitor/${f}: run npm run build`);
    }
  }
}

export interface LaunchedMonitor {
  readonly child: ChildProcess;
  readonly pid: number;
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

export function launchMonitor(spec: LaunchSpec): LaunchedMonitor {
  const child = spawn(process.execPath, [MONITOR_MAIN], { detached: true, stdio: ['pipe', 'ignore', 'ignore', 'pipe'] });
  child.unref();
  track(child.pid);
  child.stdin!.end(encodeLaunchSpec(spec));
  const events: MonitorEvent[] = [];
  const waiters: (() => void)[] = [];
  let carry = '';
  const fd3 = child.stdio[3] as Readable;
  fd3.setEncoding('utf8');
  fd3.on('data', (text: string) => {
    const lines = (carry + text).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      const e = decodeEvent(line);
      if (e.type === 'started') track(e.pid);
      events.push(e);
    }
    for (const w of waiters.splice(0)) w();
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
  return { child, pid: child.pid!, events, next, exit };
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
