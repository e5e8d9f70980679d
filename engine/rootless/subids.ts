/**
 * Subordinate ID ranges (/etc/subuid, /etc/subgid; subuid(5)): `NAME_OR_UID:START:COUNT` per line, any
 * number of lines per user. The user namespace maps root to the user and 1.. to these ranges, in file order
 * (podman maps every block; util-linux's --map-auto only the first). Errors teach: which user, which file,
 * the exact line or command that fixes it.
 */
import { readFileSync } from 'node:fs';
import { isErrno } from '../../storage/errors.ts';
import { EngineError } from '../errors.ts';

export interface IdRange {
  readonly start: number;
  readonly count: number;
}

export interface SubIds {
  readonly user: string;
  readonly uid: number;
  readonly gid: number;
  readonly uids: readonly IdRange[];
  readonly gids: readonly IdRange[];
  /** The files read (for messages and tests). */
  readonly files: { readonly uid: string; readonly gid: string };
}

/** The ranges of `user` (or its numeric uid) in one file's text. Pure. */
export function parseSubIds(text: string, user: string, uid: number): IdRange[] {
  const out: IdRange[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [who, start, count] = line.split(':');
    if (who !== user && who !== String(uid)) continue;
    const s = Number(start);
    const c = Number(count);
    if (Number.isSafeInteger(s) && Number.isSafeInteger(c) && s >= 0 && c > 0) out.push({ start: s, count: c });
  }
  return out;
}

/** Every range's [start, end) for a free suggestion: the first start at or above 100000 that no entry uses. */
function freeStart(texts: readonly string[]): number {
  let next = 100000;
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const [, start, count] = line.trim().split(':');
      const end = Number(start) + Number(count);
      if (Number.isSafeInteger(end) && end > next) next = end;
    }
  }
  return next;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return ''; // no file: nobody has ranges
    throw e;
  }
}

/** The IDs the namespace maps: 0 plus the subordinate ones, as `0-N` text for messages. */
export function describeRanges(ranges: readonly IdRange[]): string {
  if (ranges.length === 0) return 'none';
  return ranges.map((r) => `${r.start}-${r.start + r.count - 1} (${r.count} IDs)`).join(', ');
}

/** How many container IDs the ranges give: root plus every subordinate ID (0..total-1 inside). */
export function idsInside(ranges: readonly IdRange[]): number {
  return 1 + ranges.reduce((n, r) => n + r.count, 0);
}

/** The fix for a user without (enough) ranges: the usermod command, or the lines to add. */
export function fixFor(user: string, needed: number, files: { uid: string; gid: string }): string {
  const count = Math.max(65536, needed);
  const start = freeStart([read(files.uid), read(files.gid)]);
  return `as root run \`usermod --add-subuids ${start}-${start + count - 1} --add-subgids ${start}-${start + count - 1} ${user}\` ` +
    `(or add the line "${user}:${start}:${count}" to ${files.uid} and to ${files.gid})`;
}

/** The user's ranges from both files; throws USERNS_NO_SUBIDS naming the user, the file and the line to add. */
export function readSubIds(o: { user: string; uid: number; gid: number; files?: { uid: string; gid: string } }): SubIds {
  const files = o.files ?? { uid: '/etc/subuid', gid: '/etc/subgid' };
  const uids = parseSubIds(read(files.uid), o.user, o.uid);
  const gids = parseSubIds(read(files.gid), o.user, o.uid);
  for (const [file, ranges, kind] of [[files.uid, uids, 'UID'], [files.gid, gids, 'GID']] as const) {
    if (ranges.length === 0) {
      throw new EngineError('USERNS_NO_SUBIDS', `rootless: user "${o.user}" (uid ${o.uid}) has no subordinate ${kind} range in ${file}: ${fixFor(o.user, 65536, files)}`, {
        hint: 'containers need IDs 0..65535; the subordinate ranges give them to you',
      });
    }
  }
  return { user: o.user, uid: o.uid, gid: o.gid, uids, gids, files };
}
