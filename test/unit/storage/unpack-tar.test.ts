// The layer tar reader against archives written by tar-stream's pack() (and GNU tar for GNU long names).
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TarReader, type TarHeader } from '../../../storage/unpack-tar.ts';
import { buildTar, editHeaders, MTIME, paxEntry, retypePaxEntries } from './tar-fixtures.ts';

interface ReadEntry {
  header: TarHeader;
  body: string;
}

/** Reads `tar` fed in chunks of `chunkSize` bytes. */
function read(tar: Buffer, chunkSize = tar.length): ReadEntry[] {
  const entries: ReadEntry[] = [];
  let body: Buffer[] = [];
  const reader = new TarReader({
    entry: (header) => {
      body = [];
      entries.push({ header, body: '' });
    },
    data: (chunk) => body.push(Buffer.from(chunk)),
    entryEnd: () => {
      entries.at(-1)!.body = Buffer.concat(body).toString('latin1');
    },
  });
  for (let i = 0; i < tar.length; i += chunkSize) reader.push(tar.subarray(i, i + chunkSize));
  reader.end();
  return entries;
}

const T = MTIME.getTime() / 1000;

describe('TarReader', () => {
  it('reads every entry type with its metadata', async () => {
    const tar = await buildTar([
      { name: 'dir/', type: 'directory', mode: 0o1777, uid: 1, gid: 2 },
      { name: 'dir/file', body: 'content', mode: 0o4755, uid: 1000, gid: 1001 },
      { name: 'dir/empty', body: '' },
      { name: 'dir/sym', type: 'symlink', linkname: '../etc/target' },
      { name: 'dir/hard', type: 'link', linkname: 'dir/file' },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o660 },
      { name: 'fifo', type: 'fifo', mode: 0o600 },
    ]);
    const entries = read(tar);
    expect(entries.map((e) => [e.header.name, e.header.type, e.header.mode.toString(8), e.body])).toEqual([
      ['dir/', 'directory', '1777', ''],
      ['dir/file', 'file', '4755', 'content'],
      ['dir/empty', 'file', '644', ''],
      ['dir/sym', 'symlink', '644', ''],
      ['dir/hard', 'link', '644', ''],
      ['dev/null', 'char', '666', ''],
      ['dev/sda', 'block', '660', ''],
      ['fifo', 'fifo', '600', ''],
    ]);
    const [dir, file, , sym, hard, nul, sda] = entries.map((e) => e.header);
    expect(dir).toMatchObject({ uid: 1, gid: 2, mtime: T, size: 0 });
    expect(file).toMatchObject({ uid: 1000, gid: 1001, size: 7, mtime: T, atime: undefined, xattrs: undefined });
    expect(sym!.linkname).toBe('../etc/target');
    expect(hard!.linkname).toBe('dir/file');
    expect(nul).toMatchObject({ devmajor: 1, devminor: 3 });
    expect(sda).toMatchObject({ devmajor: 8, devminor: 0 });
  });

  it('gives the same entries whatever the chunking', async () => {
    const tar = await buildTar([
      { name: 'a', body: 'x'.repeat(1000) },
      { name: 'b', body: 'y'.repeat(513), pax: { 'SCHILY.xattr.user.k': 'v' } },
      { name: 'c/'.repeat(80) + 'long', body: 'z' },
    ]);
    const whole = read(tar);
    for (const size of [1, 7, 511, 512, 513, 4096]) expect(read(tar, size)).toEqual(whole);
  });

  it('applies PAX records: long path and link, size, times, xattrs', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
    const tar = await buildTar([
      { name: long, body: 'x', pax: { 'SCHILY.xattr.user.note': 'hi', mtime: '1700000000.25', atime: '1600000000.5' } },
      { name: 'l', type: 'symlink', linkname: `/${'t'.repeat(200)}` },
    ]);
    const [file, link] = read(tar).map((e) => e.header);
    expect(file!.name).toBe(long);
    expect(file!.mtime).toBe(1700000000.25);
    expect(file!.atime).toBe(1600000000.5);
    expect(file!.xattrs).toEqual(new Map([['user.note', Buffer.from('hi')]]));
    expect(link!.linkname).toBe(`/${'t'.repeat(200)}`);
  });

  it('keeps binary xattr values byte for byte', async () => {
    const capability = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0xff, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const tar = retypePaxEntries(await buildTar([
      paxEntry([['SCHILY.xattr.security.capability', capability], ['SCHILY.xattr.user.empty', Buffer.alloc(1, 0)]]),
      { name: 'ping', body: 'elf' },
    ]));
    const [ping] = read(tar);
    expect(ping!.header.name).toBe('ping');
    expect(ping!.header.xattrs!.get('security.capability')!.equals(capability)).toBe(true);
    expect(ping!.header.xattrs!.get('user.empty')!.equals(Buffer.alloc(1, 0))).toBe(true);
  });

  it('applies a global PAX header to every later entry', async () => {
    const tar = retypePaxEntries(await buildTar([
      paxEntry([['uid', '4242']], 'g'),
      { name: 'a', body: '1', uid: 1 },
      { name: 'b', body: '2', uid: 2 },
    ]));
    expect(read(tar).map((e) => [e.header.name, e.header.uid])).toEqual([['a', 4242], ['b', 4242]]);
  });

  it('reads GNU long names (GNU tar --format=gnu)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tse-unpack-tar-'));
    try {
      const long = `${'n'.repeat(150)}/${'m'.repeat(150)}`;
      mkdirSync(join(dir, 'src', 'n'.repeat(150)), { recursive: true });
      writeFileSync(join(dir, 'src', long), 'gnu');
      const { stdout } = await execa('tar', ['--format=gnu', '-C', join(dir, 'src'), '-cf', '-', long], { encoding: 'buffer' });
      const [entry] = read(Buffer.from(stdout));
      expect(entry!.header.name).toBe(long);
      expect(entry!.body).toBe('gnu');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads base-256 numbers', async () => {
    const tar = editHeaders(await buildTar([{ name: 'a', body: 'x', uid: 1 }]), (header) => {
      header.fill(0, 108, 116);
      header[108] = 0x80;
      header.writeUIntBE(3_000_000, 113, 3); // more than 7 octal digits can hold
    });
    expect(read(tar)[0]!.header.uid).toBe(3_000_000);
  });

  it('ignores what follows the end-of-archive marker and tolerates its absence', async () => {
    const tar = await buildTar([{ name: 'a', body: 'x' }]);
    expect(read(Buffer.concat([tar, Buffer.alloc(10240), Buffer.from('junk')])).length).toBe(1);
    expect(read(tar.subarray(0, 1024)).length).toBe(1);
  });

  it.each([
    ['truncated content', (t: Buffer) => t.subarray(0, 700), /truncated at byte 700/],
    ['truncated padding', (t: Buffer) => t.subarray(0, 1124), /truncated at byte 1124/],
    ['truncated header', (t: Buffer) => t.subarray(0, 1536 + 100), /truncated at byte 1636/],
    ['bad checksum', (t: Buffer) => { const c = Buffer.from(t); c[0] = 0x62; return c; }, /bad header checksum at byte 0/],
  ])('fails on %s with LAYER_INVALID', async (_what, corrupt, message) => {
    const tar = await buildTar([{ name: 'a', body: 'x'.repeat(600) }, { name: 'b', body: 'y' }]);
    expect(() => read(corrupt(tar))).toThrow(expect.objectContaining({ code: 'LAYER_INVALID', message: expect.stringMatching(message) }));
  });

  it('refuses unsupported entry types and sparse files', async () => {
    const tar = editHeaders(await buildTar([{ name: 'a', body: 'x' }]), (header) => {
      header.write('S', 156, 'latin1');
    });
    expect(() => read(tar)).toThrow(expect.objectContaining({ code: 'LAYER_INVALID', message: expect.stringMatching(/unsupported type flag "S"/) }));
    const gnuSparse = retypePaxEntries(await buildTar([paxEntry([['GNU.sparse.major', '1']]), { name: 'a', body: 'x' }]));
    expect(() => read(gnuSparse)).toThrow(/sparse files are not supported/);
  });
});
