// removeTree (native/tsengine_native.c through storage/native.ts), which rm uses on a container's
// directories: everything below goes, symlinks are removed and never followed, a mount point inside stops it
// with EXDEV before the mounted file system is touched (a real tmpfs mount), and very deep trees still go.
import { execa } from 'execa';
import { chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mknod, removeTree } from '../../../storage/native.ts';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tse-remove-tree-'));
});

afterEach(async () => {
  await execa('umount', ['-R', join(dir, 'tree', 'mnt')], { reject: false });
  rmSync(dir, { recursive: true, force: true });
});

describe('removeTree', () => {
  it('removes files, nested and unreadable directories, fifos and symlinks, and nothing a symlink points at', () => {
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep'), 'kept');
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'upper', 'etc', 'deep', 'er'), { recursive: true });
    writeFileSync(join(tree, 'upper', 'etc', 'hosts'), 'x');
    writeFileSync(join(tree, 'upper', 'etc', 'deep', 'er', 'f'), 'y');
    mkdirSync(join(tree, 'work', 'work'), { recursive: true });
    chmodSync(join(tree, 'work', 'work'), 0o000); // as overlayfs leaves its work dir
    mknod(join(tree, 'fifo'), constants.S_IFIFO | 0o600, 0, 0);
    mknod(join(tree, 'whiteout'), constants.S_IFCHR, 0, 0); // an overlay whiteout in an upper dir
    symlinkSync(outside, join(tree, 'link-to-dir'));
    symlinkSync(join(outside, 'keep'), join(tree, 'link-to-file'));
    removeTree(tree);
    expect(existsSync(tree)).toBe(false);
    expect(readFileSync(join(outside, 'keep'), 'utf8')).toBe('kept');
  });

  it('is no error for a missing path, and removes a plain file', () => {
    removeTree(join(dir, 'nothing-here'));
    writeFileSync(join(dir, 'file'), 'x');
    removeTree(join(dir, 'file'));
    expect(existsSync(join(dir, 'file'))).toBe(false);
  });

  it('stops at a mount point inside (EXDEV) and leaves the mounted file system alone', async () => {
    const tree = join(dir, 'tree');
    const mnt = join(tree, 'mnt');
    mkdirSync(mnt, { recursive: true });
    await execa('mount', ['-t', 'tmpfs', 'tmpfs', mnt]);
    writeFileSync(join(mnt, 'precious'), 'data');
    expect(() => removeTree(tree)).toThrow(expect.objectContaining({ code: 'EXDEV', path: tree }));
    expect(readFileSync(join(mnt, 'precious'), 'utf8')).toBe('data');
  });

  it('finishes trees deeper than its own limit (256 levels)', () => {
    const tree = join(dir, 'tree');
    let p = tree;
    for (let i = 0; i < 300; i++) p = join(p, 'd');
    mkdirSync(p, { recursive: true });
    writeFileSync(join(p, 'f'), 'x');
    removeTree(tree);
    expect(existsSync(tree)).toBe(false);
  });
});
