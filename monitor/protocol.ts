/**
 * The contract between the engine and a container's monitor (monitor/tsengine-monitor.c, built by node-gyp
 * into build/Release/tsengine-monitor), and the only file engine/ imports from monitor/: types, the
 * monitor's command line, event/exit-record decoding with validation; no side effects and no imports.
 *
 * Lifecycle (conmon's parent pipe, versioned like its `--api-version`):
 *   engine  spawn(binary, launchArgv(spec), { argv0: monitorTitle(id), env: spec.env, detached: true,
 *                 stdio: ['ignore', 'ignore', 'ignore', 'pipe'] })
 *           (the monitor's environment is the runtime's and the exit command's)
 *   monitor runs spec.argv (the runtime, in the foreground) and writes MonitorEvent lines on fd 3:
 *           `started` (pid file appeared) or `start-failed` (runtime exited first), then `exited`
 *           after the exit file is written; then the cleanup hand-off below, the exit command, exit 0.
 *           A command line that does not parse gets one `start-failed` (exit code 125, no exit file, no
 *           exit command) and the monitor exits 2.
 *   cleanup hand-off, after `exited`:
 *           the monitor shuts down its write side of fd 3 (a reader waiting for EOF of events is done),
 *           then reads fd 3 until EOF, blocking: the engine holding it is alive. If the engine wrote the
 *           byte `D` ("done: I cleaned up myself") before closing, the monitor skips the exit command; on
 *           EOF without `D` (the engine let go, or was SIGKILLed) it runs it. When `exited` could not be
 *           sent (nobody listens any more) or there is no fd 3, it runs the exit command at once.
 * The engine may stop listening (or die) at any point; the exit file is the durable answer. The monitor
 * runs with `/` as its working directory, so paths in argv must be absolute too.
 *
 * Command line (launchArgv; every option takes the next argument whole, so values may start with `--`):
 *   --cid ID --log PATH --exit-file PATH --pid-file PATH [--runtime-log PATH]
 *   [--stdin [--attach-socket PATH]] [--exit-command-log PATH] [--exit-command-arg ARG]... -- RUNTIME [ARG]...
 */

export const PROTOCOL_VERSION = 1;

export interface LaunchSpec {
  v: 1;
  containerId: string;
  /** The runtime command line, run in the foreground: e.g. ['/usr/bin/crun', '--root', R, '--log', L, '--log-format', 'json', 'run', '--bundle', B, '--pid-file', P, ID]. */
  argv: readonly string[];
  /** Environment of the monitor, hence of the runtime and the exit command (default: the engine's own). */
  env?: Record<string, string>;
  /** The container's log file, CRI (k8s-file) format, appended: `<RFC3339Nano> stdout|stderr F|P <text>\n`. Absolute. */
  logPath: string;
  /** Written atomically (temp + fsync + rename) when the runtime exits: ExitRecord as JSON. Absolute. */
  exitFile: string;
  /** The runtime writes the container's pid here; its appearance means "created". Absolute. */
  pidFile: string;
  /** The runtime's own JSON log (--log … --log-format json): error-level entries written during this run mean the runtime failed. Absolute. */
  runtimeLogPath?: string;
  /** Keep the container's stdin open as a pipe, fed by whoever connects to attachSocket (docker -i). Otherwise stdin is /dev/null. */
  stdin: boolean;
  /** Unix socket the monitor listens on while the container runs (only with `stdin`: launchArgv drops it otherwise): a client that connects gets its bytes written to the container's stdin; closing the client's write side closes the container's stdin. Absolute, at most 107 bytes (sun_path). */
  attachSocket?: string;
  /** Run after the exit file is written (the engine's cleanup: unmount, runtime state, --rm). Its output goes to exitCommandLog if given. */
  exitCommand?: readonly string[];
  exitCommandLog?: string;
}

export interface ExitRecord {
  v: 1;
  /** The runtime's exit status: the container's own code, 128+N when killed by signal N (runtimes report that themselves), or 128+N when the runtime process itself died by signal N. */
  exitCode: number;
  /** When the runtime process itself was killed by a signal. */
  signal?: string;
  /** ISO 8601 with ms. */
  finishedAt: string;
  startedAt?: string;
  /**
   * The last error-level message from the runtime's JSON log, if any: the runtime failed (e.g. exec of a missing
   * command), so exitCode is the runtime's, not the container's. Also set, with exitCode 125, when the monitor
   * itself could not run the runtime at all (runtime binary missing, log file not writable, attach socket busy).
   */
  runtimeError?: string;
  /** Container pid as read from pidFile, if it appeared. */
  pid?: number;
}

export type MonitorEvent =
  /**
   * The pid file appeared (container created and started). runsc writes its pid file before it execs the
   * container's command, so a runsc that cannot exec it reports `started`, then `exited` with `runtimeError`.
   */
  | { v: 1; type: 'started'; pid: number; monitorPid: number }
  /** The runtime exited before the pid file appeared; message = runtime error (runtime log error, else last stderr lines). */
  | { v: 1; type: 'start-failed'; exitCode: number; message: string }
  /** The exit file is written (if it could be: a failure is noted in the exit-command log); sent if the parent is still listening (also after `start-failed`). Then the cleanup hand-off (header). */
  | { v: 1; type: 'exited'; record: ExitRecord };

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}


/** sun_path is 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

/** What the monitor calls itself in ps and /proc/PID/cmdline (argv[0]); bench/ and ps users find monitors by it. */
export function monitorTitle(containerId: string): string {
  return `tsengine-monitor ${containerId.slice(0, 12)}`;
}

/** The monitor's arguments (after argv[0]) for a validated spec: the syntax in the header. */
export function launchArgv(s: LaunchSpec): string[] {
  const spec = validateLaunchSpec(s);
  const args = ['--cid', spec.containerId, '--log', spec.logPath, '--exit-file', spec.exitFile, '--pid-file', spec.pidFile];
  if (spec.runtimeLogPath !== undefined) args.push('--runtime-log', spec.runtimeLogPath);
  if (spec.stdin) {
    args.push('--stdin');
    if (spec.attachSocket !== undefined) args.push('--attach-socket', spec.attachSocket);
  }
  if (spec.exitCommandLog !== undefined) args.push('--exit-command-log', spec.exitCommandLog);
  for (const a of spec.exitCommand ?? []) args.push('--exit-command-arg', a);
  return [...args, '--', ...spec.argv];
}

/** One JSON line, newline-terminated: the bytes the monitor writes (a test compares them). */
export function encodeEvent(e: MonitorEvent): string {
  return `${JSON.stringify(validateEvent(e))}\n`;
}

export function decodeEvent(line: string): MonitorEvent {
  return validateEvent(parseJson(line, 'monitor event'));
}

export function decodeExitRecord(text: string): ExitRecord {
  return validateExitRecord(parseJson(text, 'exit record'), 'exit record');
}

// ---- validation: unknown fields are ignored (later versions may add optional ones), known ones are checked ----

type Fields = Record<string, unknown>;

function parseJson(text: string, what: string): Fields {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // JSON.parse throws only SyntaxError.
    if (e instanceof SyntaxError) throw new ProtocolError(`${what}: invalid JSON: ${e.message}`);
    throw e;
  }
  return record(value, what);
}

function record(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError(`${what}: expected an object, got ${describe(value)}`);
  }
  return value as Fields;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `\`${String(value).slice(0, 40)}\` (${typeof value})`;
}

function version(o: Fields, what: string): 1 {
  if (o['v'] !== PROTOCOL_VERSION) {
    throw new ProtocolError(`${what}: unsupported protocol version ${describe(o['v'])}, this monitor speaks ${PROTOCOL_VERSION}`);
  }
  return 1;
}

function str(o: Fields, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new ProtocolError(`${what}: expected \`${key}\` to be a non-empty string, got ${describe(v)}`);
  return v;
}

/** A string that becomes a command-line argument: argv cannot carry NUL. */
function argStr(o: Fields, key: string, what: string): string {
  const v = str(o, key, what);
  if (v.includes('\0')) throw new ProtocolError(`${what}: expected \`${key}\` to have no NUL, got ${describe(v)}`);
  return v;
}

function optStr(o: Fields, key: string, what: string): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, what);
}

function absPath(o: Fields, key: string, what: string): string {
  const v = str(o, key, what);
  if (!v.startsWith('/') || v.includes('\0')) throw new ProtocolError(`${what}: expected \`${key}\` to be an absolute path, got \`${v}\``);
  return v;
}

function optAbsPath(o: Fields, key: string, what: string): string | undefined {
  return o[key] === undefined ? undefined : absPath(o, key, what);
}

function int(o: Fields, key: string, what: string, min: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ProtocolError(`${what}: expected \`${key}\` to be an integer >= ${min}, got ${describe(v)}`);
  }
  return v;
}

function strings(o: Fields, key: string, what: string): string[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && !s.includes('\0'))) {
    throw new ProtocolError(`${what}: expected \`${key}\` to be a non-empty array of strings without NUL, got ${describe(v)}`);
  }
  return v as string[];
}

function validateLaunchSpec(value: unknown): LaunchSpec {
  const what = 'launch spec';
  const o = record(value, what);
  const argv = strings(o, 'argv', what);
  if (argv[0] === '') throw new ProtocolError(`${what}: \`argv[0]\` is empty`);
  if (typeof o['stdin'] !== 'boolean') throw new ProtocolError(`${what}: expected \`stdin\` to be a boolean, got ${describe(o['stdin'])}`);
  const spec: LaunchSpec = {
    v: version(o, what),
    containerId: argStr(o, 'containerId', what),
    argv,
    logPath: absPath(o, 'logPath', what),
    exitFile: absPath(o, 'exitFile', what),
    pidFile: absPath(o, 'pidFile', what),
    stdin: o['stdin'],
  };
  if (o['env'] !== undefined) {
    const env = record(o['env'], `${what} env`);
    for (const [k, v] of Object.entries(env)) {
      if (typeof v !== 'string' || v.includes('\0') || k.includes('=') || k.includes('\0')) {
        throw new ProtocolError(`${what}: expected \`env.${k}\` to be a string (no NUL, no = in the name), got ${describe(v)}`);
      }
    }
    spec.env = env as Record<string, string>;
  }
  const runtimeLogPath = optAbsPath(o, 'runtimeLogPath', what);
  if (runtimeLogPath !== undefined) spec.runtimeLogPath = runtimeLogPath;
  const attachSocket = optAbsPath(o, 'attachSocket', what);
  if (attachSocket !== undefined) {
    if (Buffer.byteLength(attachSocket) > MAX_SOCKET_PATH_BYTES) {
      throw new ProtocolError(`${what}: \`attachSocket\` is longer than ${MAX_SOCKET_PATH_BYTES} bytes: ${attachSocket}`);
    }
    spec.attachSocket = attachSocket;
  }
  if (o['exitCommand'] !== undefined) {
    spec.exitCommand = strings(o, 'exitCommand', what);
    if (spec.exitCommand[0] === '') throw new ProtocolError(`${what}: \`exitCommand[0]\` is empty`);
  }
  const exitCommandLog = optAbsPath(o, 'exitCommandLog', what);
  if (exitCommandLog !== undefined) spec.exitCommandLog = exitCommandLog;
  return spec;
}

function validateExitRecord(value: unknown, what: string): ExitRecord {
  const o = record(value, what);
  // Built in the monitor's key order, so that encodeEvent() of a decoded event gives back its bytes.
  const v = version(o, what);
  const exitCode = int(o, 'exitCode', what, 0);
  const signal = optStr(o, 'signal', what);
  const r: ExitRecord = { v, exitCode, ...(signal !== undefined ? { signal } : {}), finishedAt: isoTime(o, 'finishedAt', what) };
  if (o['startedAt'] !== undefined) r.startedAt = isoTime(o, 'startedAt', what);
  if (o['runtimeError'] !== undefined) {
    if (typeof o['runtimeError'] !== 'string') throw new ProtocolError(`${what}: expected \`runtimeError\` to be a string, got ${describe(o['runtimeError'])}`);
    r.runtimeError = o['runtimeError'];
  }
  if (o['pid'] !== undefined) r.pid = int(o, 'pid', what, 1);
  return r;
}

function isoTime(o: Fields, key: string, what: string): string {
  const v = str(o, key, what);
  if (Number.isNaN(Date.parse(v))) throw new ProtocolError(`${what}: expected \`${key}\` to be an ISO 8601 time, got \`${v}\``);
  return v;
}

function validateEvent(value: unknown): MonitorEvent {
  const what = 'monitor event';
  const o = record(value, what);
  const v = version(o, what);
  switch (o['type']) {
    case 'started':
      return { v, type: 'started', pid: int(o, 'pid', what, 1), monitorPid: int(o, 'monitorPid', what, 1) };
    case 'start-failed':
      if (typeof o['message'] !== 'string') throw new ProtocolError(`${what}: expected \`message\` to be a string, got ${describe(o['message'])}`);
      return { v, type: 'start-failed', exitCode: int(o, 'exitCode', what, 0), message: o['message'] };
    case 'exited':
      return { v, type: 'exited', record: validateExitRecord(o['record'], `${what} record`) };
    default:
      throw new ProtocolError(`${what}: unknown type ${describe(o['type'])}`);
  }
}
