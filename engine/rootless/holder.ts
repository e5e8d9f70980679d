/**
 * The rootless user namespace's holder (podman's pause process): build/Release/tsengine-userns `holder`
 * (native/userns-helper.c) unshares a user namespace, we write its maps with newuidmap/newgidmap (setuid
 * helpers from the uidmap package: only they may map the subordinate ranges), it unshares a mount namespace
 * and sleeps. Later commands join both (the helper's `join` execs them inside); overlay mounts made there
 * stay there.
 *
 * One holder per user, its pid file in the user's default run directory (paths.ts): `PID STARTTIME`. A pid
 * file whose process is gone or is another process now (start time differs) is stale and replaced. The
 * holder exits by itself once no process has been in its namespace for `idleSeconds` (it checks /proc every
 * 2 s): running containers, their monitors and any CLI inside keep it. Podman keeps its pause process for
 * ever; exiting when idle costs the next command ~15 ms to make a new one, and leaves nothing behind.
 *
 * Creation is serialised by an O_EXCL lock file holding the creator's `pid:starttime` (node has no flock):
 * a lock whose owner died is taken over.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { runChild } from '../child.ts';
import { isErrno } from '../../storage/errors.ts';
import { isOwnerAlive, selfOwner } from '../../storage/owner.ts';
import { packageRoot } from '../../storage/package-root.ts';
import { EngineError } from '../errors.ts';
import { holderPidFile } from './paths.ts';
import { type IdRange, readSubIds, type SubIds } from './subids.ts';

const HELPER = join('build', 'Release', 'tsengine-userns');
const LOCK_WAIT_MS = 15_000;

/** The helper binary (built by node-gyp with the monitor). */
export function userNamespaceHelper(): string {
  const path = join(packageRoot(), HELPER);
  try {
    statSync(path);
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
    throw new EngineError('RUNTIME_FAILED', `rootless: the user namespace helper is not built (${path} is missing): run npm ci (or npx node-gyp rebuild)`);
  }
  return path;
}

export interface HolderOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly user: string;
  readonly uid: number;
  readonly gid: number;
  /** The holder exits after this long with nobody in its namespace; 0: never. */
  readonly idleSeconds: number;
  /** Other subuid/subgid files (tests). */
  readonly subIdFiles?: { uid: string; gid: string };
}

export interface Holder {
  readonly pid: number;
  /** Made by this call (false: an existing one was alive). */
  readonly created: boolean;
}

/** `PID STARTTIME` → the pid when that process still runs as the same process, else undefined. */
export function liveHolder(pidFile: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
  const [pid, start] = text.trim().split(/\s+/);
  if (pid === undefined || start === undefined || !isOwnerAlive(`${pid}:${start}`)) return undefined;
  // A killed holder nobody has reaped yet (a zombie) still has its stat, but no namespaces to join.
  try {
    statSync(`/proc/${pid}/ns/mnt`);
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'EACCES')) return undefined;
    throw e;
  }
  return Number(pid);
}

function ownedDir(dir: string, uid: number): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  // Under a shared TMPDIR someone else may have made it first: never use theirs.
  if (st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new EngineError('INVALID_ARGUMENT', `rootless: run directory ${dir} must be owned by uid ${uid} with mode 0700 (it is uid ${st.uid}, mode ${(st.mode & 0o777).toString(8)}); set XDG_RUNTIME_DIR to a directory of yours`);
  }
}

/** Returns the live holder, making one when there is none (or only a stale one). */
export async function ensureHolder(o: HolderOptions): Promise<Holder> {
  const pidFile = holderPidFile(o.env, o.uid);
  const alive = liveHolder(pidFile);
  if (alive !== undefined) return { pid: alive, created: false };
  // Ranges first: a user without them gets the teaching error, not a half-made namespace.
  const ids = readSubIds({ user: o.user, uid: o.uid, gid: o.gid, ...(o.subIdFiles ? { files: o.subIdFiles } : {}) });
  ownedDir(dirname(pidFile), o.uid);
  const release = await lock(`${pidFile}.lock`);
  try {
    const again = liveHolder(pidFile); // made by whoever held the lock before us
    if (again !== undefined) return { pid: again, created: false };
    const pid = await startHolder(ids, o.idleSeconds);
    const start = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const startTime = start.slice(start.lastIndexOf(')') + 2).split(' ')[19];
    const tmp = `${pidFile}.${process.pid}.tmp`;
    writeFileSync(tmp, `${pid} ${startTime}\n`, { mode: 0o600 });
    renameSync(tmp, pidFile);
    return { pid, created: true };
  } finally {
    release();
  }
}

async function lock(path: string): Promise<() => void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, selfOwner());
      closeSync(fd);
      return () => unlinkSync(path);
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
    }
    let owner = '';
    try {
      owner = readFileSync(path, 'utf8');
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
      continue; // released meanwhile
    }
    // An empty file: its creator is between open and write (or died there; then it times out below).
    if (owner !== '' && !isOwnerAlive(owner)) {
      unlinkSync(path);
      continue;
    }
    if (Date.now() > deadline) throw new EngineError('BAD_STATE', `rootless: ${path} is held by process ${owner || '?'} for more than ${LOCK_WAIT_MS / 1000} s; remove it if that process is stuck`);
    await sleep(20);
  }
}

/** newuidmap's argument list: root → the user, then every subordinate range from 1 up. */
export function mapArgs(own: number, ranges: readonly IdRange[]): string[] {
  const out = ['0', String(own), '1'];
  let inside = 1;
  for (const r of ranges) {
    out.push(String(inside), String(r.start), String(r.count));
    inside += r.count;
  }
  return out;
}

async function startHolder(ids: SubIds, idleSeconds: number): Promise<number> {
  const child = spawn(userNamespaceHelper(), ['holder', String(idleSeconds)], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (want: string): Promise<void> => {
    const r = await lines.next();
    if (r.done || r.value !== want) {
      throw new EngineError('RUNTIME_FAILED', `rootless: the user namespace holder failed: ${stderr.trim() || `it said ${JSON.stringify(r.value ?? 'nothing')}`}`);
    }
  };
  try {
    await next('U');
    const pid = child.pid!;
    for (const [tool, own, ranges] of [['newuidmap', ids.uid, ids.uids], ['newgidmap', ids.gid, ids.gids]] as const) {
      const r = await runChild(tool, [String(pid), ...mapArgs(own, ranges)]);
      if (r.exitCode !== 0) {
        const missing = r.error?.code === 'ENOENT';
        throw new EngineError('RUNTIME_FAILED', missing
          ? `rootless: ${tool} is not installed: install the uidmap package (apt-get install uidmap)`
          : `rootless: ${tool} ${pid} ${mapArgs(own, ranges).join(' ')} failed: ${r.stderr.trim() || `exit ${r.exitCode}`} (the ranges come from ${tool === 'newuidmap' ? ids.files.uid : ids.files.gid}; ${tool} must be setuid root)`);
      }
    }
    child.stdin.write('G');
    await next('R');
    return pid;
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  } finally {
    child.stdin.destroy();
    child.stdout.destroy();
    child.stderr.destroy();
    child.unref();
  }
}
