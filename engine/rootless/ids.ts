/**
 * Who the rootless user is, from inside the user namespace too (where getpwuid(geteuid()) says "root"):
 * the host uid's /etc/passwd entry, and how many IDs the namespace maps (/proc/self/{uid,gid}_map).
 */
import { readFileSync } from 'node:fs';
import type { RootlessIds } from '../container/userns.ts';
import type { ResolvedEngineOptions } from '../options.ts';
import { parseIdMap } from './paths.ts';

/** The passwd entry of `uid` (name, home), or a numeric name when it has none. */
export function hostUser(uid: number, env: Readonly<Record<string, string | undefined>>): { name: string; home: string } {
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // unreadable: fall back below
  }
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[2] === String(uid) && f[0]) return { name: f[0], home: f[5] || env['HOME'] || '/' };
  }
  return { name: String(uid), home: env['HOME'] ?? '/' };
}

function mapped(path: string): number {
  return parseIdMap(readFileSync(path, 'utf8')).reduce((n, m) => n + m.count, 0);
}

/** For containers: undefined unless rootless and inside the namespace. */
export function rootlessIds(o: ResolvedEngineOptions): RootlessIds | undefined {
  if (!o.rootless || !o.inUserNamespace) return undefined;
  const u = hostUser(o.hostUid, o.env);
  return { user: u.name, uid: o.hostUid, gid: o.hostGid, home: u.home, uids: mapped('/proc/self/uid_map'), gids: mapped('/proc/self/gid_map') };
}
