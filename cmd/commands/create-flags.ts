/**
 * The flags `run` and `create` share, in one table: yargs' option definitions and the argv splitter
 * (which flags take a value) both come from it, so they cannot disagree.
 */
import type { Argv, Options } from 'yargs';
import type { CreateOptions } from '../../engine/index.ts';
import type { Args } from '../context.ts';
import type { FlagSpec } from '../parse/split-argv.ts';
import { envFrom, labelFileEntries, mountOptionsFrom } from './mount-flags.ts';
import { labelsOf, str, strList } from '../parse/args.ts';

export interface FlagDef extends FlagSpec {
  readonly options: Options;
}

export const def = (name: string, options: Options, alias?: string): FlagDef => ({
  name,
  ...(alias !== undefined ? { alias } : {}),
  takesValue: options.type !== 'boolean',
  options: { ...options, ...(alias !== undefined ? { alias } : {}) },
});

export const CREATE_FLAGS: readonly FlagDef[] = [
  def('name', { type: 'string', describe: 'Assign a name to the container' }),
  def('env', { type: 'string', array: true, nargs: 1, describe: 'Set environment variables (K=V, or K to copy the host value)' }, 'e'),
  def('entrypoint', { type: 'string', describe: 'Overwrite the image ENTRYPOINT (a string, or a JSON array; "" clears it)' }),
  def('workdir', { type: 'string', describe: 'Working directory inside the container' }, 'w'),
  def('user', { type: 'string', describe: 'Username or UID (format: <name|uid>[:<group|gid>])' }, 'u'),
  def('interactive', { type: 'boolean', describe: 'Keep STDIN open' }, 'i'),
  def('tty', { type: 'boolean', describe: 'Allocate a pseudo-TTY for the container' }, 't'),
  def('rm', { type: 'boolean', describe: 'Remove the container when it exits' }),
  def('runtime', { type: 'string', describe: 'OCI runtime for this container: crun, runc, runsc, a registered name, or a path' }),
  def('hostname', { type: 'string', describe: 'Container host name' }, 'h'),
  def('network', { type: 'string', describe: 'Network mode: slirp4netns (rootless default when installed), private (loopback only; the default as root), host, none' }),
  def('publish', { type: 'string', array: true, nargs: 1, describe: 'Publish a port: [[HOST_IP:][HOST_PORT]:]CONTAINER_PORT[/tcp|udp] (--network slirp4netns)' }, 'p'),
  def('label', { type: 'string', array: true, nargs: 1, describe: 'Set metadata on the container (K=V)' }, 'l'),
  def('stop-signal', { type: 'string', describe: 'Signal to stop the container' }),
  def('stop-timeout', { type: 'number', describe: 'Seconds to wait after the stop signal before SIGKILL' }),
  def('quiet', { type: 'boolean', describe: 'Suppress the pull output' }, 'q'),
  def('userns', { type: 'string', describe: 'User namespace: host (default) or keep-id (rootless: your UID/GID inside)' }),
  def('uidmap', { type: 'string', array: true, nargs: 1, describe: 'UID mapping CONTAINER:HOST:COUNT for a user namespace of the container\'s own' }),
  def('gidmap', { type: 'string', array: true, nargs: 1, describe: 'GID mapping CONTAINER:HOST:COUNT' }),
  def('platform', { type: 'string', describe: 'Pull this platform (os/arch[/variant]) when the image is missing' }),
  // --- mounts, volumes, env files, identity, name resolution, init, pull policy (issue 7; mount-flags.ts) ---
  def('volume', { type: 'string', array: true, nargs: 1, describe: 'Bind mount or volume: SRC:DST[:ro|rw|nocopy], or DST for an anonymous volume' }, 'v'),
  def('mount', { type: 'string', array: true, nargs: 1, describe: 'Mount: type=bind|volume|tmpfs,source=…,target=…[,readonly]' }),
  def('tmpfs', { type: 'string', array: true, nargs: 1, describe: 'Mount a tmpfs: DST[:OPTS] (default rw,noexec,nosuid,nodev)' }),
  def('read-only', { type: 'boolean', describe: 'Read-only root filesystem (tmpfs on /run, /tmp, /var/tmp)' }),
  def('env-file', { type: 'string', array: true, nargs: 1, describe: 'Read environment variables from a file (K=V or K per line)' }),
  def('group-add', { type: 'string', array: true, nargs: 1, describe: 'Add supplementary groups (name or gid)' }),
  def('add-host', { type: 'string', array: true, nargs: 1, describe: 'Add a host-to-IP mapping to /etc/hosts (HOST:IP)' }),
  def('dns', { type: 'string', array: true, nargs: 1, describe: 'Set a DNS server' }),
  def('dns-search', { type: 'string', array: true, nargs: 1, describe: 'Set a DNS search domain ("." for none)' }),
  def('dns-option', { type: 'string', array: true, nargs: 1, describe: 'Set a DNS resolver option' }),
  def('init', { type: 'boolean', describe: 'Run an init (catatonit or tini) as PID 1 that forwards signals and reaps processes' }),
  def('init-path', { type: 'string', describe: 'Path to the init binary for --init' }),
  def('label-file', { type: 'string', array: true, nargs: 1, describe: 'Read labels from a file (K=V per line)' }),
  def('cidfile', { type: 'string', describe: 'Write the container ID to this file (it must not exist)' }),
  def('pull', { type: 'string', describe: 'Pull policy: always, missing (default), never, newer' }),
  def('replace', { type: 'boolean', describe: 'Replace the container of the same --name, if there is one' }),
  // --- resources and security (issue 7; engine/container/resources.ts, security.ts) ---
  def('memory', { type: 'string', describe: 'Memory limit (e.g. 512m, 1g, or bytes)' }, 'm'),
  def('memory-swap', { type: 'string', describe: 'Memory plus swap limit (-1: unlimited swap)' }),
  def('cpus', { type: 'string', describe: 'Number of CPUs (e.g. 1.5): a CFS quota over a 100ms period' }),
  def('cpu-shares', { type: 'number', describe: 'CPU shares (relative weight)' }),
  def('pids-limit', { type: 'number', describe: 'Limit on the number of processes (default 2048; 0 or -1: unlimited)' }),
  def('ulimit', { type: 'string', array: true, nargs: 1, describe: 'Rlimit TYPE=SOFT[:HARD] (-1 or unlimited: none), e.g. nofile=1024:2048, at most the current hard limit; host: all of ours' }),
  def('shm-size', { type: 'string', describe: 'Size of /dev/shm (default 64m)' }),
  def('oom-kill-disable', { type: 'boolean', describe: 'Disable the kernel OOM killer for the container' }),
  def('cap-add', { type: 'string', array: true, nargs: 1, describe: 'Add capabilities (NET_ADMIN or CAP_NET_ADMIN; ALL)' }),
  def('cap-drop', { type: 'string', array: true, nargs: 1, describe: 'Drop capabilities (ALL drops every one)' }),
  def('privileged', { type: 'boolean', describe: 'Every capability, no seccomp, no masked paths, every device allowed' }),
  def('security-opt', { type: 'string', array: true, nargs: 1, describe: 'seccomp=unconfined, seccomp=FILE, no-new-privileges' }),
  def('device', { type: 'string', array: true, nargs: 1, describe: 'Add a host device: HOST[:CONTAINER][:PERMISSIONS]' }),
];

export const RUN_ONLY_FLAGS: readonly FlagDef[] = [
  def('detach', { type: 'boolean', describe: 'Run in the background and print the container ID' }, 'd'),
  def('detach-keys', { type: 'string', describe: 'Key sequence for detaching (default: containers.conf detach_keys, else ctrl-p,ctrl-q; "" disables)' }),
  def('sig-proxy', { type: 'boolean', default: true, describe: 'Proxy received signals to the container' }),
];

export function withFlags(y: Argv, flags: readonly FlagDef[]): Argv {
  let out = y;
  for (const f of flags) out = out.option(f.name, f.options);
  return out;
}

function entrypointOf(text: string): string[] {
  if (text === '') return [];
  if (text.trimStart().startsWith('[')) {
    const parsed = JSON.parse(text) as unknown;
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed as string[];
  }
  return [text];
}



/** Flag values + the verbatim command tail → the engine's create options. */
export function createOptionsFrom(args: Args, command: readonly string[], env: Readonly<Record<string, string | undefined>>): CreateOptions {
  const entrypoint = str(args['entrypoint']);
  return {
    image: String(args['image']),
    ...(command.length > 0 ? { command: [...command] } : {}),
    ...(entrypoint !== undefined ? { entrypoint: entrypointOf(entrypoint) } : {}),
    env: envFrom(args, env), // --env-file, then -e
    ...(str(args['workdir']) !== undefined ? { workdir: str(args['workdir']) } : {}),
    ...(str(args['user']) !== undefined ? { user: str(args['user']) } : {}),
    ...(str(args['name']) !== undefined ? { name: str(args['name']) } : {}),
    ...(str(args['runtime']) !== undefined ? { runtime: str(args['runtime']) } : {}),
    ...(str(args['hostname']) !== undefined ? { hostname: str(args['hostname']) } : {}),
    ...(str(args['network']) !== undefined ? { network: str(args['network']) as CreateOptions['network'] } : {}),
    ...(str(args['stop-signal']) !== undefined ? { stopSignal: str(args['stop-signal']) } : {}),
    ...(typeof args['stop-timeout'] === 'number' ? { stopTimeout: args['stop-timeout'] } : {}),
    labels: labelsOf([...labelFileEntries(args), ...strList(args['label'])]),
    ...mountOptionsFrom(args), // mount-flags.ts
    ...(str(args['userns']) !== undefined ? { userns: str(args['userns']) as CreateOptions['userns'] } : {}),
    ...(args['uidmap'] !== undefined ? { uidMap: strList(args['uidmap']) } : {}),
    ...(args['gidmap'] !== undefined ? { gidMap: strList(args['gidmap']) } : {}),
    ...(args['publish'] !== undefined ? { publish: strList(args['publish']) } : {}),
    autoRemove: args['rm'] === true,
    interactive: args['interactive'] === true,
    ...(args['tty'] === true ? { tty: true } : {}),
    ...limitOptionsFrom(args),
  };
}

// --- resources and security (issue 7) ---
const commaList = (v: unknown): string[] => strList(v).flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '');

function limitOptionsFrom(args: Args): Partial<CreateOptions> {
  const num = (k: string): number | undefined => (typeof args[k] === 'number' ? args[k] : undefined);
  const out: { -readonly [K in keyof CreateOptions]?: CreateOptions[K] } = {};
  if (str(args['memory']) !== undefined) out.memory = str(args['memory']);
  if (str(args['memory-swap']) !== undefined) out.memorySwap = str(args['memory-swap']);
  if (str(args['cpus']) !== undefined) out.cpus = str(args['cpus']);
  if (num('cpu-shares') !== undefined) out.cpuShares = num('cpu-shares');
  if (num('pids-limit') !== undefined) out.pidsLimit = num('pids-limit');
  if (args['ulimit'] !== undefined) out.ulimits = strList(args['ulimit']);
  if (str(args['shm-size']) !== undefined) out.shmSize = str(args['shm-size']);
  if (args['oom-kill-disable'] === true) out.oomKillDisable = true;
  if (args['cap-add'] !== undefined) out.capAdd = commaList(args['cap-add']);
  if (args['cap-drop'] !== undefined) out.capDrop = commaList(args['cap-drop']);
  if (args['privileged'] === true) out.privileged = true;
  if (args['security-opt'] !== undefined) out.securityOpt = strList(args['security-opt']);
  if (args['device'] !== undefined) out.devices = strList(args['device']);
  return out;
}
