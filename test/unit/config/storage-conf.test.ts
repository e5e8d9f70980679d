// storage.conf (engine/config/storage-conf.ts): which file is read, what is taken from it, and the one-line
// errors for a bad one. Files are real, in a temp dir standing in for / (rootPrefix) and $HOME.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadStorageConf, storageConfFiles } from '../../../engine/config/storage-conf.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tse-storage-conf-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function put(rel: string, text: string): string {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('storageConfFiles', () => {
  it('CONTAINERS_STORAGE_CONF alone, required', () => {
    expect(storageConfFiles({ CONTAINERS_STORAGE_CONF: '/x.conf', HOME: '/home/u' }, true)).toEqual([{ path: '/x.conf', required: true }]);
  });
  it('rootless: the user\'s file first ($XDG_CONFIG_HOME, else ~/.config), then /etc, then /usr/share', () => {
    expect(storageConfFiles({ XDG_CONFIG_HOME: '/cfg', HOME: '/home/u' }, true).map((f) => f.path)).toEqual(['/cfg/containers/storage.conf', '/etc/containers/storage.conf', '/usr/share/containers/storage.conf']);
    expect(storageConfFiles({ HOME: '/home/u', CONTAINERS_STORAGE_CONF: '' }, true)[0]).toEqual({ path: '/home/u/.config/containers/storage.conf', required: false });
  });
  it('root: never the user\'s file', () => {
    expect(storageConfFiles({ HOME: '/root' }, false).map((f) => f.path)).toEqual(['/etc/containers/storage.conf', '/usr/share/containers/storage.conf']);
  });
});

describe('loadStorageConf', () => {
  it('nothing there: no mount program', () => {
    expect(loadStorageConf({ HOME: join(dir, 'home') }, true, dir)).toEqual({ mountOptions: [] });
  });
  it('the first file found wins; mount_program and mountopt from [storage.options.overlay]', () => {
    const user = put('home/.config/containers/storage.conf', '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmount_program = "/bin/sh"\nmountopt = "nodev, fsync=0"\n');
    put('etc/containers/storage.conf', '[storage.options.overlay]\nmount_program = "/bin/true"\n');
    expect(loadStorageConf({ HOME: join(dir, 'home') }, true, dir)).toEqual({ file: user, mountProgram: '/bin/sh', mountOptions: ['nodev', 'fsync=0'] });
    // root reads /etc's
    expect(loadStorageConf({ HOME: join(dir, 'home') }, false, dir)).toMatchObject({ file: join(dir, 'etc/containers/storage.conf'), mountProgram: '/bin/true' });
  });
  it('/usr/share when /etc has none; Debian\'s default (mountopt only) means native overlay', () => {
    const share = put('usr/share/containers/storage.conf', '[storage]\ndriver = "overlay"\n[storage.options]\nadditionalimagestores = [\n]\n[storage.options.overlay]\nmountopt = "nodev"\n[storage.options.thinpool]\n');
    expect(loadStorageConf({}, false, dir)).toEqual({ file: share, mountOptions: ['nodev'] });
  });
  it('the older [storage.options] spelling; the overlay table wins over it', () => {
    const f = put('a.conf', '[storage.options]\nmount_program = "/bin/sh"\nmountopt = "nodev"\n');
    expect(loadStorageConf({ CONTAINERS_STORAGE_CONF: f }, false)).toEqual({ file: f, mountProgram: '/bin/sh', mountOptions: ['nodev'] });
    writeFileSync(f, '[storage.options]\nmount_program = "/bin/sh"\n[storage.options.overlay]\nmount_program = "/bin/true"\n');
    expect(loadStorageConf({ CONTAINERS_STORAGE_CONF: f }, false).mountProgram).toBe('/bin/true');
  });
  it.each([
    ['a relative mount_program', '[storage.options.overlay]\nmount_program = "fuse-overlayfs"\n', ':2: storage.options.overlay.mount_program: expected an absolute path, such as "/usr/bin/fuse-overlayfs", got "fuse-overlayfs"'],
    ['a mount_program that is not a string', '[storage.options.overlay]\n\nmount_program = 7\n', ':3: storage.options.overlay.mount_program: expected an absolute path, such as "/usr/bin/fuse-overlayfs", got 7'],
    ['a missing mount_program', '[storage.options.overlay]\nmount_program = "/nonexistent/fo"\n', ':2: storage.options.overlay.mount_program: /nonexistent/fo does not exist (apt-get install fuse-overlayfs)'],
    ['mountopt not a string', '[storage.options.overlay]\nmountopt = ["nodev"]\n', ':2: storage.options.overlay.mountopt: expected a comma-separated string, such as "nodev"'],
    ['storage.options not a table', '[storage]\noptions = 3\n', ': storage.options: expected a table'],
  ])('%s: CONFIG_INVALID at file:line', (_label, text, where) => {
    const f = put('bad.conf', text);
    expect(() => loadStorageConf({ CONTAINERS_STORAGE_CONF: f }, false)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: `${f}${where}` }));
  });
  it('a mount_program that cannot run (no x bit: not even root may exec it)', () => {
    const prog = put('prog', '#!/bin/sh\n');
    const f = put('bad.conf', `[storage.options.overlay]\nmount_program = "${prog}"\n`);
    expect(() => loadStorageConf({ CONTAINERS_STORAGE_CONF: f }, false)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: `${f}:2: storage.options.overlay.mount_program: ${prog} is not executable (EACCES)` }));
  });
  it('a TOML syntax error names file:line:col; a missing $CONTAINERS_STORAGE_CONF says so', () => {
    const f = put('bad.conf', '[storage.options.overlay\n');
    expect(() => loadStorageConf({ CONTAINERS_STORAGE_CONF: f }, false)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(new RegExp(`^${f}:1:\\d+: `)) }));
    expect(() => loadStorageConf({ CONTAINERS_STORAGE_CONF: join(dir, 'none.conf') }, false)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: `${join(dir, 'none.conf')}: no such file` }));
  });
});
