/**
 * Rootless errors that teach (ECOSYSTEM.md §6.6: podman's "potentially insufficient UIDs or GIDs …: lchown
 * /etc/shadow: invalid argument"): an image file owned by an ID outside the user's ranges names the file,
 * the ID, the ranges found and the command that adds enough.
 */
import { EngineError, isEngineError } from '../errors.ts';
import type { ResolvedEngineOptions } from '../options.ts';
import { hostUser } from './ids.ts';
import { describeRanges, fixFor, idsInside, parseSubIds } from './subids.ts';
import { readFileSync } from 'node:fs';

function ranges(file: string, user: string, uid: number) {
  try {
    return parseSubIds(readFileSync(file, 'utf8'), user, uid);
  } catch {
    return []; // unreadable: reported as "none"
  }
}

export function explainUnmappedId(e: unknown, o: ResolvedEngineOptions): unknown {
  if (!isEngineError(e) || (e.code as string) !== 'ID_UNMAPPED') return e;
  const { file, uid, gid } = e as unknown as { file: string; uid: number; gid: number };
  const user = hostUser(o.hostUid, o.env).name;
  const files = { uid: '/etc/subuid', gid: '/etc/subgid' };
  const uids = ranges(files.uid, user, o.hostUid);
  const gids = ranges(files.gid, user, o.hostUid);
  const needed = Math.max(uid, gid) + 1;
  const over = uid >= idsInside(uids) ? `UID ${uid}` : `GID ${gid}`;
  return new EngineError(
    'USERNS_ID_UNMAPPED',
    `rootless: image file ${file} is owned by ${over}, but user "${user}" has container IDs 0-${Math.min(idsInside(uids), idsInside(gids)) - 1} only ` +
      `(${files.uid}: ${describeRanges(uids)}; ${files.gid}: ${describeRanges(gids)}): ${fixFor(user, needed, files)}, then run the command again once no tsengine command or container of yours is running (the user namespace is remade with the new ranges when its holder has gone idle)`,
    { cause: e },
  );
}
