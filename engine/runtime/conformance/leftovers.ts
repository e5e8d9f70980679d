/**
 * What a check leaves when it cannot clean up itself: containers its runtime will not delete (their
 * processes are ended through the cgroup we gave them), and whole scratch dirs of a check that was killed
 * (SIGKILL, a crash): the next check sweeps those before it starts. A scratch dir names its owner
 * (pid:starttime, storage/owner.ts) and the runtime profile it used, so the sweep can tell a check in
 * progress from an abandoned one, and knows which binary deletes its containers.
 */
import { readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../../../storage/errors.ts';
import { isMountPoint, unmount } from '../../../storage/overlay.ts';
import { isOwnerAlive } from '../../../storage/owner.ts';
import { cgroupsPathFor } from '../../container/runtime-spec.ts';
import { isEngineError } from '../../errors.ts';
import { OciCliRuntime } from '../oci-cli.ts';
import type { RuntimeProfile } from '../profiles.ts';
import { parseCgroupMounts } from './cgroups.ts';

export const OWNER_FILE = 'owner';
export const PROFILE_FILE = 'runtime.json';
/** A dir without an owner file yet is being created; one that old without it is not. */
const UNOWNED_GRACE_MS = 60_000;
/** Our container ids (workspace.ts), at the start of a state-dir entry (runsc: `ID_sandbox:ID.state`). */
const OUR_ID = /^tsengine-check-[0-9a-f]+-\d+-[a-z0-9-]+?(?=$|_|\.)/;

/** SIGKILLs every process in the cgroup at `cgroupsPath` (v1 pids and memory hierarchies, the v2 tree). */
export function killCgroup(cgroupsPath: string): void {
  const mounts = parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
  const roots = [mounts.v1.get('pids'), mounts.v1.get('memory'), mounts.v2].filter((m) => m !== undefined);
  for (const root of roots) {
    let procs: string;
    try {
      procs = readFileSync(join(root, cgroupsPath, 'cgroup.procs'), 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) continue; // no such cgroup in this hierarchy (or the runtime placed it elsewhere)
      throw e;
    }
    for (const pid of procs.split('\n').filter((l) => /^\d+$/.test(l)).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (e) {
        if (!isErrno(e, 'ESRCH')) throw e; // gone meanwhile
      }
    }
  }
}

/**
 * Removes the cgroup at `cgroupsPath` from every hierarchy, killing what is still in it. A runtime removes
 * its container's cgroups on delete; one killed half-way through `create` or `run` (an abort, a timeout)
 * leaves them, and the next check's container of the same name never comes, so nobody else would.
 */
export async function removeCgroups(cgroupsPath: string): Promise<void> {
  const mounts = parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
  const dirs = [...new Set([...mounts.v1.values(), ...(mounts.v2 !== undefined ? [mounts.v2] : [])])].map((m) => join(m, cgroupsPath));
  for (const dir of dirs) {
    for (let attempt = 0; ; attempt++) {
      try {
        rmdirSync(dir);
        break;
      } catch (e) {
        if (isErrno(e, 'ENOENT')) break; // not there: removed by the runtime, or never made in this hierarchy
        if (!isErrno(e, 'EBUSY') || attempt >= 20) throw e;
        killCgroup(cgroupsPath); // processes left in it; the kernel frees the cgroup once they are reaped
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

/**
 * Force-deletes `id` through the runtime; when the runtime cannot, kills the container's processes through
 * its cgroup and lets the runtime try once more. Returns the runtime's error if that failed too.
 */
export async function forceDelete(rt: OciCliRuntime, id: string): Promise<unknown> {
  try {
    await rt.delete(id, { force: true });
    return undefined;
  } catch (e) {
    if (!isEngineError(e)) throw e;
  }
  killCgroup(cgroupsPathFor(id));
  try {
    await rt.delete(id, { force: true });
    return undefined;
  } catch (e) {
    if (!isEngineError(e)) throw e;
    return e;
  }
}

/**
 * Removes the scratch dirs under `<runRoot>/check` whose check is gone: deletes their containers, unmounts
 * their rootfs, removes the dir. A dir whose containers cannot all be deleted is kept for the next sweep.
 */
export async function sweepAbandonedChecks(runRoot: string): Promise<void> {
  const base = join(runRoot, 'check');
  for (const name of listDir(base)) {
    const dir = join(base, name);
    const owner = readOptional(join(dir, OWNER_FILE));
    if (owner !== undefined ? isOwnerAlive(owner.trim()) : Date.now() - statSync(dir).mtimeMs < UNOWNED_GRACE_MS) continue;
    const profile = readProfile(join(dir, PROFILE_FILE));
    let clean = true;
    if (profile !== undefined) {
      const rt = new OciCliRuntime(profile);
      const ids = new Set(listDir(join(dir, 'state')).flatMap((e) => OUR_ID.exec(e)?.[0] ?? []));
      for (const id of ids) if ((await forceDelete(rt, id)) !== undefined) clean = false;
      for (const id of ids) await removeCgroups(cgroupsPathFor(id));
    }
    if (!clean) continue;
    const rootfs = join(dir, 'rootfs');
    if (isMountPoint(rootfs)) await unmount(rootfs);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The profile a check recorded before creating any container; none (or a torn write): it created none. */
function readProfile(path: string): RuntimeProfile | undefined {
  const text = readOptional(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as RuntimeProfile;
  } catch (e) {
    if (e instanceof SyntaxError) return undefined;
    throw e;
  }
}

function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return []; // nothing there yet
    throw e;
  }
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}
