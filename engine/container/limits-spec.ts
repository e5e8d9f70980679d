/**
 * The host facts the resource and security settings need at start (resources.ts, security.ts): our own
 * capability bounding set, the default seccomp profile's text, device nodes. Handed to buildRuntimeSpec.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../../storage/errors.ts';
import { EngineError } from '../errors.ts';
import type { OciCliRuntime } from '../runtime/oci-cli.ts';
import { privilegedCapabilities } from './exec.ts';
import type { OciDevice } from './oci-spec.ts';
import type { LimitStoredConfig } from './options-limits.ts';
import { withoutCgroupLimits } from './resources.ts';
import type { SpecInput } from './runtime-spec.ts';
import { CONTAINERS_SECCOMP_PROFILE, currentSeccompHost } from './security.ts';

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined; // containers-common not installed: our own profile
    throw e;
  }
}

/** A host device node for --device (symlinks followed, as docker does for /dev/disk/by-id/…). */
export function hostDevice(hostPath: string): Omit<OciDevice, 'path'> {
  let st;
  try {
    st = statSync(hostPath, { bigint: true });
  } catch (e) {
    if (isErrno(e, 'ENOENT')) throw new EngineError('INVALID_ARGUMENT', `--device ${hostPath}: no such file`);
    throw e;
  }
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : st.isFIFO() ? 'p' : undefined;
  if (type === undefined) throw new EngineError('INVALID_ARGUMENT', `--device ${hostPath}: not a device node`);
  const dev = st.rdev;
  // glibc's gnu_dev_major / gnu_dev_minor.
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn & 0xffffffffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn & 0xffffffffn));
  return { type, major, minor, fileMode: Number(st.mode & 0o777n), uid: Number(st.uid), gid: Number(st.gid) };
}

/** Directories under /dev that hold no device of the host's to hand on (podman's getDevices list). */
const SKIPPED_DEV_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/**
 * The runtime-spec's default devices, which every runtime creates itself (with /dev/ptmx a link to
 * pts/ptmx, /dev/console the terminal): not handed on again.
 */
const RUNTIME_DEVICES = new Set(['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/ptmx', '/dev/console']);

/**
 * --privileged: every char and block device node under the host's `dir` (podman's addPrivilegedDevices), as
 * linux.devices entries with the host's numbers, mode and owner. Symlinks (/dev/fd, /dev/disk/by-*), FIFOs
 * and sockets are skipped, and so are the directories the runtime mounts itself and the devices it creates.
 */
export function privilegedDevices(dir = '/dev'): OciDevice[] {
  const out: OciDevice[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'EACCES')) return out; // gone while we walked, or not ours to read
    throw e;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIPPED_DEV_DIRS.has(e.name)) out.push(...privilegedDevices(path));
    } else if ((e.isCharacterDevice() || e.isBlockDevice()) && !RUNTIME_DEVICES.has(path)) {
      try {
        out.push({ path, ...hostDevice(path) });
      } catch (err) {
        if (!(err instanceof EngineError)) throw err; // removed since readdir (hot-unplug): skip it
      }
    }
  }
  return out;
}

/** SpecInput's resources and security for a stored config; rootless drops what needs a cgroup. */
export function limitSpecInput(cfg: LimitStoredConfig, o: { rootless: boolean; runtime: OciCliRuntime }): Pick<SpecInput, 'resources' | 'security' | 'pidsLimit'> {
  const resources = o.rootless ? withoutCgroupLimits(cfg.resources) : cfg.resources;
  return {
    ...(resources !== undefined ? { resources } : {}),
    ...(!o.rootless && cfg.resources?.pidsLimit !== undefined ? { pidsLimit: cfg.resources.pidsLimit } : {}),
    security: {
      settings: cfg.security,
      host: {
        allCapabilities: privilegedCapabilities(o.runtime),
        defaultSeccompProfile: readOptional(CONTAINERS_SECCOMP_PROFILE),
        seccompHost: currentSeccompHost(),
        device: hostDevice,
        privilegedDevices,
      },
    },
  };
}

/**
 * The container's memory cgroup directory on a cgroup v1 host (the memory hierarchy's mount point +
 * linux.cgroupsPath), for the monitor's OOM watch; undefined without a v1 memory hierarchy (cgroup v2).
 */
export function memoryCgroupDir(cgroupsPath: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string | undefined {
  for (const line of mountinfo.split('\n')) {
    // "36 25 0:31 / /sys/fs/cgroup/memory rw,… - cgroup cgroup rw,memory"
    const [left, right] = line.split(' - ');
    const fields = left?.split(' ');
    const super_ = right?.split(' ');
    if (fields === undefined || super_ === undefined || super_[0] !== 'cgroup' || fields[3] !== '/') continue;
    if (!(super_[2] ?? '').split(',').includes('memory')) continue;
    return `${fields[4]}${cgroupsPath}`;
  }
  return undefined;
}
