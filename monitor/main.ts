/**
 * A container's monitor, our conmon: one detached process per running container, alive from the runtime's
 * start to the container's exit plus cleanup. It reads one LaunchSpec on stdin, runs the runtime
 * (supervise.ts), reports on fd 3, runs the exit command, and exits 0. protocol.ts is the contract.
 *
 * Memory. One of these stays resident for every running container (DESIGN.md §3), so it imports node
 * builtins only and keeps its own modules few (each ES module costs some 40-120 KiB resident, which is why
 * the event channel and the exit command live in this file), sets V8_FLAGS before loading the bulk of its
 * code, and loads attach.ts only for `-i` containers. test/integration/monitor/memory.test.ts measures it.
 *
 * Descriptors. We keep stdin (the spec), stdout/stderr (/dev/null) and fd 3 (events), and close whatever
 * else the launcher's own caller left open (a terminal, a shell's `$(…)` pipe, a test harness's fd): a
 * monitor lives as long as its container, and such an fd held open would keep that caller waiting, and
 * would leak into the runtime (conmon's close_fds.c does the same).
 *
 * Signals. The launcher spawned us with `detached: true`: we lead our own session with no controlling
 * terminal, so a terminal's hangup or ^C never reaches us. SIGINT and SIGHUP, if sent anyway, are ignored.
 * SIGTERM is ignored too: containers are stopped through the runtime (`RUNTIME kill`), never through their
 * monitor, and a monitor that quit on SIGTERM would lose the exit status of a container that keeps running.
 * SIGKILL still ends us: the runtime and container run on, but their next write to stdout/stderr gets EPIPE
 * and nobody writes the exit file, so never send it. SIGPIPE is ignored by node itself.
 */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readdirSync, readlinkSync, readSync, writeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { isErrno } from './errno.ts';
import { decodeLaunchSpec, encodeEvent, ProtocolError, type LaunchSpec, type MonitorEvent } from './protocol.ts';

/** A launch spec is a few KiB; anything near this is not one. */
const MAX_SPEC_BYTES = 1024 * 1024;
/** Exit status when the launch spec is unusable (nothing was run). */
const EXIT_BAD_SPEC = 2;
/**
 * Set at run time, because the engine's spawn line carries no node flags. Node calls changing V8 flags after
 * start-up unsupported in general; these two are consulted by V8 at each decision (tier up a function,
 * schedule a GC task), which is why they take effect here. Re-measure both on a node upgrade.
 *  --no-opt: no TurboFan. The monitor is I/O-bound and gains nothing from it, while TurboFan's background
 *    compiles left ~1.5 MiB in worker threads' malloc arenas after a burst of container output.
 *  --no-minor-gc-task: no speculative young-generation GC during start-up, while everything young is
 *    still live: it promoted all of it and left both semi-spaces committed (~0.3 MiB per idle monitor).
 *    A scavenge still runs whenever the young generation is actually full.
 */
const V8_FLAGS = '--no-opt --no-minor-gc-task';
/** The launcher's spawn() gives us a socketpair (or a pipe) at fd 3 for events. */
const EVENT_FD = 3;

closeInheritedFds();
setFlagsFromString(V8_FLAGS);
for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM'] as const) process.on(signal, ignoreSignal);

let events = eventFd();
let spec: LaunchSpec;
try {
  spec = decodeLaunchSpec(readLaunchSpec());
} catch (e) {
  if (!(e instanceof ProtocolError)) throw e;
  report({ v: 1, type: 'start-failed', exitCode: 125, message: e.message });
  process.exit(EXIT_BAD_SPEC);
}
process.title = `tsengine-monitor ${spec.containerId.slice(0, 12)}`;
// Do not pin the launcher's working directory (it may be a mount someone wants to unmount). LaunchSpec paths
// are absolute (protocol.ts checks), and so must be the paths in argv.
process.chdir('/');

try {
  // Loaded only now, so that loading it happens under V8_FLAGS (no GC task scheduled by its allocations).
  const { supervise } = await import('./supervise.ts');
  await supervise(spec, report);
} finally {
  // EOF for the launcher: a reader waiting for `exited` is done even while the exit command runs.
  if (events !== undefined) closeSync(events);
  events = undefined;
  if (spec.exitCommand !== undefined) await runExitCommand(spec.exitCommand, spec.exitCommandLog);
}
process.exit(0);

/**
 * Closes every fd above 3 that node did not open itself. At this point node's own are its epoll and eventfd
 * instances (anon inodes) and its self-pipes (both ends open here); anything else came from outside. Node
 * marks only some inherited fds close-on-exec, so without this they would also reach the runtime.
 */
function closeInheritedFds(): void {
  const links = new Map<number, string>();
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd <= EVENT_FD) continue;
    try {
      links.set(fd, readlinkSync(`/proc/self/fd/${name}`));
    } catch (e) {
      // The fd readdirSync listed the directory with, closed by now.
      if (isErrno(e, 'ENOENT')) continue;
      throw e;
    }
  }
  const ends = new Map<string, number>();
  for (const link of links.values()) ends.set(link, (ends.get(link) ?? 0) + 1);
  for (const [fd, link] of links) {
    const isNodes = link.startsWith('anon_inode:') || (link.startsWith('pipe:') && ends.get(link)! > 1);
    if (!isNodes) closeSync(fd);
  }
}

function ignoreSignal(): void {
  // See the header: a monitor keeps monitoring.
}

/**
 * Reads stdin to EOF. Blocking reads are right here: nothing else can happen before we have a spec, and
 * libuv hands a child its stdin in blocking mode.
 */
function readLaunchSpec(): string {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.alloc(64 * 1024);
  for (;;) {
    const n = readSync(0, buf, 0, buf.length, null);
    if (n === 0) break;
    total += n;
    if (total > MAX_SPEC_BYTES) throw new ProtocolError(`launch spec: longer than ${MAX_SPEC_BYTES} bytes`);
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

// ---- the event channel (fd 3) ----

/**
 * fd 3 if it is a socket or a pipe. When the launcher passed none, fd 3 is one of node's own (its epoll fd,
 * opened first at start-up), and writing there would corrupt the event loop.
 */
function eventFd(): number | undefined {
  try {
    const st = fstatSync(EVENT_FD);
    return st.isSocket() || st.isFIFO() ? EVENT_FD : undefined;
  } catch (e) {
    // Launched without fd 3 (by hand, for debugging): there is nobody to tell.
    if (isErrno(e, 'EBADF')) return undefined;
    throw e;
  }
}

/**
 * Sends one event line, if anyone still listens. The launcher may have stopped reading or died (a CLI that
 * got `started` and exited, or was SIGKILLed): then the write fails with EPIPE, the channel goes quiet, and
 * we carry on. Events are a few hundred bytes and our end of the socket is blocking (libuv makes it so for
 * a child), so this never waits on a live reader.
 */
function report(e: MonitorEvent): void {
  if (events === undefined) return;
  const bytes = Buffer.from(encodeEvent(e));
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(events, bytes, off);
  } catch (err) {
    // EPIPE/ECONNRESET/ENOTCONN: the reader is gone. EAGAIN: a non-blocking pipe nobody reads is full.
    if (!isErrno(err, 'EPIPE', 'ECONNRESET', 'ENOTCONN', 'EAGAIN')) throw err;
    closeSync(events);
    events = undefined;
  }
}

// ---- the exit command ----

/**
 * The engine's cleanup (unmount, drop runtime state, --rm), run once the exit file is durable. We wait for
 * it, so that the monitor's own exit means "nothing of this container is still being done". Its output goes
 * to the exit-command log (appended) or /dev/null, never to the launcher, which may be long gone.
 */
function runExitCommand(argv: readonly string[], logPath: string | undefined): Promise<void> {
  const [file, ...args] = argv as [string, ...string[]];
  const out = logPath === undefined ? 'ignore' : openExitCommandLog(logPath);
  return new Promise<void>((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', out, out] });
    child.once('exit', () => resolve());
    child.once('error', (e) => {
      // It could not be started: say so where its output would have gone.
      if (!isErrno(e, 'ENOENT', 'EACCES')) throw e;
      if (typeof out === 'number') writeSync(out, `monitor: cannot run exit command ${file}: ${e.message}\n`);
      resolve();
    });
  }).finally(() => {
    if (typeof out === 'number') closeSync(out);
  });
}

function openExitCommandLog(path: string): number | 'ignore' {
  try {
    return openSync(path, 'a', 0o600);
  } catch (e) {
    // Its directory was removed with the container (`rm -f` while it ran); the command still has to run.
    if (isErrno(e, 'ENOENT')) return 'ignore';
    throw e;
  }
}
