// unpackLayer as root against a real filesystem: every entry type and its metadata read back from disk,
// whiteouts and opaque dirs in overlay's encoding, hostile tars refused with nothing written outside,
// and real published layers compared with what GNU tar extracts from them.
import { execa } from 'execa';
import {
  chmodSync, chownSync, createReadStream, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, pipeline, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decompressStream } from '../../../storage/decompress.ts';
import { lgetxattr, llistxattr } from '../../../storage/native.ts';
import { unpackLayer, type UnpackResult } from '../../../storage/unpack.ts';
import { buildTar, MTIME, paxEntry, retypePaxEntries, type TarEntry } from '../../unit/storage/tar-fixtures.ts';

const FIXTURES = resolve(process.env['TSENGINE_FIXTURES'] ?? '../shared/fixtures');
const T = MTIME.getTime();

let base: string;
let target: string;
let outside: string;

beforeEach((ctx) => {
  base = mkdtempSync(join(tmpdir(), `tse-unpack-${ctx.task.name.replace(/[^a-zA-Z0-9]+/g, '-').slice(0, 30)}-`));
  target = join(base, 'target');
  outside = join(base, 'outside');
  mkdirSync(target);
  mkdirSync(outside);
  writeFileSync(join(outside, 'sentinel'), 'untouched');
});

afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

async function unpack(entries: readonly TarEntry[], o: { xattrNamespace?: 'trusted' | 'user' } = {}): Promise<UnpackResult> {
  const tar = retypePaxEntries(await buildTar(entries));
  return unpackLayer(Readable.from([tar]), target, { xattrNamespace: o.xattrNamespace ?? 'trusted' });
}

const at = (p: string): string => join(target, p);
const seconds = (ms: number): Date => new Date(ms);

describe('unpackLayer: entries and metadata', () => {
  it('extracts every entry type with owners, modes, times and xattrs', async () => {
    const capability = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const result = await unpack([
      { name: './', type: 'directory', mode: 0o755, mtime: seconds(T - 1000_000) },
      { name: 'd/', type: 'directory', mode: 0o2750, uid: 1000, gid: 1001, mtime: seconds(T - 2000_000), pax: { 'SCHILY.xattr.trusted.dirnote': 'dn' } },
      paxEntry([
        ['SCHILY.xattr.security.capability', capability],
        ['SCHILY.xattr.user.note', 'hello'],
        ['SCHILY.xattr.trusted.overlay.redirect', '/elsewhere'],
        ['mtime', '1700000123.5'],
      ]),
      { name: 'd/file', body: 'content', mode: 0o4755, uid: 1000, gid: 1001 },
      { name: 'd/empty', body: '', mode: 0o600, uid: 7, gid: 8 },
      { name: 'd/link', type: 'symlink', linkname: 'file', uid: 1002, gid: 1003, mtime: seconds(T - 3000_000) },
      { name: 'd/hard', type: 'link', linkname: 'd/file' },
      { name: 'ro/', type: 'directory', mode: 0o555 },
      { name: 'ro/child', body: 'in a read-only dir' },
      { name: 'tmp/', type: 'directory', mode: 0o1777 },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/loop9', type: 'block-device', devmajor: 7, devminor: 9, mode: 0o660, gid: 6 },
      { name: 'fifo', type: 'fifo', mode: 0o640, uid: 5 },
      { name: 'implicit/parent/file', body: 'x' },
    ]);

    expect(result).toEqual({ files: 13, bytes: 'content'.length + 'in a read-only dir'.length + 1 });

    const root = lstatSync(target);
    expect([root.mode & 0o7777, root.mtimeMs]).toEqual([0o755, T - 1000_000]);

    const d = lstatSync(at('d'));
    expect(d.isDirectory()).toBe(true);
    expect([d.mode & 0o7777, d.uid, d.gid, d.mtimeMs]).toEqual([0o2750, 1000, 1001, T - 2000_000]); // children did not touch mtime
    expect(lgetxattr(at('d'), 'trusted.dirnote')).toEqual(Buffer.from('dn'));

    const file = lstatSync(at('d/file'));
    expect(file.isFile()).toBe(true);
    expect([file.mode & 0o7777, file.uid, file.gid, file.mtimeMs, file.nlink]).toEqual([0o4755, 1000, 1001, 1700000123500, 2]);
    expect(readFileSync(at('d/file'), 'utf8')).toBe('content');
    expect(lgetxattr(at('d/file'), 'security.capability')).toEqual(capability);
    expect(lgetxattr(at('d/file'), 'user.note')).toEqual(Buffer.from('hello'));
    expect(llistxattr(at('d/file'))).not.toContain('trusted.overlay.redirect'); // overlay's xattrs are not a layer's to set

    const empty = lstatSync(at('d/empty'));
    expect([empty.size, empty.mode & 0o7777, empty.uid, empty.gid, empty.mtimeMs]).toEqual([0, 0o600, 7, 8, T]);

    const link = lstatSync(at('d/link'));
    expect(link.isSymbolicLink()).toBe(true);
    expect([readlinkSync(at('d/link')), link.uid, link.gid, link.mtimeMs]).toEqual(['file', 1002, 1003, T - 3000_000]);

    expect(lstatSync(at('d/hard')).ino).toBe(file.ino);

    const ro = lstatSync(at('ro'));
    expect([ro.mode & 0o7777, ro.mtimeMs]).toEqual([0o555, T]);
    expect(readFileSync(at('ro/child'), 'utf8')).toBe('in a read-only dir');
    expect(lstatSync(at('tmp')).mode & 0o7777).toBe(0o1777);

    const nul = lstatSync(at('dev/null'));
    expect([nul.isCharacterDevice(), nul.rdev, nul.mode & 0o7777, nul.mtimeMs]).toEqual([true, 0x103, 0o666, T]);
    const loop = lstatSync(at('dev/loop9'));
    expect([loop.isBlockDevice(), loop.rdev, loop.mode & 0o7777, loop.gid]).toEqual([true, 0x709, 0o660, 6]);
    const fifo = lstatSync(at('fifo'));
    expect([fifo.isFIFO(), fifo.mode & 0o7777, fifo.uid, fifo.mtimeMs]).toEqual([true, 0o640, 5, T]);

    expect(lstatSync(at('implicit')).mode & 0o7777).toBe(0o755);
    expect(lstatSync(at('implicit/parent')).mode & 0o7777).toBe(0o755);
  });

  it('sets the group a setgid target directory would otherwise impose', async () => {
    chownSync(target, 0, 1234);
    chmodSync(target, 0o2755);
    await unpack([
      { name: 'f', body: 'x', uid: 0, gid: 0 },
      { name: 'd/', type: 'directory', uid: 0, gid: 0 },
      { name: 'l', type: 'symlink', linkname: 'f', uid: 0, gid: 0 },
    ]);
    expect(['f', 'd', 'l'].map((p) => lstatSync(at(p)).gid)).toEqual([0, 0, 0]);
  });

  it('skips an xattr the kernel refuses (user.* on a symlink) instead of failing the layer', async () => {
    await unpack([
      { name: 'l', type: 'symlink', linkname: 't', pax: { 'SCHILY.xattr.user.refused': 'x', 'SCHILY.xattr.trusted.kept': 'k' } },
    ]);
    expect(llistxattr(at('l'))).toEqual(['trusted.kept']);
  });

  it('lets a later entry replace an earlier one, and merges two directory entries', async () => {
    await unpack([
      { name: 'f', body: 'first' },
      { name: 'f', body: 'second', mode: 0o600 },
      { name: 'dir-then-file/', type: 'directory' },
      { name: 'dir-then-file/child', body: 'x' },
      { name: 'dir-then-file', body: 'now a file' },
      { name: 'file-then-dir', body: 'x' },
      { name: 'file-then-dir/', type: 'directory', mode: 0o700 },
      { name: 'file-then-dir/child', body: 'y' },
      { name: 'twice/', type: 'directory', mode: 0o700, uid: 1 },
      { name: 'twice/kept', body: 'z' },
      { name: 'twice/', type: 'directory', mode: 0o750, uid: 2, mtime: seconds(T - 5000) },
      { name: 'link-then-file', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'link-then-file', body: 'plain' },
    ]);
    expect(readFileSync(at('f'), 'utf8')).toBe('second');
    expect(lstatSync(at('f')).mode & 0o777).toBe(0o600);
    expect(readFileSync(at('dir-then-file'), 'utf8')).toBe('now a file');
    expect(readFileSync(at('file-then-dir/child'), 'utf8')).toBe('y');
    const twice = lstatSync(at('twice'));
    expect([twice.mode & 0o7777, twice.uid, twice.mtimeMs]).toEqual([0o750, 2, T - 5000]);
    expect(readFileSync(at('twice/kept'), 'utf8')).toBe('z');
    expect(lstatSync(at('link-then-file')).isFile()).toBe(true);
    expect(readFileSync('/etc/passwd', 'utf8')).not.toBe('plain');
  });

  it('makes whiteouts char devices 0:0; what the same layer puts at the name stays (layer.md)', async () => {
    await unpack([
      { name: '.wh.gone', body: '' },
      { name: 'd/', type: 'directory' },
      { name: 'd/early', body: 'kept: a whiteout applies to lower layers only' },
      { name: 'd/.wh.early', body: '' },
      { name: 'd/.wh.late', body: '' },
      { name: 'd/late', body: 'kept too' },
      { name: '.wh.sub2', body: '' },
      { name: 'sub2/.wh.deeper', body: '' }, // under a whiteout already: moot, skipped
      { name: 'nested/dir/.wh.f', body: '' }, // parents made as needed
    ]);
    for (const p of ['gone', 'sub2', 'nested/dir/f']) {
      const st = lstatSync(at(p));
      expect([p, st.isCharacterDevice(), st.rdev]).toEqual([p, true, 0]);
    }
    expect(readFileSync(at('d/early'), 'utf8')).toBe('kept: a whiteout applies to lower layers only');
    expect(readFileSync(at('d/late'), 'utf8')).toBe('kept too');
    expect(readdirSync(target).sort()).toEqual(['d', 'gone', 'nested', 'sub2']);
  });

  it('marks opaque directories with trusted.overlay.opaque, or user.overlay.opaque', async () => {
    await unpack([
      { name: 'o/', type: 'directory' },
      { name: 'o/.wh..wh..opq', body: '' },
      { name: 'o/kept', body: 'k' },
      { name: 'implicit/.wh..wh..opq', body: '' },
      { name: '.wh..wh.plnk/', type: 'directory' },
      { name: '.wh..wh.plnk/123.456', body: 'aufs' },
      { name: '.wh..wh.aufs', body: '' },
    ]);
    expect(lgetxattr(at('o'), 'trusted.overlay.opaque')).toEqual(Buffer.from('y'));
    expect(lgetxattr(at('implicit'), 'trusted.overlay.opaque')).toEqual(Buffer.from('y'));
    expect(readdirSync(at('o'))).toEqual(['kept']);
    expect(readdirSync(target).sort()).toEqual(['implicit', 'o']); // aufs metadata skipped

    rmSync(target, { recursive: true });
    mkdirSync(target);
    await unpack([{ name: 'o/.wh..wh..opq', body: '' }], { xattrNamespace: 'user' });
    expect(lgetxattr(at('o'), 'user.overlay.opaque')).toEqual(Buffer.from('y'));
    expect(lgetxattr(at('o'), 'trusted.overlay.opaque')).toBeUndefined();
  });

  it('turns a whiteout then content at the same path into an opaque directory', async () => {
    await unpack([
      { name: '.wh.d', body: '' },
      { name: 'd/new', body: 'n' },
      { name: '.wh.e', body: '' },
      { name: 'e/', type: 'directory' },
    ]);
    for (const p of ['d', 'e']) {
      expect(lstatSync(at(p)).isDirectory()).toBe(true);
      expect(lgetxattr(at(p), 'trusted.overlay.opaque')).toEqual(Buffer.from('y'));
    }
    expect(readdirSync(at('d'))).toEqual(['new']);
  });
});

describe('unpackLayer: hostile tars', () => {
  /** Everything outside the target: its parent's listing, the sentinel file, /etc/passwd's link count. */
  function outsideState(): unknown {
    const passwd = statSync('/etc/passwd');
    return {
      base: readdirSync(base).sort(),
      outside: readdirSync(outside).sort(),
      sentinel: readFileSync(join(outside, 'sentinel'), 'utf8'),
      sentinelLinks: statSync(join(outside, 'sentinel')).nlink,
      passwd: [passwd.nlink, passwd.size, passwd.mtimeMs],
    };
  }

  const cases: [string, () => TarEntry[], RegExp][] = [
    ['an absolute name', () => [{ name: join(outside, 'pwned'), body: 'x' }], /absolute name/],
    ['../x', () => [{ name: '../outside/pwned', body: 'x' }], /".." in name/],
    ['a/../../x', () => [{ name: 'a/', type: 'directory' }, { name: 'a/../../outside/pwned', body: 'x' }], /".." in name/],
    ['symlink to an absolute dir, then a write through it', () => [
      { name: 'a', type: 'symlink', linkname: outside },
      { name: 'a/sentinel', body: 'pwned' },
    ], /parent "a" is a symlink/],
    ['symlink to .., then a write through it', () => [
      { name: 'a', type: 'symlink', linkname: '..' },
      { name: 'a/outside/sentinel', body: 'pwned' },
    ], /parent "a" is a symlink/],
    ['a deeper symlink, then a write through it', () => [
      { name: 'd/l', type: 'symlink', linkname: '../../outside' },
      { name: 'd/l/pwned', body: 'x' },
    ], /parent "d\/l" is a symlink/],
    ['a directory replaced by a symlink, then a write below it', () => [
      { name: 'd/', type: 'directory' },
      { name: 'd/x', body: 'x' },
      { name: 'd', type: 'symlink', linkname: outside },
      { name: 'd/pwned', body: 'x' },
    ], /parent "d" is a symlink/],
    ['a whiteout through a symlink', () => [
      { name: 'l', type: 'symlink', linkname: outside },
      { name: 'l/.wh.sentinel', body: '' },
    ], /parent "l" is a symlink/],
    ['an opaque marker through a symlink', () => [
      { name: 'l', type: 'symlink', linkname: outside },
      { name: 'l/.wh..wh..opq', body: '' },
    ], /parent "l" is a symlink/],
    ['a hard link to /etc/passwd', () => [{ name: 'h', type: 'link', linkname: '/etc/passwd' }], /absolute hard link target/],
    ['a hard link to ../outside/sentinel', () => [{ name: 'h', type: 'link', linkname: '../outside/sentinel' }], /".." in hard link target/],
    ['a hard link through a symlink', () => [
      { name: 's', type: 'symlink', linkname: outside },
      { name: 'h', type: 'link', linkname: 's/sentinel' },
    ], /hard link target "s\/sentinel" is reached through symlink "s"/],
    ['a hard link to a missing target', () => [{ name: 'h', type: 'link', linkname: 'nothere' }], /hard link target "nothere" is not in this layer/],
    ['a hard link to a directory', () => [{ name: 'd/', type: 'directory' }, { name: 'h', type: 'link', linkname: 'd' }], /hard link to directory/],
  ];

  it.each(cases)('refuses %s with LAYER_INVALID and writes nothing outside', async (_what, entries, message) => {
    const before = outsideState();
    const tar = new PassThrough();
    tar.end(await buildTar(entries()));
    const error = await unpackLayer(tar, target, { xattrNamespace: 'trusted' }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'LAYER_INVALID', message: expect.stringMatching(message) as unknown });
    expect((error as Error).message).not.toContain('\n');
    expect(outsideState()).toEqual(before);
    expect(tar.destroyed).toBe(true);
  });

  it('allows a hard link to a symlink: it links the symlink, not its target', async () => {
    await unpack([
      { name: 's', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'h', type: 'link', linkname: 's' },
    ]);
    expect(lstatSync(at('h')).isSymbolicLink()).toBe(true);
    expect(lstatSync(at('h')).ino).toBe(lstatSync(at('s')).ino);
  });
});

describe('unpackLayer: the stream', () => {
  it('rejects with the signal reason on abort and destroys the input', async () => {
    const tar = new PassThrough();
    tar.write((await buildTar([{ name: 'a', body: 'x'.repeat(10_000) }])).subarray(0, 2048)); // then stalls
    const controller = new AbortController();
    const result = unpackLayer(tar, target, { xattrNamespace: 'trusted', signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop here')), 20);
    await expect(result).rejects.toThrow('stop here');
    expect(tar.destroyed).toBe(true);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const signal = AbortSignal.abort(new Error('too late'));
    await expect(unpackLayer(Readable.from([]), target, { xattrNamespace: 'trusted', signal })).rejects.toThrow('too late');
  });

  it('passes on an input stream error', async () => {
    const tar = new Readable({ read() { this.destroy(new Error('network gone')); } });
    await expect(unpackLayer(tar, target, { xattrNamespace: 'trusted' })).rejects.toThrow('network gone');
  });

  it('rejects a truncated tar with LAYER_INVALID', async () => {
    const tar = await buildTar([{ name: 'a', body: 'x'.repeat(2000) }]);
    await expect(unpackLayer(Readable.from([tar.subarray(0, 1500)]), target, { xattrNamespace: 'trusted' }))
      .rejects.toMatchObject({ code: 'LAYER_INVALID', message: expect.stringMatching(/truncated/) as unknown });
  });

  it('refuses a target directory that is not empty', async () => {
    writeFileSync(at('stray'), '');
    await expect(unpackLayer(Readable.from([]), target, { xattrNamespace: 'trusted' })).rejects.toThrow(/not empty/);
  });
});

describe('unpackLayer: real published layers, compared with GNU tar', () => {
  /** path → type, mode, owner, mtime, size, link count, device, link target, xattrs: all we must keep. */
  function snapshot(root: string): string[] {
    const lines: string[] = [];
    const walk = (rel: string): void => {
      const abs = rel === '' ? root : join(root, rel);
      const st = lstatSync(abs, { bigint: true });
      const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : st.isCharacterDevice() ? 'c' : 'o';
      const xattrs = llistxattr(abs).sort().map((n) => `${n}=${lgetxattr(abs, n)!.toString('hex')}`);
      lines.push([rel || '.', type, (st.mode & 0o7777n).toString(8), st.uid, st.gid, st.mtimeNs, type === 'd' ? '-' : st.size,
        st.nlink, st.rdev, type === 'l' ? readlinkSync(abs) : '', ...xattrs].join(' '));
      if (type === 'd') for (const name of readdirSync(abs).sort()) walk(rel === '' ? name : `${rel}/${name}`);
    };
    walk('');
    return lines;
  }

  it.each([
    ['busybox 1.38.0-musl amd64 (404 hard links)', 'oci/busybox-1.38.0-musl/amd64/blobs/sha256/5c3b447848a98e48dce106cb3e6acbd4fb6f9b26ee778798137349ce01f4d3c1'],
    ['alpine 3.20.3 minirootfs x86_64 (symlinks, sticky /tmp)', 'rootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz'],
  ])('%s', async (_what, blob) => {
    const gnu = join(base, 'gnu');
    mkdirSync(gnu);
    await execa('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-xpzf', join(FIXTURES, blob), '-C', gnu]);
    let tar!: Readable;
    const streamDone = new Promise<Error | null | undefined>((resolve) => {
      tar = pipeline(createReadStream(join(FIXTURES, blob)), decompressStream(), resolve);
    });
    const result = await unpackLayer(tar, target, { xattrNamespace: 'trusted' });
    expect(await streamDone).toBeFalsy();
    expect(result.files).toBeGreaterThan(100);
    expect(snapshot(target)).toEqual(snapshot(gnu));
  });
});
