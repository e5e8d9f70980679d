/**
 * Finding a runtime binary on disk: PATH first, then the directories distributions install runtimes into
 * (podman's `runtime` lists name the same ones), so a runtime in /usr/sbin is found from a user's PATH too.
 */
import { accessSync, constants, lstatSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { isErrno } from '../../storage/errors.ts';

/** Searched after PATH, in this order; duplicates of PATH entries are dropped. */
export const FALLBACK_DIRS: readonly string[] = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Why a path cannot serve as a runtime binary ('is a directory'), or undefined when it can (a regular file we may execute). */
export function unusableReason(path: string): string | undefined {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return isSymlink(path) ? 'is a dangling symlink' : 'does not exist';
    if (isErrno(e, 'EACCES')) return 'cannot be reached (permission denied)';
    throw e;
  }
  if (st.isDirectory()) return 'is a directory';
  if (!st.isFile()) return 'is not a regular file';
  try {
    accessSync(path, constants.X_OK);
  } catch (e) {
    if (isErrno(e, 'EACCES')) return 'is not executable';
    throw e;
  }
  return undefined;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return false;
    throw e;
  }
}

/** The directories searched for a bare name: PATH's absolute entries, then FALLBACK_DIRS, without repeats. */
export function searchDirs(pathVar: string | undefined): string[] {
  const fromPath = (pathVar ?? '').split(':').filter((d) => d !== '' && isAbsolute(d)); // '' and relative = cwd: never
  return [...new Set([...fromPath, ...FALLBACK_DIRS])];
}

export interface LookupResult {
  /** The first usable candidate, absolute. */
  readonly found?: string;
  /** Candidates that exist but cannot be used, with the reason (for the not-found message). */
  readonly rejected: readonly string[];
}

/** Looks `name` up in `dirs` like a shell: the first regular, executable file wins. */
export function lookup(name: string, dirs: readonly string[]): LookupResult {
  const rejected: string[] = [];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    const why = unusableReason(candidate);
    if (why === undefined) return { found: candidate, rejected };
    if (why !== 'does not exist') rejected.push(`${candidate} ${why}`);
  }
  return { rejected };
}
