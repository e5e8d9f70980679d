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
 *   [--stdin] [--attach-socket PATH] [--attached] [--console-socket PATH [--tty-size ROWSxCOLS]]
 *   [--runtime-detaches] [--unmount PATH] [--oom-cgroup DIR] [--exit-command-log PATH] [--exit-command-arg ARG]... -- RUNTIME [ARG]...
 *
 * After the hand-off, when the engine did not clean up: the monitor unmounts `unmount` itself (umount2,
 * detached when busy), then runs the exit command if there is one. The engine gives an exit command only
 * to containers that need more than that (--rm, a slirp4netns network to stop).
 *
 * Attach (monitor/attach.h): whoever connects to attachSocket, and the engine's end of fd 4 with
 * `attached`, gets the container's output and may send stdin and resizes, framed both ways as
 * `type:u8 length:u32be payload` (AttachFrameType; encodeAttachFrame/AttachFrameDecoder below):
 *   monitor → client  stdout(1) / stderr(2) data, as read (a TTY's output is all stdout); EOF after the
 *                     last one, once the container exited and its output drained
 *   client → monitor  stdin(0) data (dropped unless `stdin`); stdinEof(3), empty: the container's stdin
 *                     closes (with a TTY we only stop writing); resize(4): rows u16be, cols u16be
 * Closing the socket detaches: the container and its stdin carry on. A protocol error drops the client.
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
  /** Keep the container's stdin open (a pipe, or its TTY), fed by attach clients (docker -i). Otherwise stdin is /dev/null (or an unfed TTY). */
  stdin: boolean;
  /** Unix socket the monitor listens on while the container runs, for attach clients (header). Absolute, at most 107 bytes (sun_path). */
  attachSocket?: string;
  /** fd 4 of the monitor is a connected socket (launch.ts passes one): the first attach client, there before the runtime starts, so it misses no output. */
  attached?: boolean;
  /** A container TTY: the runtime's `--console-socket` (in `argv` too); the monitor listens here and takes the pty master. Absolute, at most 107 bytes. */
  consoleSocket?: string;
  /** The TTY's initial size, set on the master as soon as it arrives (also put it in config.json process.consoleSize: the runtime may start the process first). */
  terminalSize?: { rows: number; cols: number };
  /** The runtime is told to `--detach`: it exits once the process runs, and the monitor (a subreaper) waits for the process in pidFile. runc needs it for a TTY. */
  runtimeDetaches?: boolean;
  /**
   * With runtimeDetaches, `argv` is a `create`: once it has exited 0 and the TTY's master is the monitor's
   * (its size set), the monitor runs this (`RUNTIME start ID`), which exits once the process runs. For a
   * runtime that ignores process.consoleSize (runsc), the only way the size is there before the process runs.
   */
  startArgv?: readonly string[];
  /** The container's root filesystem mount: unmounted by the monitor after the exit unless the engine cleaned up. Absolute. */
  unmount?: string;
  /** Run after the exit file is written (the engine's cleanup: unmount, runtime state, --rm). Its output goes to exitCommandLog if given. */
  exitCommand?: readonly string[];
  exitCommandLog?: string;
  /** The container's cgroup v1 memory cgroup directory: an OOM kill there sets the exit record's oomKilled. Absolute. */
  oomCgroup?: string;
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
  /** The kernel's OOM killer killed a process of the container (only with LaunchSpec.oomCgroup). */
  oomKilled?: true;
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
  if (spec.stdin) args.push('--stdin');
  if (spec.attachSocket !== undefined) args.push('--attach-socket', spec.attachSocket);
  if (spec.attached === true) args.push('--attached');
  if (spec.consoleSocket !== undefined) {
    args.push('--console-socket', spec.consoleSocket);
    if (spec.terminalSize !== undefined) args.push('--tty-size', `${spec.terminalSize.rows}x${spec.terminalSize.cols}`);
  }
  if (spec.runtimeDetaches === true) args.push('--runtime-detaches');
  for (const a of spec.startArgv ?? []) args.push('--start-arg', a);
  if (spec.unmount !== undefined) args.push('--unmount', spec.unmount);
  if (spec.oomCgroup !== undefined) args.push('--oom-cgroup', spec.oomCgroup);
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

// ---- attach frames (header) ----

export const AttachFrameType = { stdin: 0, stdout: 1, stderr: 2, stdinEof: 3, resize: 4 } as const;
export type AttachFrameType = (typeof AttachFrameType)[keyof typeof AttachFrameType];

const FRAME_HEADER = 5;

/** One frame: the header and the payload, in one buffer (one write). */
export function encodeAttachFrame(type: AttachFrameType, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  frame[0] = type;
  frame.writeUInt32BE(payload.length, 1);
  frame.set(payload, FRAME_HEADER);
  return frame;
}

/** A resize frame; rows and cols are clamped to what a winsize holds (1..65535). */
export function encodeResize(rows: number, cols: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt16BE(Math.min(65535, Math.max(1, Math.trunc(rows))), 0);
  payload.writeUInt16BE(Math.min(65535, Math.max(1, Math.trunc(cols))), 2);
  return encodeAttachFrame(AttachFrameType.resize, payload);
}

export interface AttachFrame {
  readonly type: AttachFrameType;
  readonly payload: Buffer;
}

/** Splits a byte stream into frames, whatever the chunking; a frame of an unknown type is a ProtocolError. */
export class AttachFrameDecoder {
  #carry: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): AttachFrame[] {
    let buf = this.#carry.length === 0 ? chunk : Buffer.concat([this.#carry, chunk]);
    const frames: AttachFrame[] = [];
    while (buf.length >= FRAME_HEADER) {
      const type = buf[0]!;
      if (type > AttachFrameType.resize) throw new ProtocolError(`attach frame: unknown type ${type}`);
      const end = FRAME_HEADER + buf.readUInt32BE(1);
      if (buf.length < end) break;
      frames.push({ type: type as AttachFrameType, payload: buf.subarray(FRAME_HEADER, end) });
      buf = buf.subarray(end);
    }
    this.#carry = buf;
    return frames;
  }

  /** Bytes of a frame not yet complete (at EOF: the stream was cut). */
  get pending(): number {
    return this.#carry.length;
  }
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
  const attachSocket = socketPath(o, 'attachSocket', what);
  if (attachSocket !== undefined) spec.attachSocket = attachSocket;
  for (const k of ['attached', 'runtimeDetaches'] as const) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== 'boolean') throw new ProtocolError(`${what}: expected \`${k}\` to be a boolean, got ${describe(o[k])}`);
    spec[k] = o[k];
  }
  const consoleSocket = socketPath(o, 'consoleSocket', what);
  if (consoleSocket !== undefined) spec.consoleSocket = consoleSocket;
  if (o['terminalSize'] !== undefined) {
    if (consoleSocket === undefined) throw new ProtocolError(`${what}: \`terminalSize\` needs \`consoleSocket\``);
    const size = record(o['terminalSize'], `${what} terminalSize`);
    const rows = int(size, 'rows', `${what} terminalSize`, 1);
    const cols = int(size, 'cols', `${what} terminalSize`, 1);
    if (rows > 65535 || cols > 65535) throw new ProtocolError(`${what}: \`terminalSize\` is larger than 65535x65535`);
    spec.terminalSize = { rows, cols };
  }
  if (o['startArgv'] !== undefined) {
    spec.startArgv = strings(o, 'startArgv', what);
    if (spec.startArgv[0] === '') throw new ProtocolError(`${what}: \`startArgv[0]\` is empty`);
    if (spec.runtimeDetaches !== true) throw new ProtocolError(`${what}: \`startArgv\` needs \`runtimeDetaches\``);
  }
  if (o['exitCommand'] !== undefined) {
    spec.exitCommand = strings(o, 'exitCommand', what);
    if (spec.exitCommand[0] === '') throw new ProtocolError(`${what}: \`exitCommand[0]\` is empty`);
  }
  const exitCommandLog = optAbsPath(o, 'exitCommandLog', what);
  if (exitCommandLog !== undefined) spec.exitCommandLog = exitCommandLog;
  const unmount = optAbsPath(o, 'unmount', what);
  if (unmount !== undefined) spec.unmount = unmount;
  const oomCgroup = optAbsPath(o, 'oomCgroup', what);
  if (oomCgroup !== undefined) spec.oomCgroup = oomCgroup;
  return spec;
}

function socketPath(o: Fields, key: string, what: string): string | undefined {
  const path = optAbsPath(o, key, what);
  if (path !== undefined && Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new ProtocolError(`${what}: \`${key}\` is longer than ${MAX_SOCKET_PATH_BYTES} bytes: ${path}`);
  }
  return path;
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
  if (o['oomKilled'] !== undefined) {
    if (o['oomKilled'] !== true) throw new ProtocolError(`${what}: expected \`oomKilled\` to be true when present, got ${describe(o['oomKilled'])}`);
    r.oomKilled = true;
  }
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
