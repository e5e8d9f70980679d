/**
 * exec: one more process in a running container, `RUNTIME exec --process process.json`, watched by a
 * monitor of its own (the same binary as the container's: its log, exit file, attach socket and TTY code
 * serve an exec session just as well). The process joins the container's namespaces, its pid namespace
 * too, so it dies with the container's init (the kernel kills a pid namespace's processes when its init
 * exits); its monitor then records the exit like any other.
 *
 * Exit codes as podman's: 125 when the container does not exist or does not run, 126/127 when the runtime
 * cannot invoke or find the command (classify.ts, from the runtime's error), else the process's own.
 */
import { abortable } from './abortable.ts';
import { readOptional } from './start.ts';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LaunchSpec } from '../../monitor/protocol.ts';
import { isErrno } from '../../storage/errors.ts';
import { EngineError } from '../errors.ts';
import { classifyRuntimeError } from '../runtime/classify.ts';
import type { OciCliRuntime } from '../runtime/oci-cli.ts';
import { AttachStream } from './attach-stream.ts';
import { type ExitStatus, exitStatusOf, readExitRecord } from './exit-status.ts';
import { newContainerId } from './ids.ts';
import { launchMonitor, monitorCommand } from './launch.ts';
import type { OciProcess, OciSpec } from './oci-spec.ts';
import { type ContainerPaths, execPaths } from './paths.ts';
import { resolveUser } from './user.ts';

export interface ExecOptions {
  /** The command and its arguments, run as given (looked up in the process's PATH). */
  readonly command: readonly string[];
  /** Keep stdin open, fed through the session's `attach` (docker exec -i). */
  readonly interactive?: boolean | undefined;
  /** A terminal (docker exec -t). */
  readonly tty?: boolean | undefined;
  /** With `tty`: its initial size. */
  readonly terminalSize?: { readonly rows: number; readonly cols: number } | undefined;
  /** `K=V` entries over the container's environment. */
  readonly env?: readonly string[] | undefined;
  /** `name`, `uid`, `name:group`, `uid:gid`; default the container's user. */
  readonly user?: string | undefined;
  /** Working directory; default the container's. */
  readonly workdir?: string | undefined;
  /** Every capability (docker exec --privileged). */
  readonly privileged?: boolean | undefined;
  /** Do not attach: the session's output goes to its log only. */
  readonly detach?: boolean | undefined;
}

export interface ExecSession {
  /** The session's id (its files live under the container's run directory). */
  readonly id: string;
  /** The process's host pid. */
  readonly pid: number;
  /** Output, stdin and resizes; connected before the process started. Not with `detach`. */
  readonly attach?: AttachStream;
  /** How the process ended (the container stopping ends it too). */
  wait(o?: { signal?: AbortSignal }): Promise<ExitStatus>;
}

export interface ExecDeps {
  readonly containerId: string;
  readonly paths: ContainerPaths;
  readonly runRoot: string;
  readonly runtime: OciCliRuntime;
  readonly hostNetwork: boolean;
  readonly rootless: boolean;
}

/** Capability names by number (linux/capability.h), up to CAP_CHECKPOINT_RESTORE (40). */
export const ALL_CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
  'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE',
  'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
  'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
].map((c) => `CAP_${c}`);

/**
 * Every capability we may hand on: those in our own bounding set (a runtime cannot give more: capset fails
 * with EPERM, e.g. on a host without CAP_SYS_RESOURCE), minus those the runtime cannot parse.
 */
export function privilegedCapabilities(runtime: OciCliRuntime): string[] {
  const bnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  const mask = BigInt(`0x${bnd?.[1] ?? '0'}`);
  const unknown = new Set(runtime.unknownCapabilities);
  return ALL_CAPABILITIES.filter((c, i) => (mask & (1n << BigInt(i))) !== 0n && !unknown.has(c));
}

function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const env = new Map<string, string>();
  for (const e of [...base, ...extra]) {
    const eq = e.indexOf('=');
    if (eq <= 0) throw new EngineError('INVALID_ARGUMENT', `invalid environment variable: ${JSON.stringify(e)} (expected K=V)`);
    env.set(e.slice(0, eq), e);
  }
  return [...env.values()];
}

/** The exec'd process: the container's process (config.json) with the session's overrides. Pure. */
export function execProcess(base: OciProcess, o: ExecOptions, etc: { passwd: string | undefined; group: string | undefined }, allCaps: () => string[]): OciProcess {
  if (o.command.length === 0 || o.command[0] === '') throw new EngineError('INVALID_ARGUMENT', 'exec needs a command');
  const p: OciProcess = { ...base, args: [...o.command], env: mergeEnv(base.env, o.env ?? []) };
  delete p.terminal;
  delete p.consoleSize;
  if (o.tty === true) {
    p.terminal = true;
    if (o.terminalSize) p.consoleSize = { height: o.terminalSize.rows, width: o.terminalSize.cols };
  }
  if (o.workdir !== undefined) {
    if (!o.workdir.startsWith('/')) throw new EngineError('INVALID_ARGUMENT', `exec workdir must be an absolute path, got "${o.workdir}"`);
    p.cwd = o.workdir;
  }
  if (o.user !== undefined) {
    const u = resolveUser(o.user, etc);
    p.user = { ...base.user, uid: u.uid, gid: u.gid, additionalGids: [...new Set([u.gid, ...u.additionalGids])] };
    p.env = mergeEnv(p.env, o.env?.some((e) => e.startsWith('HOME=')) ? [] : [`HOME=${u.home}`]);
  }
  const bounding = o.privileged === true ? allCaps() : (base.capabilities.bounding ?? []);
  // As for the container's own process (runtime-spec.ts): a non-root user gets the bounding set only.
  p.capabilities = p.user.uid === 0 ? { bounding, effective: [...bounding], permitted: [...bounding] } : { bounding: [...bounding] };
  if (o.privileged === true) delete p.noNewPrivileges;
  return p;
}

/**
 * podman's inspect `ExecIDs`: the container's exec sessions whose process still runs (no exit file yet,
 * and the pid the runtime wrote is alive), oldest first. `runDir` is the container's (paths.ts).
 */
export function runningExecIds(runDir: string): string[] {
  const dir = join(runDir, 'exec');
  let ids: string[];
  try {
    ids = readdirSync(dir);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return []; // no exec yet
    throw e;
  }
  const running: { id: string; since: number }[] = [];
  for (const id of ids) {
    const ep = execPaths(dirname(dirname(runDir)), basename(runDir), id); // runDir is RUNROOT/containers/ID (paths.ts)
    if (existsSync(ep.exitFile)) continue;
    let since: number;
    try {
      since = statSync(ep.pidFile).mtimeMs;
    } catch (e) {
      // No pid file: still starting, or the runtime could not start it; or the session ended and went meanwhile.
      if (isErrno(e, 'ENOENT')) continue;
      throw e;
    }
    const pid = Number(readOptional(ep.pidFile)?.trim());
    if (Number.isSafeInteger(pid) && pid > 0 && existsSync(`/proc/${pid}`)) running.push({ id, since });
  }
  return running.sort((a, b) => a.since - b.since).map((r) => r.id);
}

export async function runExec(d: ExecDeps, o: ExecOptions): Promise<ExecSession> {
  const { runtime } = d;
  if (o.tty === true && runtime.execTtyUnsupported !== undefined) {
    throw new EngineError('RUNTIME_FAILED', `exec --tty is not supported by ${runtime.profile.name}: ${runtime.execTtyUnsupported}`);
  }
  let config: OciSpec;
  try {
    config = JSON.parse(readFileSync(d.paths.config, 'utf8')) as OciSpec;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) throw new EngineError('CONTAINER_NOT_RUNNING', `container ${d.containerId} has no bundle: it is not running`);
    throw e;
  }
  const rootfs = config.root.path;
  const process = execProcess(
    config.process,
    o,
    { passwd: readOptional(join(rootfs, 'etc/passwd')), group: readOptional(join(rootfs, 'etc/group')) },
    () => privilegedCapabilities(runtime),
  );
  const id = newContainerId();
  const ep = execPaths(d.runRoot, d.containerId, id);
  mkdirSync(ep.dir, { recursive: true, mode: 0o700 });
  writeFileSync(ep.processFile, JSON.stringify(process));
  const tty = o.tty === true;
  const attached = o.detach !== true;
  const spec: LaunchSpec = {
    v: 1,
    containerId: d.containerId,
    argv: runtime.execArgv({
      id: d.containerId,
      processFile: ep.processFile,
      pidFile: ep.pidFile,
      logFile: ep.runtimeLog,
      hostNetwork: d.hostNetwork,
      noCgroups: d.rootless,
      ...(tty ? { consoleSocket: ep.consoleSocket } : {}),
    }),
    logPath: ep.log,
    exitFile: ep.exitFile,
    pidFile: ep.pidFile,
    runtimeLogPath: ep.runtimeLog,
    stdin: o.interactive === true,
    attachSocket: ep.attachSocket,
    ...(attached ? { attached: true } : {}),
    ...(tty ? { consoleSocket: ep.consoleSocket, runtimeDetaches: runtime.execConsoleNeedsDetach } : {}),
    ...(tty && o.terminalSize ? { terminalSize: { rows: o.terminalSize.rows, cols: o.terminalSize.cols } } : {}),
  };
  const { event, channel, attach } = await launchMonitor(monitorCommand(spec), { keepChannel: true });
  if (event.type === 'start-failed') {
    attach?.destroy();
    channel!.release();
    // podman's 127/126/125 (cmd/exit-codes.ts maps the code).
    const failure = classifyRuntimeError(runtime.profile.kind, event.message);
    throw new EngineError(failure, `${runtime.profile.name}: ${event.message.trim().split('\n').at(-1) ?? 'failed'}`);
  }
  const ch = channel!;
  if (!attached) ch.release(); // nobody waits here; the exit file has the answer
  return {
    id,
    pid: event.pid,
    ...(attach ? { attach: new AttachStream(attach) } : {}),
    wait: async (w = {}) => {
      const unhold = ch.hold();
      try {
        const record = await abortable(ch.exited, w.signal);
        if (record) {
          await ch.done();
          // Nobody asks again: the session's files go (a detached session's stay until the container is removed).
          rmSync(ep.dir, { recursive: true, force: true });
          return exitStatusOf(record, runtime.profile.kind, runtime.profile.name);
        }
      } finally {
        unhold();
      }
      // The channel is gone (released, or the monitor was killed): the exit file, once it is there.
      for (;;) {
        w.signal?.throwIfAborted();
        const r = readExitRecord(ep.exitFile);
        if (r) return exitStatusOf(r, runtime.profile.kind, runtime.profile.name);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}
