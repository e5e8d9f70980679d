/**
 * `-u` / the image's User → uid, gid, supplementary groups and home, read from the rootfs's /etc/passwd
 * and /etc/group texts. Pure: the caller reads the files. The rules are runc's `user.GetExecUser` (which
 * both docker and podman 4.3 call), with docker's defaults (uid 0, gid 0, home "/"):
 * - `''` is root: uid 0, taking gid and home from passwd's uid-0 entry when there is one;
 * - `name` must be in passwd; a numeric `uid` is looked up but needs no entry;
 * - `:group` (name or gid) sets the primary group explicitly, and then no supplementary groups are added;
 *   without it the groups listing the matched user name in /etc/group become the supplementary groups.
 */
import { EngineError } from '../errors.ts';

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Supplementary groups from /etc/group membership, in file order (not including `gid` unless listed). */
  additionalGids: number[];
  home: string;
  /** The passwd entry's name, when the user matched one. */
  name?: string;
}

export interface EtcTexts {
  /** Contents of the rootfs's /etc/passwd; undefined when the file is missing. */
  passwd: string | undefined;
  /** Contents of the rootfs's /etc/group; undefined when the file is missing. */
  group: string | undefined;
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

const MAX_ID = 2 ** 31 - 1;

/** runc reads numeric fields with Atoi and ignores failures (the field becomes 0); so do we. */
function atoi(s: string | undefined): number {
  return s !== undefined && /^-?\d+$/.test(s) ? Number(s) : 0;
}

function lines(text: string | undefined): string[][] {
  if (text === undefined) return [];
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => l.split(':'));
}

function parsePasswd(text: string | undefined): PasswdEntry[] {
  // name:password:UID:GID:GECOS:directory:shell (passwd(5))
  return lines(text).map((f) => ({ name: f[0] ?? '', uid: atoi(f[2]), gid: atoi(f[3]), home: f[5] ?? '' }));
}

function parseGroup(text: string | undefined): GroupEntry[] {
  // name:password:GID:user_list (group(5))
  return lines(text).map((f) => ({
    name: f[0] ?? '',
    gid: atoi(f[2]),
    members: (f[3] ?? '').split(',').filter((m) => m !== ''),
  }));
}

/** The whole decimal number, or undefined when `s` is not one (`"1e3"`, `" 1"` and `""` are names). */
function numeric(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

function checkRange(id: number, spec: string): number {
  if (!Number.isSafeInteger(id) || id < 0 || id > MAX_ID) {
    throw new EngineError('INVALID_ARGUMENT', `invalid user ${JSON.stringify(spec)}: uids and gids must be in range 0-${MAX_ID}`);
  }
  return id;
}

/**
 * Resolves a user spec (`''`, `name`, `uid`, `name:group`, `uid:gid`, `:group`) against the image's
 * passwd and group files. Throws EngineError INVALID_ARGUMENT for an unknown name or an id out of range.
 */
export function resolveUser(spec: string | undefined, etc: EtcTexts): ResolvedUser {
  const text = spec ?? '';
  const parts = text.split(':');
  if (parts.length > 2) throw new EngineError('INVALID_ARGUMENT', `invalid user ${JSON.stringify(text)}: expected USER[:GROUP]`);
  const userArg = parts[0] ?? '';
  const groupArg = parts[1] ?? '';
  const uidArg = numeric(userArg);
  const gidArg = numeric(groupArg);

  let uid = 0;
  let gid = 0;
  let home = '/';
  let name: string | undefined;

  const users = parsePasswd(etc.passwd).filter((u) =>
    userArg === '' ? u.uid === 0 : uidArg !== undefined ? u.uid === uidArg : u.name === userArg,
  );
  const match = users[0]; // first match wins, even if there are more
  if (match) {
    ({ uid, gid, home, name } = match);
    // An entry with an empty home field: keep docker's default rather than HOME=''.
    if (home === '') home = '/';
  } else if (userArg !== '') {
    if (uidArg === undefined) {
      throw new EngineError('INVALID_ARGUMENT', `unable to find user ${userArg}: no matching entries in passwd file`);
    }
    uid = checkRange(uidArg, text);
  }

  let additionalGids: number[] = [];
  if (groupArg !== '') {
    const group = parseGroup(etc.group).find((g) => (gidArg !== undefined ? g.gid === gidArg : g.name === groupArg));
    if (group) gid = group.gid;
    else if (gidArg !== undefined) gid = checkRange(gidArg, text);
    else throw new EngineError('INVALID_ARGUMENT', `unable to find group ${groupArg}: no matching entries in group file`);
  } else if (name !== undefined) {
    // Supplementary groups only in the implicit form (runc: "only make sense if in the implicit form").
    const member = name;
    additionalGids = parseGroup(etc.group).filter((g) => g.members.includes(member)).map((g) => g.gid);
  }

  return name === undefined ? { uid, gid, additionalGids, home } : { uid, gid, additionalGids, home, name };
}

/**
 * `--group-add` entries → gids: a number is taken as given, a name is looked up in the image's /etc/group
 * (podman: `unable to find group NAME`). `keep-groups` (podman's rootless crun feature) is not supported.
 */
export function resolveGroups(groups: readonly string[], groupText: string | undefined): number[] {
  const entries = parseGroup(groupText);
  return groups.map((g) => {
    const n = numeric(g);
    if (n !== undefined) return checkRange(n, g);
    const found = entries.find((e) => e.name === g);
    if (!found) throw new EngineError('INVALID_ARGUMENT', `unable to find group ${g}: no matching entries in group file`);
    return found.gid;
  });
}
