/**
 * One run of the runtime, from spawn to a durable exit file:
 *   1. remove the previous run's pid and exit files; open the log; listen on the attach socket (if any)
 *   2. spawn the runtime in the foreground (`RUNTIME run …` stays the parent of the container's init and
 *      exits with its status, DESIGN.md §3), stdio [stdin pipe or /dev/null, pipe, pipe]
 *   3. copy stdout/stderr into the CRI log; report `started` when the pid file appears
 *   4. on exit: drain the pipes, write the exit record, then report `start-failed` (no pid file ever
 *      appeared) and `exited`
 * Anything that keeps the runtime from running at all (runtime binary missing, log not writable, attach
 * socket unusable) ends the same way, with exit code 125 and the reason as `runtimeError`, so `wait` still
 * gets an answer.
 *
 * The runtime's pid file and JSON log are read here too: they are how the runtime talks to us. (The
 * monitor's files are few on purpose: each ES module costs a resident monitor memory, see main.ts.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync, unlinkSync } from 'node:fs';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import type { AttachServer } from './attach.ts';
import { isErrno } from './errno.ts';
import { writeExitFile } from './exit-file.ts';
import { CriLogWriter, type StreamName } from './log-writer.ts';
import type { ExitRecord, LaunchSpec, MonitorEvent } from './protocol.ts';

/** podman's "the engine failed" code: the runtime never ran. */
const CANNOT_RUN = 125;
/** After the runtime exits, how long a grandchild may keep its stdout/stderr open before we stop reading. */
const DRAIN_AFTER_EXIT_MS = 2_000;
/** How much of the runtime's stderr we keep for a `start-failed` message when it has no JSON log. */
const STDERR_TAIL_BYTES = 4 * 1024;
const STDERR_TAIL_LINES = 10;
/** Of the runtime's JSON log only the end matters (runsc's debug logs can be large). */
const RUNTIME_LOG_TAIL_BYTES = 64 * 1024;
const ERROR_LEVELS = new Set(['error', 'fatal', 'panic']);

/** Errors that mean "cannot set this run up" rather than a bug: reported, never thrown. */
const SETUP_ERRNOS = ['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS', 'ENOSPC', 'EADDRINUSE', 'ENAMETOOLONG'];

interface NotRun {
  readonly kind: 'not-run';
  readonly message: string;
}
type RuntimeEnd = { readonly kind: 'exited'; readonly code: number | null; readonly signal: NodeJS.Signals | null } | NotRun;

interface RunIo {
  readonly log: CriLogWriter;
  readonly attach: AttachServer | undefined;
}

export async function supervise(spec: LaunchSpec, report: (e: MonitorEvent) => void): Promise<void> {
  removeIfExists(spec.pidFile);
  removeIfExists(spec.exitFile);
  const logOffset = fileSize(spec.runtimeLogPath);
  let pid: number | undefined;
  let startedAt: string | undefined;
  let stderrTail = Buffer.alloc(0);
  const started = (p: number): void => {
    pid = p;
    startedAt = new Date().toISOString();
    report({ v: 1, type: 'started', pid: p, monitorPid: process.pid });
  };
  const keepStderrTail = (chunk: Buffer): void => {
    if (pid !== undefined) return; // only a failed start needs it
    stderrTail = Buffer.concat([stderrTail, chunk]);
    if (stderrTail.length > STDERR_TAIL_BYTES) stderrTail = stderrTail.subarray(-STDERR_TAIL_BYTES);
  };

  const io = await setUp(spec);
  const end = 'message' in io ? io : await runRuntime(spec, io, started, keepStderrTail);
  const finishedAt = new Date().toISOString();
  if (!('message' in io)) {
    await io.attach?.close();
    io.log.close();
  }

  if (pid === undefined && end.kind === 'exited') {
    // The runtime wrote the pid file and exited between two polls (a container that exits at once).
    const late = readPidFile(spec.pidFile);
    if (late !== undefined) {
      started(late);
      startedAt = finishedAt;
    }
  }

  const record: ExitRecord = { v: 1, exitCode: CANNOT_RUN, finishedAt };
  if (end.kind === 'exited') {
    record.exitCode = end.code ?? 128 + (constants.signals[end.signal!] ?? 0);
    if (end.signal !== null) record.signal = end.signal;
    const runtimeError = lastRuntimeError(spec.runtimeLogPath, logOffset);
    if (runtimeError !== undefined) record.runtimeError = runtimeError;
  } else {
    record.runtimeError = end.message;
  }
  if (startedAt !== undefined) record.startedAt = startedAt;
  if (pid !== undefined) record.pid = pid;
  try {
    writeExitFile(spec.exitFile, record);
  } catch (e) {
    // The exit file's directory is gone: the container was removed while it ran (`rm -f`), so nobody will
    // ask. Still report, and still run the exit command (its cleanup copes with a removed container).
    if (!isErrno(e, 'ENOENT')) throw e;
  }

  if (pid === undefined) {
    const message =
      record.runtimeError ?? (lastLines(stderrTail) || `${spec.argv[0]} exited with code ${record.exitCode} before the container started`);
    report({ v: 1, type: 'start-failed', exitCode: record.exitCode, message });
  }
  report({ v: 1, type: 'exited', record });
}

/** Opens the log and the attach socket, before anything runs; a failure here is reported, not thrown. */
async function setUp(spec: LaunchSpec): Promise<RunIo | NotRun> {
  let log: CriLogWriter | undefined;
  try {
    log = CriLogWriter.open(spec.logPath);
    if (!spec.stdin || spec.attachSocket === undefined) return { log, attach: undefined };
    const { AttachServer } = await import('./attach.ts'); // only `-i` containers load it
    return { log, attach: await AttachServer.listen(spec.attachSocket) };
  } catch (e) {
    if (!isErrno(e, ...SETUP_ERRNOS)) throw e;
    log?.close();
    return { kind: 'not-run', message: `monitor: ${e.message}` };
  }
}

/** Runs the runtime to its exit, copying its output to the log; resolves once its pipes are drained. */
async function runRuntime(
  spec: LaunchSpec,
  io: RunIo,
  started: (pid: number) => void,
  onStderr: (chunk: Buffer) => void,
): Promise<RuntimeEnd> {
  const [file, ...args] = spec.argv as [string, ...string[]];
  const notRun = (e: Error): NotRun => ({ kind: 'not-run', message: `monitor: cannot run ${file}: ${e.message}` });
  let child: ChildProcess;
  try {
    child = spawn(file, args, { stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: spec.env ?? process.env });
  } catch (e) {
    // spawn(2) refused at once (node throws these synchronously; ENOENT/EACCES come as 'error' below).
    if (!isErrno(e, 'ENOTDIR', 'EPERM', 'E2BIG', 'ENAMETOOLONG', 'ELOOP', 'ENOEXEC')) throw e;
    return notRun(e);
  }
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const ended = new Promise<RuntimeEnd>((resolve) => {
    child.once('exit', (code, signal) => resolve({ kind: 'exited', code, signal }));
    child.once('error', (e) => {
      // The runtime binary is missing or not executable, or we are out of processes/fds. Nothing ran.
      if (!isErrno(e, 'ENOENT', 'EACCES', 'EAGAIN', 'EMFILE', 'ENFILE')) throw e;
      resolve(notRun(e));
    });
  });
  if (child.stdin) io.attach?.feed(child.stdin);
  const copy = (stream: StreamName, from: Readable | null): void => {
    // Synchronous writes: the next chunk is read only once this one is in the log (log-writer.ts).
    from?.on('data', (chunk: Buffer) => {
      if (stream === 'stderr') onStderr(chunk);
      io.log.write(stream, chunk);
    });
  };
  copy('stdout', child.stdout);
  copy('stderr', child.stderr);
  const stopWatching = watchPidFile(spec.pidFile, started);

  const end = await ended;
  stopWatching();
  if (end.kind === 'exited') await drained(child, closed);
  return end;
}

/**
 * Waits until stdout and stderr reach EOF. The container's processes die with its init, but one that escaped
 * (a daemon in the host's pid namespace) could hold them open forever: give it DRAIN_AFTER_EXIT_MS.
 */
async function drained(child: ChildProcess, closed: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, DRAIN_AFTER_EXIT_MS);
  });
  await Promise.race([closed, timeout]);
  clearTimeout(timer);
  child.stdout?.destroy();
  child.stderr?.destroy();
}

// ---- the pid file: its appearance is "started" ----

/**
 * Calls `onPid` once when the pid file appears; the returned function stops watching. We poll: every 2 ms
 * while a start is likely (runc takes ~50 ms, runsc ~300 ms), then slower, so a runtime that never writes
 * one costs little. A poll is one failed open(2); fs.watch would cost an inotify instance per monitor.
 */
function watchPidFile(path: string, onPid: (pid: number) => void): () => void {
  const since = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const poll = (): void => {
    const pid = readPidFile(path);
    if (pid !== undefined) {
      timer = undefined;
      onPid(pid);
      return;
    }
    const waited = Date.now() - since;
    timer = setTimeout(poll, waited < 2_000 ? 2 : waited < 10_000 ? 10 : 250);
  };
  timer = setTimeout(poll, 0);
  return () => clearTimeout(timer);
}

/** The pid in the file, or undefined while it is missing or still empty (crun writes it in place). */
function readPidFile(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    // Not written yet.
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

// ---- the runtime's JSON log: an error-level entry means the runtime failed ----

/**
 * runc, crun and runsc (`--log FILE --log-format json`) write one object per line,
 * `{"level":"error","msg":"…","time":"…"}`. Returns the message of the last error-level entry written at
 * or after `offset` (this run's part of the file), if any.
 */
function lastRuntimeError(path: string | undefined, offset: number): string | undefined {
  if (path === undefined) return undefined;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    // The runtime never wrote it (it logs only when it has something to say).
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
  let text: string;
  try {
    const size = fstatSync(fd).size;
    const from = Math.max(offset, size - RUNTIME_LOG_TAIL_BYTES);
    const buf = Buffer.alloc(Math.max(0, size - from));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    text = buf.toString('utf8', 0, got);
  } finally {
    closeSync(fd);
  }
  let last: string | undefined;
  // runsc does not end its last entry with a newline; a first line cut by the tail window fails to parse.
  for (const line of text.split('\n')) last = errorMessage(line) ?? last;
  return last;
}

function errorMessage(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch (e) {
    // A line cut by the tail window, or text from a runtime not started with --log-format json.
    if (e instanceof SyntaxError) return undefined;
    throw e;
  }
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { level, msg } = entry as { level?: unknown; msg?: unknown };
  return typeof level === 'string' && ERROR_LEVELS.has(level) && typeof msg === 'string' ? msg : undefined;
}

// ---- small file helpers ----

/** The file's size now (0 if absent), so that an earlier run's runtime-log entries are not read as this run's. */
function fileSize(path: string | undefined): number {
  return path === undefined ? 0 : (statSync(path, { throwIfNoEntry: false })?.size ?? 0);
}

function removeIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    // The usual case: the engine removed it already, or this is the first run.
    if (!isErrno(e, 'ENOENT')) throw e;
  }
}

function lastLines(tail: Buffer): string {
  return tail.toString('utf8').trim().split('\n').slice(-STDERR_TAIL_LINES).join('\n');
}
