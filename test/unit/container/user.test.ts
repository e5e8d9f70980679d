import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../../engine/errors.ts';
import { type EtcTexts, type ResolvedUser, resolveUser } from '../../../engine/container/user.ts';
import { ALPINE_GROUP, ALPINE_PASSWD } from './alpine-etc.ts';

const alpine: EtcTexts = { passwd: ALPINE_PASSWD, group: ALPINE_GROUP };
const missing: EtcTexts = { passwd: undefined, group: undefined };
const ROOT_GROUPS = [0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27]; // alpine's /etc/group lines listing "root"

// Expectations follow runc's user.GetExecUser (used by docker and podman); the alpine rows agree with the
// additionalGids podman 4.3.1 wrote for the same -u values (see podman-4.3.1-config.json).
describe('resolveUser', () => {
  it.each<[string, string | undefined, EtcTexts, ResolvedUser]>([
    ['no user: root from passwd', undefined, alpine, { uid: 0, gid: 0, additionalGids: ROOT_GROUPS, home: '/root', name: 'root' }],
    ["'' is root", '', alpine, { uid: 0, gid: 0, additionalGids: ROOT_GROUPS, home: '/root', name: 'root' }],
    ['root by name', 'root', alpine, { uid: 0, gid: 0, additionalGids: ROOT_GROUPS, home: '/root', name: 'root' }],
    ['root by uid, groups still from membership', '0', alpine, { uid: 0, gid: 0, additionalGids: ROOT_GROUPS, home: '/root', name: 'root' }],
    ['a name', 'nobody', alpine, { uid: 65534, gid: 65534, additionalGids: [], home: '/', name: 'nobody' }],
    ['a name with groups', 'games', alpine, { uid: 35, gid: 35, additionalGids: [100], home: '/usr/games', name: 'games' }],
    ['a uid with a passwd entry', '65534', alpine, { uid: 65534, gid: 65534, additionalGids: [], home: '/', name: 'nobody' }],
    ['a uid without a passwd entry', '1234', alpine, { uid: 1234, gid: 0, additionalGids: [], home: '/' }],
    ['uid:gid', '65534:65534', alpine, { uid: 65534, gid: 65534, additionalGids: [], home: '/', name: 'nobody' }],
    ['uid:gid, neither known', '4000:5000', alpine, { uid: 4000, gid: 5000, additionalGids: [], home: '/' }],
    ['name:group: explicit group, no supplementary groups', 'nobody:wheel', alpine, { uid: 65534, gid: 10, additionalGids: [], home: '/', name: 'nobody' }],
    ['root:group drops the membership groups', 'root:tty', alpine, { uid: 0, gid: 5, additionalGids: [], home: '/root', name: 'root' }],
    [':group', ':wheel', alpine, { uid: 0, gid: 10, additionalGids: [], home: '/root', name: 'root' }],
    ['no passwd or group file: root', undefined, missing, { uid: 0, gid: 0, additionalGids: [], home: '/' }],
    ['no passwd or group file: numeric', '1000:1000', missing, { uid: 1000, gid: 1000, additionalGids: [], home: '/' }],
  ])('%s (%j)', (_name, spec, etc, want) => {
    expect(resolveUser(spec, etc)).toEqual(want);
  });

  it('takes the first of duplicate passwd entries and skips blank lines', () => {
    const passwd = 'a:x:10:20::/home/a:/bin/sh\n\n  \na:x:11:21::/other:/bin/sh\n';
    expect(resolveUser('a', { passwd, group: 'g:x:30:b,a,c\nh:x:31:b\n' })).toEqual({
      uid: 10, gid: 20, additionalGids: [30], home: '/home/a', name: 'a',
    });
  });

  it.each<[string, string, EtcTexts, string]>([
    ['an unknown name', 'postgres', alpine, 'unable to find user postgres: no matching entries in passwd file'],
    ['a name without a passwd file', 'nobody', missing, 'unable to find user nobody: no matching entries in passwd file'],
    ['an unknown group name', 'nobody:staff', alpine, 'unable to find group staff: no matching entries in group file'],
    ['a uid out of range', '2147483648', alpine, 'invalid user "2147483648": uids and gids must be in range 0-2147483647'],
    ['a negative gid', '0:-1', alpine, 'invalid user "0:-1": uids and gids must be in range 0-2147483647'],
    ['too many colons', 'a:b:c', alpine, 'invalid user "a:b:c": expected USER[:GROUP]'],
  ])('refuses %s', (_name, spec, etc, message) => {
    let err: unknown;
    try {
      resolveUser(spec, etc);
    } catch (e) {
      err = e;
    }
    expect(isEngineError(err) && err.code).toBe('INVALID_ARGUMENT');
    expect((err as Error).message).toBe(message);
  });
});
