/**
 * Security flags (run/create --cap-add, --cap-drop, --privileged, --security-opt, --device): validated at
 * create, stored with the container, applied to config.json by applySecurity (pure: host facts come in).
 *
 * Seccomp: the default profile is the containers one (/usr/share/containers/seccomp.json, containers-common)
 * when installed, else BUILTIN_SECCOMP below. That file is not an OCI `linux.seccomp` block: its rules carry
 * `includes`/`excludes` by capability, architecture and minimum kernel, and an `archMap`; seccompFromProfile
 * turns it into one for this container's bounding set, this machine's architecture and kernel (as podman's
 * and moby's seccomp packages do). A --security-opt seccomp=FILE may be in either form.
 */
import { release } from 'node:os';
import { EngineError } from '../errors.ts';
import { DEFAULT_CAPABILITIES } from './runtime-spec.ts';
import type { OciDevice, OciSeccomp, OciSpec } from './oci-spec.ts';
import { ALL_CAPABILITIES } from './exec.ts';

/** The path podman reads its default profile from (containers.conf seccomp_profile's default). */
export const CONTAINERS_SECCOMP_PROFILE = '/usr/share/containers/seccomp.json';

export interface SecurityOptions {
  /** Capability names with or without CAP_, any case; `ALL`. */
  readonly capAdd?: readonly string[] | undefined;
  readonly capDrop?: readonly string[] | undefined;
  readonly privileged?: boolean | undefined;
  /** `seccomp=unconfined`, `seccomp=FILE`, `no-new-privileges[=true|false]`. */
  readonly securityOpt?: readonly string[] | undefined;
  /** `HOST[:CONTAINER][:PERMISSIONS]` (docker --device). */
  readonly devices?: readonly string[] | undefined;
}

export interface DeviceMapping {
  readonly hostPath: string;
  readonly containerPath: string;
  /** Some of r, w, m. */
  readonly permissions: string;
}

/** Stored in StoredConfig.security. Absent fields: the defaults. */
export interface SecuritySettings {
  /** Normalized (CAP_X, or ALL). */
  readonly capAdd?: readonly string[];
  readonly capDrop?: readonly string[];
  readonly privileged?: boolean;
  /** Absent: the default profile. */
  readonly seccomp?: 'unconfined' | { readonly file: string; readonly profile: unknown };
  readonly noNewPrivileges?: boolean;
  readonly devices?: readonly DeviceMapping[];
}

function capName(raw: string, flag: string): string {
  const up = raw.trim().toUpperCase();
  if (up === 'ALL') return 'ALL';
  const name = up.startsWith('CAP_') ? up : `CAP_${up}`;
  if (!ALL_CAPABILITIES.includes(name)) throw new EngineError('INVALID_ARGUMENT', `${flag} ${raw}: unknown capability ${name}`);
  return name;
}

function parseDevice(item: string): DeviceMapping {
  const parts = item.split(':');
  const hostPath = parts[0] ?? '';
  let containerPath = hostPath;
  let permissions = 'rwm';
  if (parts.length === 2) {
    if (/^[rwm]+$/.test(parts[1]!)) permissions = parts[1]!;
    else containerPath = parts[1]!;
  } else if (parts.length === 3) {
    containerPath = parts[1]!;
    permissions = parts[2]!;
  }
  if (parts.length > 3 || !hostPath.startsWith('/') || !containerPath.startsWith('/') || !/^[rwm]+$/.test(permissions)) {
    throw new EngineError('INVALID_ARGUMENT', `invalid --device "${item}": expected HOST-PATH[:CONTAINER-PATH][:PERMISSIONS], absolute paths, permissions of r, w, m`);
  }
  return { hostPath, containerPath, permissions };
}

/** Validates the options; `readFile` reads a seccomp=FILE profile. */
export function resolveSecurity(o: SecurityOptions, readFile: (path: string) => string): SecuritySettings | undefined {
  const out: { -readonly [K in keyof SecuritySettings]: SecuritySettings[K] } = {};
  if (o.capAdd !== undefined && o.capAdd.length > 0) out.capAdd = [...new Set(o.capAdd.map((c) => capName(c, '--cap-add')))];
  if (o.capDrop !== undefined && o.capDrop.length > 0) out.capDrop = [...new Set(o.capDrop.map((c) => capName(c, '--cap-drop')))];
  if (o.privileged === true) out.privileged = true;
  for (const opt of o.securityOpt ?? []) {
    const eq = opt.search(/[=:]/);
    const key = eq < 0 ? opt : opt.slice(0, eq);
    const value = eq < 0 ? undefined : opt.slice(eq + 1);
    if (key === 'no-new-privileges') {
      if (value !== undefined && value !== 'true' && value !== 'false') throw new EngineError('INVALID_ARGUMENT', `invalid --security-opt ${opt}: expected no-new-privileges[=true|false]`);
      if (value === 'false') delete out.noNewPrivileges;
      else out.noNewPrivileges = true;
    } else if (key === 'seccomp' && value !== undefined && value !== '') {
      if (value === 'unconfined') out.seccomp = 'unconfined';
      else {
        let profile: unknown;
        try {
          profile = JSON.parse(readFile(value));
        } catch (e) {
          throw new EngineError('INVALID_ARGUMENT', `--security-opt seccomp=${value}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
        }
        if (typeof profile !== 'object' || profile === null || typeof (profile as { defaultAction?: unknown }).defaultAction !== 'string') {
          throw new EngineError('INVALID_ARGUMENT', `--security-opt seccomp=${value}: not a seccomp profile (no "defaultAction")`);
        }
        out.seccomp = { file: value, profile };
      }
    } else {
      throw new EngineError('INVALID_ARGUMENT', `unsupported --security-opt "${opt}": use seccomp=unconfined, seccomp=FILE or no-new-privileges`);
    }
  }
  if (o.devices !== undefined && o.devices.length > 0) out.devices = o.devices.map(parseDevice);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The capability set: the defaults (every capability when privileged), minus --cap-drop, plus --cap-add. */
export function capabilitySet(s: SecuritySettings | undefined, allCaps: readonly string[]): string[] {
  const caps = new Set(s?.privileged === true ? allCaps : DEFAULT_CAPABILITIES);
  const drop = s?.capDrop ?? [];
  if (drop.includes('ALL')) caps.clear();
  for (const c of drop) caps.delete(c);
  for (const c of s?.capAdd ?? []) {
    if (c === 'ALL') for (const a of allCaps) caps.add(a);
    else caps.add(c);
  }
  return [...caps];
}

// --- seccomp -----------------------------------------------------------------------------------------------

interface ProfileRule {
  names?: string[];
  name?: string;
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[] | null;
  includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  excludes?: { caps?: string[]; arches?: string[]; minKernel?: string };
}

interface Profile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] }[] | null;
  syscalls?: ProfileRule[] | null;
}

/** Node's arch → (the profile's `arches` name, libseccomp's SCMP_ARCH_*). */
const ARCHES: Readonly<Record<string, readonly [string, string]>> = {
  x64: ['amd64', 'SCMP_ARCH_X86_64'], arm64: ['arm64', 'SCMP_ARCH_AARCH64'], ia32: ['x86', 'SCMP_ARCH_X86'], arm: ['arm', 'SCMP_ARCH_ARM'],
  ppc64: ['ppc64le', 'SCMP_ARCH_PPC64LE'], s390x: ['s390x', 'SCMP_ARCH_S390X'], riscv64: ['riscv64', 'SCMP_ARCH_RISCV64'],
};

export interface SeccompHost {
  /** process.arch. */
  readonly arch: string;
  /** os.release(), e.g. 6.1.0-13-amd64. */
  readonly kernel: string;
}

export function currentSeccompHost(): SeccompHost {
  return { arch: process.arch, kernel: release() };
}

function kernelAtLeast(kernel: string, min: string): boolean {
  const k = kernel.split(/[.-]/).map(Number);
  const m = min.split('.').map(Number);
  for (let i = 0; i < m.length; i++) {
    const a = k[i] ?? 0;
    const b = m[i] ?? 0;
    if (Number.isNaN(a) || a !== b) return Number.isNaN(a) ? true : a > b;
  }
  return true;
}

/**
 * A seccomp profile (containers/moby format, or plain OCI) → linux.seccomp for a container with bounding set
 * `caps` on `host`. Rules whose includes do not match (or whose excludes do) are left out.
 */
export function seccompFromProfile(profile: unknown, caps: readonly string[], host: SeccompHost): OciSeccomp {
  const p = profile as Profile;
  const [archName, scmpArch] = ARCHES[host.arch] ?? [host.arch, ''];
  const capSet = new Set(caps);
  let architectures = p.architectures ?? [];
  if (p.archMap) {
    const entry = p.archMap.find((a) => a.architecture === scmpArch);
    architectures = entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : [];
  }
  const syscalls: NonNullable<OciSeccomp['syscalls']> = [];
  for (const r of p.syscalls ?? []) {
    const inc = r.includes ?? {};
    const exc = r.excludes ?? {};
    if (inc.caps && !inc.caps.every((c) => capSet.has(c))) continue;
    if (inc.arches && inc.arches.length > 0 && !inc.arches.includes(archName)) continue;
    if (inc.minKernel && !kernelAtLeast(host.kernel, inc.minKernel)) continue;
    if (exc.caps && exc.caps.some((c) => capSet.has(c))) continue;
    if (exc.arches && exc.arches.includes(archName)) continue;
    if (exc.minKernel && kernelAtLeast(host.kernel, exc.minKernel)) continue;
    const names = r.names ?? (r.name !== undefined ? [r.name] : []);
    if (names.length === 0) continue;
    syscalls.push({
      names: [...names],
      action: r.action,
      ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
      ...(r.args && r.args.length > 0 ? { args: r.args.map((a) => ({ ...a })) } : {}),
    });
  }
  return {
    defaultAction: p.defaultAction,
    ...(p.defaultErrnoRet !== undefined ? { defaultErrnoRet: p.defaultErrnoRet } : {}),
    ...(architectures.length > 0 ? { architectures } : {}),
    syscalls,
  };
}

const EPERM = 1;

/**
 * Our own default when containers-common is not installed: allow everything except what no container
 * should do (a deny list, weaker than the containers allow list; the same EPERM the kernel gives without
 * the capability). Capability-gated syscalls stay allowed for a container given that capability.
 */
export const BUILTIN_SECCOMP = {
  defaultAction: 'SCMP_ACT_ALLOW',
  syscalls: [
    { names: ['kexec_load', 'kexec_file_load', 'reboot', 'swapon', 'swapoff', 'acct', 'nfsservctl', 'lookup_dcookie', 'uselib', 'sysfs', 'ustat', '_sysctl', 'vm86', 'vm86old', 'get_kernel_syms', 'query_module', 'create_module'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
    { names: ['init_module', 'finit_module', 'delete_module'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, excludes: { caps: ['CAP_SYS_MODULE'] } },
    { names: ['bpf', 'fanotify_init', 'perf_event_open', 'open_tree', 'move_mount', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'mount', 'umount2', 'pivot_root', 'setns', 'unshare', 'keyctl', 'add_key', 'request_key'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, excludes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['clock_settime', 'settimeofday', 'stime', 'clock_adjtime', 'adjtimex'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, excludes: { caps: ['CAP_SYS_TIME'] } },
    { names: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, excludes: { caps: ['CAP_SYS_PTRACE'] } },
    { names: ['iopl', 'ioperm'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, excludes: { caps: ['CAP_SYS_RAWIO'] } },
  ],
} as const;

// --- applying it -------------------------------------------------------------------------------------------

export interface SecurityHost {
  /** Every capability this engine may hand on (its bounding set, minus those the runtime cannot parse). */
  readonly allCapabilities: readonly string[];
  /** The default profile's text (CONTAINERS_SECCOMP_PROFILE), or undefined when not installed. */
  readonly defaultSeccompProfile: string | undefined;
  readonly seccompHost: SeccompHost;
  /** --device: the host node (stat, following symlinks); throws INVALID_ARGUMENT if it is not a device. */
  readonly device: (hostPath: string) => Omit<OciDevice, 'path'>;
  /** --privileged: the host's device nodes, to create in the container (limits-spec.ts privilegedDevices). */
  readonly privilegedDevices: () => readonly OciDevice[];
}

/**
 * Capabilities, seccomp, no_new_privs, devices and --privileged's relaxations (and the host's devices) onto `spec` (as built by
 * buildRuntimeSpec). Root gets the set in bounding, effective and permitted; anyone else only the bounding
 * set (as runtime-spec.ts).
 */
export function applySecurity(spec: OciSpec, s: SecuritySettings | undefined, host: SecurityHost): void {
  const caps = capabilitySet(s, host.allCapabilities);
  spec.process.capabilities = spec.process.user.uid === 0 ? { bounding: caps, effective: [...caps], permitted: [...caps] } : { bounding: caps };
  if (s?.noNewPrivileges === true) spec.process.noNewPrivileges = true;
  const resources = (spec.linux.resources ??= {});
  if (s?.privileged === true) {
    // podman --privileged: no masked or read-only paths, the host's devices created and every device allowed,
    // writable /sys and cgroupfs.
    spec.linux.maskedPaths = [];
    spec.linux.devices = host.privilegedDevices().map((d) => ({ ...d }));
    spec.linux.readonlyPaths = [];
    resources.devices = [{ allow: true, access: 'rwm' }];
    for (const m of spec.mounts) if (m.type === 'sysfs' || m.type === 'cgroup') m.options = m.options.filter((o) => o !== 'ro');
  }
  if (s?.seccomp === 'unconfined' || s?.privileged === true) {
    delete spec.linux.seccomp;
  } else {
    const profile = s?.seccomp !== undefined ? s.seccomp.profile : host.defaultSeccompProfile !== undefined ? (JSON.parse(host.defaultSeccompProfile) as unknown) : BUILTIN_SECCOMP;
    spec.linux.seccomp = seccompFromProfile(profile, caps, host.seccompHost);
  }
  for (const d of s?.devices ?? []) {
    const node = host.device(d.hostPath);
    // A --device at a path --privileged already fills replaces that entry.
    spec.linux.devices = [...(spec.linux.devices ?? []).filter((x) => x.path !== d.containerPath), { path: d.containerPath, ...node }];
    if (node.type !== 'p') (resources.devices ??= []).push({ allow: true, type: node.type, major: node.major, minor: node.minor, access: d.permissions });
  }
}
