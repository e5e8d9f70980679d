// -v / --mount / --tmpfs parsing, their config.json entries, --add-host, --group-add, and resolving a
// mount point inside a rootfs without leaving it.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ociMount, parseMountFlag, parseTmpfsFlag, parseVolumeFlag, splitCsv } from '../../../engine/container/mounts.ts';
import { parseAddHost } from '../../../engine/container/options-mounts.ts';
import { resolveGroups } from '../../../engine/container/user.ts';
import { resolveInRoot } from '../../../engine/container/volume-setup.ts';

describe('-v', () => {
  it.each([
    ['/src:/dst', { type: 'bind', source: '/src', destination: '/dst', readOnly: false, options: [] }],
    ['/src/:/dst/:ro', { type: 'bind', source: '/src/', destination: '/dst', readOnly: true, options: [] }],
    ['/src:/dst:rw,z,noexec,rshared', { type: 'bind', source: '/src', destination: '/dst', readOnly: false, options: ['noexec', 'rshared'] }],
    ['vol:/data:ro,nocopy', { type: 'volume', name: 'vol', anonymous: false, destination: '/data', readOnly: true, noCopy: true, options: [] }],
    ['/data', { type: 'volume', name: '', anonymous: true, destination: '/data', readOnly: false, noCopy: false, options: [] }],
    ['/src:/dst:U', { type: 'bind', source: '/src', destination: '/dst', readOnly: false, options: [], chown: true }],
    ['vol:/data:ro,U,nocopy', { type: 'volume', name: 'vol', anonymous: false, destination: '/data', readOnly: true, noCopy: true, options: [], chown: true }],
  ])('%s', (spec, want) => {
    expect(parseVolumeFlag(spec)).toEqual(want);
  });

  it.each([
    ['a:b:c:d', /incorrect volume format/],
    ['/src:dst', /must be an absolute path/],
    ['/src:/', /cannot mount over the root/],
    ['/src:/d:ro,rw', /more than once/],
    ['/src:/d:bogus', /invalid option "bogus"/],
    ['/src:/d:nocopy', /only for volumes/],
    ['./rel:/d', /must be absolute/],
    ['/src:/d:U,U', /cannot set U more than once/],
    ['/src:/d:u', /invalid option "u"/],
    ['-bad:/d', /invalid volume name/],
  ])('%s is refused', (spec, message) => {
    expect(() => parseVolumeFlag(spec)).toThrow(message);
  });
});

describe('--mount', () => {
  it('bind, with aliases, readonly forms and propagation', () => {
    expect(parseMountFlag('type=bind,src=/a,dst=/b,readonly,bind-propagation=rslave')).toEqual({
      type: 'bind', source: '/a', destination: '/b', readOnly: true, options: ['rslave'],
    });
    expect(parseMountFlag('type=bind,source=/a,target=/b,readonly=false').type === 'bind' && parseMountFlag('type=bind,source=/a,target=/b,readonly=false')).toMatchObject({ readOnly: false });
    expect(parseMountFlag('type=bind,source=/a,target=/b,ro=true')).toMatchObject({ readOnly: true });
  });

  it('volume (named, anonymous) and tmpfs with size and mode', () => {
    expect(parseMountFlag('type=volume,source=v,target=/d,volume-nocopy')).toMatchObject({ type: 'volume', name: 'v', anonymous: false, noCopy: true });
    expect(parseMountFlag('target=/d')).toMatchObject({ type: 'volume', anonymous: true });
    expect(parseMountFlag('type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770')).toEqual({
      type: 'tmpfs', destination: '/t', options: ['rw', 'noexec', 'nosuid', 'nodev', 'size=64m', 'mode=1770'],
    });
  });

  it('U and chown[=true|false] chown the source (binds and volumes)', () => {
    expect(parseMountFlag('type=bind,src=/a,dst=/b,U')).toEqual({ type: 'bind', source: '/a', destination: '/b', readOnly: false, options: [], chown: true });
    expect(parseMountFlag('type=volume,src=v,dst=/b,chown=true')).toMatchObject({ type: 'volume', name: 'v', chown: true });
    expect(parseMountFlag('type=volume,dst=/b,U=true')).toMatchObject({ type: 'volume', anonymous: true, chown: true });
    expect(parseMountFlag('type=bind,src=/a,dst=/b,chown=false')).not.toHaveProperty('chown');
  });

  it('a quoted CSV field keeps its commas', () => {
    expect(splitCsv('type=bind,"source=/a,b",target=/c')).toEqual(['type=bind', 'source=/a,b', 'target=/c']);
    expect(parseMountFlag('type=bind,"source=/a,b",target=/c')).toMatchObject({ source: '/a,b' });
    expect(() => splitCsv('"open')).toThrow(/unterminated quote/);
  });

  it.each([
    ['type=nfs,target=/x', /invalid mount type "nfs"/],
    ['type=bind,source=/a', /target is required/],
    ['type=bind,target=/x', /needs an absolute source/],
    ['type=tmpfs,source=x,target=/t', /takes no source/],
    ['type=bind,source=/a,target=/b,tmpfs-size=1m', /only for type=tmpfs/],
    ['type=bind,source=/a,target=/b,readonly=maybe', /expected true or false/],
    ['type=bind,source=/a,target=/b,bogus', /unknown mount option "bogus"/],
    ['type=tmpfs,target=/t,U', /invalid option u in .*only for type=bind or type=volume/],
  ])('%s is refused', (spec, message) => {
    expect(() => parseMountFlag(spec)).toThrow(message);
  });
});

describe('--tmpfs and config.json entries', () => {
  it('podman\'s defaults, each overridable', () => {
    expect(parseTmpfsFlag('/t')).toEqual({ type: 'tmpfs', destination: '/t', options: ['rw', 'noexec', 'nosuid', 'nodev'] });
    expect(parseTmpfsFlag('/t:ro,exec,size=1m,mode=700')).toEqual({ type: 'tmpfs', destination: '/t', options: ['ro', 'exec', 'nosuid', 'nodev', 'size=1m', 'mode=700'] });
  });

  it('binds and volumes become rbind mounts, rprivate unless a propagation was given', () => {
    expect(ociMount(parseVolumeFlag('/a:/b:ro'), () => '')).toEqual({ destination: '/b', type: 'bind', source: '/a', options: ['rbind', 'ro', 'rprivate'] });
    expect(ociMount(parseVolumeFlag('/a:/b:rshared'), () => '')).toEqual({ destination: '/b', type: 'bind', source: '/a', options: ['rbind', 'rw', 'rshared'] });
    expect(ociMount(parseVolumeFlag('v:/d'), (n) => `/vols/${n}/_data`)).toEqual({ destination: '/d', type: 'bind', source: '/vols/v/_data', options: ['rbind', 'rw', 'rprivate'] });
    expect(ociMount(parseTmpfsFlag('/t:size=1m'), () => '')).toEqual({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['rw', 'noexec', 'nosuid', 'nodev', 'size=1m'] });
  });
});

describe('--add-host and --group-add', () => {
  it('HOST:IP and HOST=IP; IPv6 keeps its colons', () => {
    expect(parseAddHost('db:10.0.0.1')).toEqual({ host: 'db', ip: '10.0.0.1' });
    expect(parseAddHost('db=10.0.0.1')).toEqual({ host: 'db', ip: '10.0.0.1' });
    expect(parseAddHost('v6:fd00::1')).toEqual({ host: 'v6', ip: 'fd00::1' });
    expect(parseAddHost('v6:[fd00::1]')).toEqual({ host: 'v6', ip: 'fd00::1' });
    expect(() => parseAddHost('db')).toThrow(/expected HOST:IP/);
    expect(() => parseAddHost('db:300.1.1.1')).toThrow(/invalid IP address/);
    expect(parseAddHost('gw:host-gateway')).toEqual({ host: 'gw', ip: 'host-gateway' }); // the address is the start's (etc-files.ts)
  });

  it('names from the image\'s /etc/group, numbers as given', () => {
    const group = 'root:x:0:root\nwheel:x:10:root\nusers:x:100:games\n';
    expect(resolveGroups(['wheel', '1234', 'users'], group)).toEqual([10, 1234, 100]);
    expect(() => resolveGroups(['nosuch'], group)).toThrow('unable to find group nosuch: no matching entries in group file');
  });
});

describe('resolveInRoot', () => {
  const root = mkdtempSync(join(tmpdir(), 'tse-unit-root-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'real/dir'), { recursive: true });
  symlinkSync('/real', join(root, 'abs'));
  symlinkSync('../..', join(root, 'real/up'));
  symlinkSync('/etc', join(root, 'escape'));

  it('follows links inside the root, absolute ones relative to it', () => {
    expect(resolveInRoot(root, '/abs/dir')).toBe(join(root, 'real/dir'));
    expect(resolveInRoot(root, '/real/up/real/dir')).toBe(join(root, 'real/dir')); // ../.. stops at the root
    expect(resolveInRoot(root, '/../../real/dir')).toBe(join(root, 'real/dir'));
  });

  it('never leaves the root: /etc of the host is /etc of the root (absent here)', () => {
    expect(resolveInRoot(root, '/escape')).toBeUndefined();
    expect(resolveInRoot(root, '/missing/x')).toBeUndefined();
  });
});
