/**
 * Finding a container's cgroup limit files from the host, the way that works for every runtime: the
 * container's init (or runsc's sandbox) pid from `state`, its /proc/PID/cgroup, and where the hierarchy
 * is mounted (/proc/self/mountinfo). Works for cgroupfs and systemd-style cgroupsPath alike, on v1, v2 and
 * the hybrid layout (a controller on a v1 hierarchy wins over the v2 tree, as the kernel only lets a
 * controller live in one). Parsing is pure; the caller reads the files.
 */
import { join } from 'node:path';

export interface CgroupMembership {
  /** v1: controller name (memory, pids, cpu,cpuacct split apart) → path in that hierarchy. */
  readonly v1: ReadonlyMap<string, string>;
  /** The `0::PATH` entry (the v2 tree), when present. */
  readonly v2?: string;
}

/** Parses /proc/PID/cgroup: `ID:CONTROLLERS:PATH` lines (cgroups(7)). */
export function parseProcCgroup(text: string): CgroupMembership {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (line.slice(0, first) === '0' && controllers === '') v2 = path;
    else for (const c of controllers.split(',')) if (c !== '') v1.set(c, path);
  }
  return v2 === undefined ? { v1 } : { v1, v2 };
}

export interface CgroupMounts {
  /** v1 controller → mount point of its hierarchy. */
  readonly v1: ReadonlyMap<string, string>;
  /** The cgroup2 mount point, when mounted. */
  readonly v2?: string;
}

/** cgroup and cgroup2 mounts from /proc/self/mountinfo (proc(5): fields 5 = mount point, after ` - `: type, source, super options). */
export function parseCgroupMounts(mountinfo: string): CgroupMounts {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const mountPoint = unescapeOctal(line.slice(0, sep).split(' ')[4] ?? '');
    const [type, , superOptions = ''] = line.slice(sep + 3).split(' ');
    if (type === 'cgroup2') v2 ??= mountPoint;
    else if (type === 'cgroup') for (const o of superOptions.split(',')) if (!v1.has(o)) v1.set(o, mountPoint);
  }
  return v2 === undefined ? { v1 } : { v1, v2 };
}

export interface LimitFile {
  readonly controller: string;
  /** File name on a v1 hierarchy (memory.limit_in_bytes) and in the v2 tree (memory.max). */
  readonly v1: string;
  readonly v2: string;
}

export const MEMORY_LIMIT: LimitFile = { controller: 'memory', v1: 'memory.limit_in_bytes', v2: 'memory.max' };
export const PIDS_LIMIT: LimitFile = { controller: 'pids', v1: 'pids.max', v2: 'pids.max' };

/** The host path of `f` for a process with `membership`, or why there is none. */
export function limitFilePath(f: LimitFile, membership: CgroupMembership, mounts: CgroupMounts): { path: string } | { missing: string } {
  const v1Path = membership.v1.get(f.controller);
  if (v1Path !== undefined) {
    const mount = mounts.v1.get(f.controller);
    if (mount === undefined) return { missing: `the ${f.controller} cgroup v1 hierarchy is not mounted on the host` };
    return { path: join(mount, v1Path, f.v1) };
  }
  if (membership.v2 !== undefined && mounts.v2 !== undefined) return { path: join(mounts.v2, membership.v2, f.v2) };
  return { missing: `the process is in no ${f.controller} cgroup (no v1 hierarchy with it, no v2 tree)` };
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}
