/**
 * `--network slirp4netns` (rootless podman's default): a network namespace of the container's own with
 * outbound reach through slirp4netns, a user-mode TCP/IP stack that plugs a tap device into the namespace
 * and turns its packets into ordinary sockets of the user on the host.
 *
 * Before the runtime starts (the container's process never runs without its network):
 * 1. `tsengine-userns netns <runDir>/netns` makes the namespace (lo up) and keeps it by a bind mount;
 *    config.json joins it by that path. Rootless the engine runs in the holder's user and mount namespaces,
 *    so the namespace belongs to the holder's user namespace and the mount lives in its mount namespace.
 * 2. slirp4netns runs detached for the container's life with podman 4.3's options: tap0 10.0.2.100/24,
 *    gateway 10.0.2.2, DNS 10.0.2.3, MTU 65520, IPv6 (fd00::/64 by router advertisement, as podman 4.3's
 *    default enable_ipv6), sandbox and seccomp on, and the host's loopback out of
 *    reach (`--disable-host-loopback`: 10.0.2.2 is not a door to services bound to the host's 127.0.0.1,
 *    which trust local users; the host's other addresses are reachable, as from any process of the user).
 *    We wait for its ready fd, and record `PID:STARTTIME` in <runDir>/slirp4netns.pid.
 * Teardown (containers.ts #teardown: the engine's cleanup and the monitor's exit command both go there, and
 * sweep for run directories a crash left): stop slirp4netns, unmount and remove the namespace file.
 */
import { spawn } from 'node:child_process';
import { closeSync, constants, accessSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runChild } from '../child.ts';
import { isErrno } from '../../storage/errors.ts';
import { isMountPoint, unmount } from '../../storage/overlay.ts';
import { isOwnerAlive } from '../../storage/owner.ts';
import { EngineError } from '../errors.ts';
import { userNamespaceHelper } from '../rootless/holder.ts';
import { lookup, searchDirs } from '../runtime/locate.ts';
import { assignHostPorts, type PortMapping } from './ports.ts';

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 2_000;
const TUN = '/dev/net/tun';

/** The container's addresses on the slirp4netns network (slirp4netns' defaults, as podman uses them). */
export const SLIRP = { address: '10.0.2.100', gateway: '10.0.2.2' } as const;

/** slirp4netns on PATH (or the usual system directories), absolute; undefined when not installed. */
export function findSlirp4netns(pathVar: string | undefined): string | undefined {
  return lookup('slirp4netns', searchDirs(pathVar)).found;
}

export interface Slirp4netnsInfo {
  readonly path: string;
  /** `slirp4netns version 1.2.0` → `1.2.0`; '' when it would not say. */
  readonly version: string;
}

export async function slirp4netnsInfo(path: string): Promise<Slirp4netnsInfo> {
  const r = await runChild(path, ['--version']);
  return { path, version: /slirp4netns version (\S+)/.exec(r.stdout)?.[1] ?? '' };
}

const netnsFile = (runDir: string) => join(runDir, 'netns');
const pidFile = (runDir: string) => join(runDir, 'slirp4netns.pid');
const logFile = (runDir: string) => join(runDir, 'slirp4netns.log');
const portsFile = (runDir: string) => join(runDir, 'ports.json');

function tunError(): EngineError {
  return new EngineError('NETWORK_UNAVAILABLE',
    `slirp4netns: ${TUN} is not readable and writable by you (it is 0600 root on some hosts): as root run \`chmod 0666 ${TUN}\`, or give the container --network none (or private: loopback only)`);
}

/**
 * Makes the container's network namespace and starts slirp4netns on it; returns the namespace's path for
 * config.json. Whatever an earlier run left in `runDir` is torn down first. On failure nothing is left.
 */
export async function setupSlirp4netns(o: {
  runDir: string;
  slirp4netns: string | undefined;
  ports?: readonly PortMapping[];
  apiSocket?: string;
  /** The container has a user namespace of its own (keep-id, --uidmap): the namespace's low ports and ping are opened to it (userns-helper.c). */
  ownUserNamespace?: boolean;
}): Promise<string> {
  if (o.slirp4netns === undefined) {
    throw new EngineError('NETWORK_UNAVAILABLE', 'slirp4netns is not installed: install it (apt-get install slirp4netns), or give the container --network none (or private: loopback only)');
  }
  try {
    accessSync(TUN, constants.R_OK | constants.W_OK);
  } catch (e) {
    if (isErrno(e, 'EACCES') || isErrno(e, 'EPERM') || isErrno(e, 'ENOENT')) throw tunError();
    throw e;
  }
  await teardownSlirp4netns(o.runDir);
  const ns = netnsFile(o.runDir);
  const made = await runChild(userNamespaceHelper(), ['netns', ns, ...(o.ownUserNamespace === true ? ['--unprivileged-net'] : [])]);
  if (made.exitCode !== 0) {
    rmSync(ns, { force: true });
    throw new EngineError('RUNTIME_FAILED', `making the container's network namespace: ${made.stderr.trim() || made.error?.message || `exit ${made.exitCode ?? made.signal}`}`);
  }
  const ports = o.ports ?? [];
  const api = ports.length > 0 ? o.apiSocket : undefined;
  try {
    if (api !== undefined) {
      mkdirSync(dirname(api), { recursive: true, mode: 0o700 });
      rmSync(api, { force: true });
    }
    const pid = await startSlirp(o.slirp4netns, ns, o.runDir, api);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    writeFileSync(pidFile(o.runDir), `${pid}:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}\n`);
    if (api !== undefined) {
      const assigned = await assignHostPorts(ports);
      for (const m of assigned) await addHostForward(api, m);
      writeFileSync(portsFile(o.runDir), JSON.stringify(assigned));
    }
  } catch (e) {
    await teardownSlirp4netns(o.runDir);
    throw e;
  }
  return ns;
}

async function startSlirp(path: string, ns: string, runDir: string, apiSocket: string | undefined): Promise<number> {
  const log = openSync(logFile(runDir), 'w', 0o600);
  const child = spawn(path, [
    '--configure', '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', '--enable-ipv6',
    ...(apiSocket !== undefined ? [`--api-socket=${apiSocket}`] : []),
    '--ready-fd=3', '--netns-type=path', ns, 'tap0',
  ], { detached: true, stdio: ['ignore', log, log, 'pipe'] });
  closeSync(log);
  const ready = child.stdio[3]!;
  try {
    const outcome = await new Promise<'ready' | 'exited' | 'timeout' | Error>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), READY_TIMEOUT_MS);
      const done = (v: 'ready' | 'exited' | 'timeout' | Error) => {
        clearTimeout(timer);
        resolve(v);
      };
      ready.on('data', (b: Buffer) => { if (b.includes('1')) done('ready'); });
      ready.on('error', () => { /* the exit event says what happened */ });
      child.once('exit', () => done('exited'));
      child.once('error', (e) => done(e));
    });
    if (outcome === 'ready') return child.pid!;
    if (outcome === 'timeout') child.kill('SIGKILL');
    const said = readLog(runDir);
    if (/open\("\/dev\/net\/tun"\): (Permission denied|Operation not permitted)/.test(said)) throw tunError();
    const why = outcome instanceof Error ? outcome.message : outcome === 'timeout' ? `not ready after ${READY_TIMEOUT_MS / 1000} s` : 'exited';
    throw new EngineError('RUNTIME_FAILED', `slirp4netns ${why}: ${said.split('\n').filter((l) => l !== '' && !l.startsWith('WARNING')).join('; ') || 'it said nothing'}`);
  } finally {
    ready.destroy();
    child.unref();
  }
}

/**
 * One host forward through slirp4netns' API socket (one JSON request per connection, one answer):
 * `{"execute":"add_hostfwd",…}` → `{"return":{"id":N}}` or `{"error":{"desc":"…"}}`.
 */
async function addHostForward(apiSocket: string, m: PortMapping): Promise<void> {
  const request = { execute: 'add_hostfwd', arguments: { proto: m.protocol, host_addr: m.hostIp || '0.0.0.0', host_port: m.hostPort, guest_addr: SLIRP.address, guest_port: m.containerPort } };
  const answer = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(apiSocket, () => socket.end(JSON.stringify(request)));
    socket.setTimeout(READY_TIMEOUT_MS, () => socket.destroy(new Error('no answer')));
    socket.on('data', (b: Buffer) => chunks.push(b));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  }).catch((e: unknown) => {
    throw new EngineError('RUNTIME_FAILED', `slirp4netns: publishing port ${m.hostPort}: ${(e as Error).message}`, { cause: e });
  });
  let parsed: { return?: unknown; error?: { desc?: string } } | undefined;
  try {
    parsed = JSON.parse(answer) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (parsed?.return !== undefined) return;
  const why = parsed?.error?.desc ?? (answer.trim() || 'no answer');
  throw new EngineError('NETWORK_UNAVAILABLE', `cannot publish ${m.hostIp || '0.0.0.0'}:${m.hostPort}->${m.containerPort}/${m.protocol}: ${why}`);
}

/** The published ports of a running container, with the host ports slirp4netns forwards (chosen ones included). */
export function publishedPorts(runDir: string): PortMapping[] | undefined {
  try {
    return JSON.parse(readFileSync(portsFile(runDir), 'utf8')) as PortMapping[];
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return undefined;
    throw e;
  }
}

function readLog(runDir: string): string {
  try {
    return readFileSync(logFile(runDir), 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return '';
    throw e;
  }
}

/**
 * Stops the container's slirp4netns (when the recorded process still is it) and removes its network
 * namespace. Idempotent; a run directory without either (another network mode) is left as it is.
 */
export async function teardownSlirp4netns(runDir: string): Promise<void> {
  let owner: string | undefined;
  try {
    owner = readFileSync(pidFile(runDir), 'utf8').trim();
  } catch (e) {
    // ENOTDIR: sweep passes every name in the run root, cleanup logs included.
    if (!isErrno(e, 'ENOENT') && !isErrno(e, 'ENOTDIR')) throw e;
  }
  if (owner !== undefined && isOwnerAlive(owner)) {
    // Its exit takes ~20-30 ms (the kernel tearing down tap0, SIGTERM or SIGKILL alike) and holds nothing of
    // ours but the published host ports: wait only when there are some (a `run -p` right after must get
    // them), otherwise let it die on its own (this is on `run --rm`'s path).
    signal(Number(owner.split(':')[0]), 'SIGKILL');
    if (existsSync(portsFile(runDir))) {
      for (let waited = 0, step = 1; running(owner) && waited < STOP_TIMEOUT_MS; waited += step, step = waited < 50 ? 1 : 10) await sleep(step);
    }
  }
  if (owner !== undefined) rmSync(pidFile(runDir), { force: true });
  try {
    rmSync(portsFile(runDir), { force: true });
  } catch (e) {
    if (!isErrno(e, 'ENOTDIR')) throw e;
  }
  const ns = netnsFile(runDir);
  try {
    if (isMountPoint(ns)) await unmount(ns);
  } catch (e) {
    // ENOENT: a concurrent teardown (the monitor's exit command while `rm` runs) unmounted and removed it first.
    if (!isErrno(e, 'ENOENT')) throw e;
  }
  try {
    rmSync(ns, { force: true });
  } catch (e) {
    if (!isErrno(e, 'ENOTDIR')) throw e;
  }
}

/**
 * Whether the process behind an owner token still runs: a zombie has let go of everything (its parent,
 * often pid 1 here, may take a while to reap it).
 */
function running(owner: string): boolean {
  if (!isOwnerAlive(owner)) return false;
  try {
    const stat = readFileSync(`/proc/${owner.split(':')[0]}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ESRCH')) return false;
    throw e;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if (!isErrno(e, 'ESRCH')) throw e; // gone meanwhile
  }
}
