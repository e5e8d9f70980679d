/**
 * Image config + create options → the OCI runtime config.json, with podman 4.3's defaults as root.
 * Pure: every host fact (limits, etc-file paths, the user from the rootfs's passwd) comes in `SpecInput`.
 *
 * What podman 4.3.1 writes that we do not (checked against its config.json on this machine):
 * - its default seccomp profile: only when `security` is given (security.ts; the engine always gives it);
 * - /run/.containerenv and the io.podman.* / io.kubernetes.cri-o.* annotations (podman's own metadata);
 * - the org.opencontainers.image.stopSignal annotation (the stop signal is the engine's business);
 * - /dev/shm as a bind of a tmpfs it mounts on the host (ours: a tmpfs mounted by the runtime, same options);
 * - `container=podman` (ours: container=tsengine); no HOME for a uid without a passwd entry (ours: HOME=/,
 *   docker's default);
 * - RLIMIT_NOFILE 1048576 even above the hard limit (ours: clamped, see rlimits.ts).
 */
import { isAbsolute, posix } from 'node:path';
import { EngineError } from '../errors.ts';
import type { ImageConfig } from '../image/manifest.ts';
import type { NetworkMode } from './etc-files.ts';
import type { OciCapabilities, OciIdMapping, OciMount, OciNamespace, OciRlimit, OciSeccomp, OciSpec } from './oci-spec.ts';
import { processEnv } from './process-env.ts';
import { defaultRlimits, type HostLimits } from './rlimits.ts';
import type { ResolvedUser } from './user.ts';
import { applyResources, type ResourceSettings } from './resources.ts';
import { applySecurity, type SecurityHost, type SecuritySettings } from './security.ts';

export type { OciMount, OciSpec } from './oci-spec.ts';

/** The runtime-spec version podman 4.3 writes; runc 1.1, crun 1.8 and runsc accept it. */
export const OCI_VERSION = '1.0.2-dev';

/** containers.conf default_capabilities (podman 4.3 / containers-common 0.50, as installed here). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT',
];

export const MASKED_PATHS: readonly string[] = [
  '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/fs/selinux', '/sys/dev/block',
];

export const READONLY_PATHS: readonly string[] = [
  '/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger',
];

/** containers.conf pids_limit. */
export const DEFAULT_PIDS_LIMIT = 2048;

/** containers.conf default_sysctls, applied only with a network namespace of the container's own. */
export const DEFAULT_NETNS_SYSCTLS: Readonly<Record<string, string>> = { 'net.ipv4.ping_group_range': '0 0' };

/** podman's default process umask (0022). */
export const DEFAULT_UMASK = 0o022;

/** A cgroupfs-style path for the container (relative to each v1 hierarchy, or to the v2 root). */
export function cgroupsPathFor(containerId: string): string {
  return `/tsengine/${containerId}`;
}

export interface SpecInput {
  readonly image: ImageConfig;
  /** `run IMAGE CMD...`: replaces the image's Cmd. */
  readonly command?: readonly string[] | undefined;
  /** --entrypoint; see processArgs for [] and [''] */
  readonly entrypoint?: readonly string[] | undefined;
  /** -e K=V, overriding the image's Env by key (see processEnv). */
  readonly env?: readonly string[] | undefined;
  /** -w; else the image's WorkingDir; else '/'. */
  readonly workdir?: string | undefined;
  readonly user: ResolvedUser;
  /** The UTS hostname, also HOSTNAME. With network 'host' pass the host's name, as podman does. */
  readonly hostname: string;
  /** Absolute path of the mounted rootfs. */
  readonly rootfs: string;
  readonly readonlyRootfs?: boolean | undefined;
  readonly terminal: boolean;
  /** With `terminal`: its initial size (process.consoleSize; runc and crun apply it before the process runs). */
  readonly consoleSize?: { readonly rows: number; readonly cols: number } | undefined;
  /** private and none: a new network namespace; host: none in the list. */
  readonly network: NetworkMode;
  /** With network 'private' or 'slirp4netns': join this namespace (e.g. /run/netns/NAME) instead of creating one. */
  readonly netnsPath?: string | undefined;
  readonly hostLimits: HostLimits;
  /** Host paths bind-mounted to /etc/hosts, /etc/hostname, /etc/resolv.conf (the latter not with network none). */
  readonly etcFiles: { readonly hosts: string; readonly hostname: string; readonly resolvConf: string };
  readonly annotations?: Readonly<Record<string, string>> | undefined;
  /** Container labels are metadata kept by the engine; podman does not put them in config.json, nor do we. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
  /** linux.cgroupsPath (see cgroupsPathFor); the runtime chooses one when absent. */
  readonly cgroupsPath?: string | undefined;
  /** pids cgroup limit; default 2048; 0 or less: no limit. */
  readonly pidsLimit?: number | undefined;
  /** --ulimit entries; each replaces the default of the same type. Not clamped: the caller validated them. */
  readonly rlimits?: readonly OciRlimit[] | undefined;
  /** Volumes and binds, after the defaults; one at a default's destination replaces that default. */
  readonly mounts?: readonly OciMount[] | undefined;
  readonly seccomp?: OciSeccomp | undefined;
  /** A user namespace of the container's own (engine/container/userns.ts); none: share the engine's. */
  readonly userNamespace?: { readonly uidMappings: readonly OciIdMapping[]; readonly gidMappings: readonly OciIdMapping[] } | undefined;
  /**
   * Rootless (in a user namespace that does not own the host's network namespace): with network 'host',
   * sysfs cannot be mounted, so /sys is a read-only bind of the host's (podman does the same).
   */
  readonly rootless?: boolean | undefined;
  // --- resources and security flags (resources.ts, security.ts) ---
  /** --memory, --cpus, --ulimit, --shm-size…: applied after the defaults. */
  readonly resources?: ResourceSettings | undefined;
  /** Capabilities, seccomp, devices, --privileged; absent: the default capabilities and no seccomp. */
  readonly security?: { readonly settings: SecuritySettings | undefined; readonly host: SecurityHost } | undefined;
}

export interface ProcessArgsOptions {
  readonly command?: readonly string[] | undefined;
  readonly entrypoint?: readonly string[] | undefined;
}

/**
 * The process argv, by docker's and podman's rules (podman pkg/specgen/generate/oci.go makeCommand):
 * - entrypoint: the given one, else the image's; `['']` (the CLI's `--entrypoint ''`) contributes nothing;
 * - then the given command if non-empty; else the image's Cmd, but only when no entrypoint was given or
 *   it was given as `[]` (docker's API form of "clear the entrypoint, keep the image's Cmd").
 * Throws EngineError INVALID_ARGUMENT when the result is empty.
 */
export function processArgs(image: ImageConfig, o: ProcessArgsOptions): string[] {
  const entrypoint = o.entrypoint ?? image.config?.Entrypoint ?? [];
  const args = entrypoint.length === 1 && entrypoint[0] === '' ? [] : [...entrypoint];
  const useImageCmd = (o.command === undefined || o.command.length === 0) && (o.entrypoint === undefined || o.entrypoint.length === 0);
  args.push(...(useImageCmd ? (image.config?.Cmd ?? []) : (o.command ?? [])));
  if (args.length === 0) {
    throw new EngineError('INVALID_ARGUMENT', 'no command specified', {
      hint: 'the image has no Cmd or Entrypoint: give a command after the image name, or --entrypoint',
    });
  }
  return args;
}

function workingDir(input: SpecInput): string {
  if (input.workdir !== undefined && input.workdir !== '') {
    if (!input.workdir.startsWith('/')) {
      throw new EngineError('INVALID_ARGUMENT', `working directory ${JSON.stringify(input.workdir)} is not an absolute path`);
    }
    return posix.normalize(input.workdir);
  }
  const fromImage = input.image.config?.WorkingDir;
  return fromImage === undefined || fromImage === '' ? '/' : posix.resolve('/', fromImage);
}

/** Root gets the default set in bounding, effective and permitted; anyone else only the bounding set. */
function capabilities(user: ResolvedUser): OciCapabilities {
  const caps = [...DEFAULT_CAPABILITIES];
  return user.uid === 0 ? { bounding: caps, effective: [...caps], permitted: [...caps] } : { bounding: caps };
}

function systemMounts(input: SpecInput): OciMount[] {
  const m = (destination: string, type: string, options: string[]): OciMount => ({ destination, type, source: type, options });
  const bindSys = input.rootless === true && input.network === 'host';
  return [
    m('/proc', 'proc', ['nosuid', 'noexec', 'nodev']),
    m('/dev', 'tmpfs', ['nosuid', 'noexec', 'strictatime', 'mode=755', 'size=65536k']),
    bindSys ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] } : m('/sys', 'sysfs', ['nosuid', 'noexec', 'nodev', 'ro']),
    m('/dev/pts', 'devpts', ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']),
    m('/dev/mqueue', 'mqueue', ['nosuid', 'noexec', 'nodev']),
    m('/dev/shm', 'tmpfs', ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k']),
    // Under the /sys bind the host's cgroup tree is there already.
    ...(bindSys ? [] : [m('/sys/fs/cgroup', 'cgroup', ['rprivate', 'nosuid', 'noexec', 'nodev', 'relatime', 'ro'])]),
  ];
}

function etcMounts(input: SpecInput): OciMount[] {
  // A read-only container gets read-only etc files too (podman).
  const options = input.readonlyRootfs === true ? ['bind', 'rprivate', 'ro', 'nosuid', 'noexec', 'nodev'] : ['bind', 'rprivate'];
  const bind = (destination: string, source: string): OciMount => ({ destination, type: 'bind', source, options: [...options] });
  const out = [bind('/etc/hostname', input.etcFiles.hostname), bind('/etc/hosts', input.etcFiles.hosts)];
  // podman writes no resolv.conf without a network: the image's own file (if any) stays.
  if (input.network !== 'none') out.push(bind('/etc/resolv.conf', input.etcFiles.resolvConf));
  return out;
}

/** podman's read_only_tmpfs: writable scratch space in a read-only container. */
function readonlyTmpfs(): OciMount[] {
  // tmpcopyup: copy the image's files under the mount point into the tmpfs (runc and crun both know it).
  return ['/run', '/tmp', '/var/tmp'].map((destination) => ({
    destination, type: 'tmpfs', source: 'tmpfs', options: ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'],
  }));
}

function mountList(input: SpecInput): OciMount[] {
  const defaults = [...systemMounts(input), ...(input.readonlyRootfs === true ? readonlyTmpfs() : []), ...etcMounts(input)];
  const extra = (input.mounts ?? []).map((m) => ({ ...m, options: [...m.options] }));
  const taken = new Set(extra.map((m) => posix.normalize(m.destination).replace(/(.)\/+$/, '$1')));
  return [...defaults.filter((m) => !taken.has(m.destination)), ...extra];
}

function namespaces(input: SpecInput): OciNamespace[] {
  const out: OciNamespace[] = [{ type: 'pid' }];
  if (input.network !== 'host') {
    out.push(input.network !== 'none' && input.netnsPath !== undefined ? { type: 'network', path: input.netnsPath } : { type: 'network' });
  }
  out.push({ type: 'ipc' }, { type: 'uts' }, { type: 'mount' });
  if (input.userNamespace !== undefined) out.push({ type: 'user' });
  // No cgroup namespace: podman 4.3 uses the host's on cgroup v1 (its default cgroupns=host there).
  return out;
}

function rlimits(input: SpecInput): OciRlimit[] {
  const given = input.rlimits ?? [];
  const types = new Set(given.map((r) => r.type));
  return [...defaultRlimits(input.hostLimits).filter((r) => !types.has(r.type)), ...given.map((r) => ({ ...r }))];
}

/** The whole config.json for one container. Pure; throws EngineError INVALID_ARGUMENT for bad options. */
export function buildRuntimeSpec(input: SpecInput): OciSpec {
  if (!isAbsolute(input.rootfs)) throw new Error(`buildRuntimeSpec: rootfs must be an absolute path, got ${input.rootfs}`);
  const { user } = input;
  const additionalGids = [...new Set([user.gid, ...user.additionalGids])];
  const pidsLimit = input.pidsLimit ?? DEFAULT_PIDS_LIMIT;

  const spec: OciSpec = {
    ociVersion: OCI_VERSION,
    process: {
      ...(input.terminal ? { terminal: true } : {}),
      ...(input.terminal && input.consoleSize ? { consoleSize: { height: input.consoleSize.rows, width: input.consoleSize.cols } } : {}),
      user: { uid: user.uid, gid: user.gid, umask: DEFAULT_UMASK, additionalGids },
      args: processArgs(input.image, { command: input.command, entrypoint: input.entrypoint }),
      env: processEnv({ image: input.image.config?.Env, user: input.env, home: user.home, hostname: input.hostname }),
      cwd: workingDir(input),
      capabilities: capabilities(user),
      rlimits: rlimits(input),
    },
    root: { path: input.rootfs, readonly: input.readonlyRootfs === true },
    hostname: input.hostname,
    mounts: mountList(input),
    linux: {
      ...(input.userNamespace !== undefined
        ? { uidMappings: input.userNamespace.uidMappings.map((m) => ({ ...m })), gidMappings: input.userNamespace.gidMappings.map((m) => ({ ...m })) }
        : {}),
      // A joined namespace that a user namespace of the container's own does not own (slirp4netns with keep-id):
      // its sysctls are not the container's to write (crun: "open /proc/sys/net/ipv4/ping_group_range: Permission denied").
      ...(input.network === 'host' || (input.netnsPath !== undefined && input.userNamespace !== undefined) ? {} : { sysctl: { ...DEFAULT_NETNS_SYSCTLS } }),
      resources: {
        // Deny every device; the runtime then allows its default set (null, zero, tty, …) itself.
        devices: [{ allow: false, access: 'rwm' }],
        ...(pidsLimit > 0 ? { pids: { limit: pidsLimit } } : {}),
      },
      ...(input.cgroupsPath !== undefined ? { cgroupsPath: input.cgroupsPath } : {}),
      namespaces: namespaces(input),
      ...(input.seccomp !== undefined ? { seccomp: input.seccomp } : {}),
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
  if (input.annotations !== undefined && Object.keys(input.annotations).length > 0) spec.annotations = { ...input.annotations };
  applyResources(spec, input.resources);
  if (input.security !== undefined) applySecurity(spec, input.security.settings, input.security.host);
  return spec;
}

/**
 * config.json's text. An rlimit of -1 (--ulimit TYPE=unlimited, stored so) is written as RLIM_INFINITY,
 * 2^64-1, which no JS number can hold (JSON.stringify would write 18446744073709552000 and runc refuses it).
 */
export function specJson(spec: OciSpec): string {
  const infinity = '\u0000RLIM_INFINITY';
  const rlimits = spec.process?.rlimits;
  const unlimited = (v: number) => (v === -1 ? infinity : v);
  const text = JSON.stringify(rlimits?.some((r) => r.soft === -1 || r.hard === -1)
    ? { ...spec, process: { ...spec.process, rlimits: rlimits.map((r) => ({ ...r, soft: unlimited(r.soft), hard: unlimited(r.hard) })) } }
    : spec);
  return text.replaceAll(JSON.stringify(infinity), '18446744073709551615');
}
