/**
 * Where a container's files live. Persistent things (the writable layer, the log, the exit record) under
 * the store root; run-time state (pid file, runtime log, attach socket) under the run root.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A unix socket path must fit in sun_path (108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;

/**
 * The attach socket: short, because of sun_path. Under the run root when that is short enough, else
 * under the system temp dir (per uid).
 */
function socketPath(runRoot: string, name: string): string {
  const short = join(runRoot, 'sockets', name);
  if (Buffer.byteLength(short) <= MAX_SOCKET_PATH) return short;
  return join(tmpdir(), `tsengine-sockets-${process.geteuid?.() ?? 0}`, name);
}

function attachSocketPath(runRoot: string, id: string): string {
  return socketPath(runRoot, id.slice(0, 16));
}

export interface ContainerPaths {
  readonly dir: string;
  readonly bundle: string;
  readonly rootfs: string;
  readonly config: string;
  readonly upper: string;
  readonly work: string;
  readonly log: string;
  readonly exitFile: string;
  readonly hosts: string;
  readonly hostname: string;
  readonly resolvConf: string;
  readonly runDir: string;
  readonly pidFile: string;
  readonly runtimeLog: string;
  readonly attachSocket: string;
  /** Where the runtime sends a TTY's pty master (--console-socket), next to the attach socket. */
  readonly consoleSocket: string;
  /** slirp4netns' API socket (published ports), next to the attach socket. */
  readonly slirpApiSocket: string;
  readonly cleanupLog: string;
}

/** One `exec` session's files: under the container's run dir (gone with it), sockets as short as the container's. */
export interface ExecPaths {
  readonly dir: string;
  readonly processFile: string;
  readonly log: string;
  readonly exitFile: string;
  readonly pidFile: string;
  readonly runtimeLog: string;
  readonly attachSocket: string;
  readonly consoleSocket: string;
}

export function execPaths(runRoot: string, containerId: string, execId: string): ExecPaths {
  const dir = join(runRoot, 'containers', containerId, 'exec', execId);
  const socket = `${containerId.slice(0, 12)}-${execId.slice(0, 12)}`;
  return {
    dir,
    processFile: join(dir, 'process.json'),
    log: join(dir, 'exec.log'),
    exitFile: join(dir, 'exit.json'),
    pidFile: join(dir, 'pidfile'),
    runtimeLog: join(dir, 'runtime.log'),
    attachSocket: socketPath(runRoot, socket),
    consoleSocket: socketPath(runRoot, `${socket}.tty`),
  };
}

export function containerPaths(root: string, runRoot: string, id: string): ContainerPaths {
  const dir = join(root, 'containers', id);
  const bundle = join(dir, 'bundle');
  const runDir = join(runRoot, 'containers', id);
  return {
    dir,
    bundle,
    rootfs: join(bundle, 'rootfs'),
    config: join(bundle, 'config.json'),
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    log: join(dir, 'ctr.log'),
    exitFile: join(dir, 'exit.json'),
    hosts: join(dir, 'hosts'),
    hostname: join(dir, 'hostname'),
    resolvConf: join(dir, 'resolv.conf'),
    runDir,
    pidFile: join(runDir, 'pidfile'),
    runtimeLog: join(runDir, 'runtime.log'),
    attachSocket: attachSocketPath(runRoot, id),
    consoleSocket: socketPath(runRoot, `${id.slice(0, 16)}.tty`),
    slirpApiSocket: socketPath(runRoot, `${id.slice(0, 16)}.slirp`),
    cleanupLog: join(runRoot, 'containers', `${id}.cleanup.log`),
  };
}
