// The N-API addon (native/tsengine_native.c) through storage/native.ts, as root on a real filesystem:
// each syscall's effect read back, and errors shaped like Node's fs errors.
import { constants, lstatSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lgetxattr, llistxattr, lsetxattr, mknod } from '../../../storage/native.ts';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tse-native-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('native addon', () => {
  it('mknod makes char devices, block devices and fifos', () => {
    mknod(join(dir, 'wh'), constants.S_IFCHR, 0, 0);
    mknod(join(dir, 'null'), constants.S_IFCHR | 0o666, 1, 3);
    mknod(join(dir, 'loop'), constants.S_IFBLK | 0o600, 7, 300);
    mknod(join(dir, 'fifo'), constants.S_IFIFO | 0o600, 0, 0);
    expect([lstatSync(join(dir, 'wh')).isCharacterDevice(), lstatSync(join(dir, 'wh')).rdev]).toEqual([true, 0]);
    expect(lstatSync(join(dir, 'null')).rdev).toBe(0x103);
    // glibc's makedev: minor's low 8 bits at 0, its next bits from bit 20.
    expect(lstatSync(join(dir, 'loop')).isBlockDevice()).toBe(true);
    expect(lstatSync(join(dir, 'loop')).rdev).toBe((7 << 8) | (300 & 0xff) | ((300 & ~0xff) << 12));
    expect(lstatSync(join(dir, 'fifo')).isFIFO()).toBe(true);
  });

  it('sets, gets and lists xattrs on the path itself, binary values intact', () => {
    const file = join(dir, 'f');
    const link = join(dir, 'l');
    writeFileSync(file, '');
    symlinkSync('f', link);
    const value = Buffer.from([0, 1, 0xff, 0x80, 0]);
    lsetxattr(file, 'user.bin', value);
    lsetxattr(file, 'user.empty', new Uint8Array(0));
    lsetxattr(link, 'trusted.onlink', Buffer.from('l'));
    expect(lgetxattr(file, 'user.bin')).toEqual(value);
    expect(lgetxattr(file, 'user.empty')).toEqual(Buffer.alloc(0));
    expect(lgetxattr(file, 'user.absent')).toBeUndefined();
    expect(llistxattr(file).sort()).toEqual(['user.bin', 'user.empty']);
    expect(llistxattr(link)).toEqual(['trusted.onlink']); // not followed to f
    expect(lgetxattr(file, 'trusted.onlink')).toBeUndefined();
  });

  it('throws errors shaped like Node fs errors', () => {
    const missing = join(dir, 'no', 'such');
    const cases: [() => unknown, string, string][] = [
      [() => mknod(missing, constants.S_IFCHR, 0, 0), 'ENOENT', 'mknod'],
      [() => mknod(dir, constants.S_IFCHR, 0, 0), 'EEXIST', 'mknod'],
      [() => lsetxattr(missing, 'user.x', Buffer.from('x')), 'ENOENT', 'lsetxattr'],
      [() => lgetxattr(missing, 'user.x'), 'ENOENT', 'lgetxattr'],
      [() => llistxattr(missing), 'ENOENT', 'llistxattr'],
    ];
    for (const [call, code, syscall] of cases) {
      expect(call).toThrow(expect.objectContaining({
        code,
        syscall,
        errno: code === 'ENOENT' ? -2 : -17,
        message: expect.stringMatching(new RegExp(`^${code}: .+, ${syscall} '`)) as unknown,
      }));
    }
  });

  it('refuses bad arguments with a TypeError instead of a syscall', () => {
    expect(() => lsetxattr(join(dir, 'x'), 'user.x', 'text' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => mknod(`${dir}/a\0b`, constants.S_IFIFO, 0, 0)).toThrow(/must not contain null bytes/);
  });
});
