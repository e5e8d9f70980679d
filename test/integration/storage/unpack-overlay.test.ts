// Unpacked layers mounted for real as overlay lowerdirs: whiteouts and opaque directories must mean to
// the kernel what the image says. As root with trusted.* xattrs, and in a user namespace with
// `userxattr` and user.* xattrs (the rootless encoding).
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unpackLayer, type UnpackOptions } from '../../../storage/unpack.ts';
import { buildTar, type TarEntry } from '../../unit/storage/tar-fixtures.ts';

const LOWER: TarEntry[] = [
  { name: 'a', body: 'a from lower' },
  { name: 'b', body: 'b from lower' },
  { name: 'd/', type: 'directory' },
  { name: 'd/x', body: 'x from lower' },
  { name: 'gone/', type: 'directory' },
  { name: 'gone/z', body: 'z' },
];
const UPPER: TarEntry[] = [
  { name: '.wh.a', body: '' },
  { name: 'd/', type: 'directory' },
  { name: 'd/.wh..wh..opq', body: '' },
  { name: 'd/y', body: 'y from upper' },
];
const TOP: TarEntry[] = [
  { name: '.wh.gone', body: '' },
  { name: 'c', body: 'c from top' },
];

let base: string;
let mnt: string;
let mounted = false;

beforeEach((ctx) => {
  base = mkdtempSync(join(tmpdir(), `tse-unpack-overlay-${ctx.task.name.replace(/[^a-zA-Z0-9]+/g, '-').slice(0, 24)}-`));
  mnt = join(base, 'mnt');
  mkdirSync(mnt);
});

afterEach(async () => {
  if (mounted) await execa('umount', [mnt]);
  mounted = false;
  rmSync(base, { recursive: true, force: true });
});

/** Unpacks each layer into a sibling directory; returns them top first, as lowerdir= lists them. */
async function unpackAll(xattrNamespace: UnpackOptions['xattrNamespace']): Promise<string[]> {
  const dirs: string[] = [];
  for (const [name, entries] of [['lower', LOWER], ['upper', UPPER], ['top', TOP]] as const) {
    const dir = join(base, name);
    mkdirSync(dir);
    await unpackLayer(Readable.from([await buildTar(entries)]), dir, { xattrNamespace });
    dirs.unshift(dir);
  }
  return dirs;
}

describe('unpacked layers as overlay lowerdirs', () => {
  it('as root (trusted.overlay.*): whiteouts hide, opaque dirs hide lower content', async () => {
    const lowerdirs = await unpackAll('trusted');
    await execa('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${lowerdirs.join(':')}`, mnt]);
    mounted = true;

    expect(readdirSync(mnt).sort()).toEqual(['b', 'c', 'd']);
    expect(existsSync(join(mnt, 'a'))).toBe(false);
    expect(existsSync(join(mnt, 'gone'))).toBe(false);
    expect(readFileSync(join(mnt, 'b'), 'utf8')).toBe('b from lower');
    expect(readdirSync(join(mnt, 'd'))).toEqual(['y']);
    expect(readFileSync(join(mnt, 'd', 'y'), 'utf8')).toBe('y from upper');
  });

  it('in a user namespace (userxattr, user.overlay.*): the same view', async () => {
    const lowerdirs = await unpackAll('user');
    // A private mount namespace: the mount goes away with the process, nothing to unmount.
    const script = `mount -t overlay overlay -o userxattr,lowerdir=${lowerdirs.join(':')} "$1" && cd "$1" && ls -A . && echo -- && ls -A d`;
    const { stdout } = await execa('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script, 'sh', mnt]);
    expect(stdout.split('\n')).toEqual(['b', 'c', 'd', '--', 'y']);
  });
});
