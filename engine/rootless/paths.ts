/**
 * Rootless facts about this process, read once by engine/options.ts: who the host user is (also from inside
 * the user namespace, where our euid is 0) and the default run directory (ECOSYSTEM.md §3.8, the rule of
 * containers/storage): `$XDG_RUNTIME_DIR/tsengine`, else `/run/user/UID/tsengine` when that directory is
 * ours and 0700, else `$TMPDIR/tsengine-run-UID`. native/userns-helper.c (`join-default`) computes the
 * same path in C: keep the two in step (test/unit/rootless/paths.test.ts checks it against the binary).
 */
import { readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { isErrno } from '../../storage/errors.ts';

export interface IdentityFacts {
  /** The euid as the kernel reports it to us (0 inside our user namespace). */
  readonly euid: number;
  /** The user's uid on the host: euid outside a user namespace, the uid that root maps to inside one. */
  readonly hostUid: number;
  readonly hostGid: number;
  /** This process runs in a user namespace other than the initial one (the holder's, once joined). */
  readonly inUserNamespace: boolean;
}

/** `inside outside count` lines of /proc/self/{uid,gid}_map; the initial namespace is `0 0 4294967295`. */
export function parseIdMap(text: string): { inside: number; outside: number; count: number }[] {
  return text.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 3).map(([a, b, c]) => ({
    inside: Number(a), outside: Number(b), count: Number(c),
  }));
}

function outsideOf(map: string, id: number): number {
  const line = parseIdMap(map).find((m) => id >= m.inside && id < m.inside + m.count);
  return line === undefined ? id : line.outside + (id - line.inside);
}

export function identityFacts(): IdentityFacts {
  const euid = process.geteuid?.() ?? 0;
  const egid = process.getegid?.() ?? 0;
  const uidMap = readProc('/proc/self/uid_map');
  const gidMap = readProc('/proc/self/gid_map');
  const initial = uidMap === undefined || /^\s*0\s+0\s+4294967295\s*$/.test(uidMap);
  return {
    euid,
    hostUid: initial ? euid : outsideOf(uidMap, euid),
    hostGid: initial || gidMap === undefined ? egid : outsideOf(gidMap, egid),
    inUserNamespace: !initial,
  };
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined; // no /proc (or a kernel without user namespaces)
    throw e;
  }
}

/** The default rootless run directory for `uid` (see the module comment). */
export function defaultRunDir(env: Readonly<Record<string, string | undefined>>, uid: number): string {
  const xdg = env['XDG_RUNTIME_DIR'];
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'tsengine');
  const run = `/run/user/${uid}`;
  try {
    const st = statSync(run);
    if (st.isDirectory() && st.uid === uid && (st.mode & 0o777) === 0o700) return join(run, 'tsengine');
  } catch (e) {
    if (!isErrno(e, 'ENOENT') && !isErrno(e, 'EACCES')) throw e;
  }
  const tmp = env['TMPDIR'] !== undefined && isAbsolute(env['TMPDIR']) ? env['TMPDIR'] : tmpdir();
  return join(tmp, `tsengine-run-${uid}`);
}

/** The holder's pid file: per user, in the default run directory (not per store: one namespace per user). */
export function holderPidFile(env: Readonly<Record<string, string | undefined>>, uid: number): string {
  return join(defaultRunDir(env, uid), 'userns.pid');
}
