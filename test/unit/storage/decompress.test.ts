// Compression sniffing and decoding: real gzip (zlib), real zstd (the zstd binary), plain tar.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompressStream, detectCompression } from '../../../storage/decompress.ts';
import { buildTar } from './tar-fixtures.ts';

const hasZstd = await execa('zstd', ['--version']).then(
  () => true,
  (e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  },
);
const zstdReason = 'zstd binary not installed (Debian package zstd): no way to make real zstd test data';
/** A test that needs real zstd data; skipped, with the reason in its title, without the binary. */
const itZstd = (title: string, fn: () => Promise<void>): void => {
  if (hasZstd) it(title, fn);
  else it.skip(`${title} [skipped: ${zstdReason}]`, fn);
};

async function zstd(data: Buffer, args: string[] = []): Promise<Buffer> {
  const { stdout } = await execa('zstd', ['-c', '-q', ...args], { input: data, encoding: 'buffer' });
  return Buffer.from(stdout);
}

/** Runs `input` through decompressStream(), written `chunkSize` bytes at a time, except the first
 *  `singleBytes` bytes, written one by one. */
async function decompress(input: Buffer, chunkSize = 64 * 1024, singleBytes = 0): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < Math.min(singleBytes, input.length); i++) chunks.push(input.subarray(i, i + 1));
  for (let i = singleBytes; i < input.length; i += chunkSize) chunks.push(input.subarray(i, i + chunkSize));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    decompressStream({ digest: `sha256:${'ab'.repeat(32)}` }),
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

const tar = await buildTar([
  { name: 'a', body: 'hello' },
  { name: 'big', body: randomBytes(300_000).toString('hex') },
]);

describe('detectCompression', () => {
  it.each([
    ['gzip', [0x1f, 0x8b, 0x08, 0x00], 'gzip'],
    ['zstd frame', [0x28, 0xb5, 0x2f, 0xfd], 'zstd'],
    ['zstd skippable frame', [0x5e, 0x2a, 0x4d, 0x18], 'zstd'],
    ['tar', [0x61, 0x2f, 0x00, 0x00], 'none'],
    ['almost zstd', [0x28, 0xb5, 0x2f, 0x00], 'none'],
  ] as const)('%s', (_what, head, expected) => {
    expect(detectCompression(Uint8Array.from(head))).toBe(expected);
  });

  it('waits for more bytes on a prefix of a magic, and decides at the end of input', () => {
    expect(detectCompression(Uint8Array.from([0x1f]))).toBeUndefined();
    expect(detectCompression(Uint8Array.from([0x28, 0xb5]))).toBeUndefined();
    expect(detectCompression(new Uint8Array(0))).toBeUndefined();
    expect(detectCompression(Uint8Array.from([0x1f]), true)).toBe('none');
    expect(detectCompression(new Uint8Array(0), true)).toBe('none');
  });
});

describe('decompressStream', () => {
  it('passes an uncompressed tar through unchanged', async () => {
    expect((await decompress(tar)).equals(tar)).toBe(true);
  });

  it('gunzips gzip, including concatenated members', async () => {
    expect((await decompress(gzipSync(tar))).equals(tar)).toBe(true);
    const twice = Buffer.concat([gzipSync(tar.subarray(0, 1000)), gzipSync(tar.subarray(1000))]);
    expect((await decompress(twice)).equals(tar)).toBe(true);
  });

  itZstd('decodes zstd', async () => {
    expect((await decompress(await zstd(tar))).equals(tar)).toBe(true);
    expect((await decompress(await zstd(tar, ['-19']), 1000)).equals(tar)).toBe(true);
  });

  it('sniffs magic split across one-byte writes', async () => {
    expect((await decompress(gzipSync(tar), 1000, 10)).equals(tar)).toBe(true);
    expect((await decompress(tar, 1000, 10)).equals(tar)).toBe(true);
    if (hasZstd) expect((await decompress(await zstd(tar), 1000, 10)).equals(tar)).toBe(true);
  });

  it('turns empty and tiny inputs into themselves', async () => {
    expect((await decompress(Buffer.alloc(0))).length).toBe(0);
    expect((await decompress(Buffer.from([0x1f]))).equals(Buffer.from([0x1f]))).toBe(true);
  });

  it('fails corrupt gzip with LAYER_INVALID naming the layer', async () => {
    const gz = gzipSync(tar);
    gz.fill(0x55, 20, 60);
    await expect(decompress(gz)).rejects.toMatchObject({
      code: 'LAYER_INVALID',
      message: expect.stringMatching(/^layer sha256:(ab){32}: gzip decompression failed: /) as unknown,
    });
  });

  it('fails truncated gzip with LAYER_INVALID', async () => {
    const gz = gzipSync(tar);
    await expect(decompress(gz.subarray(0, gz.length - 100))).rejects.toMatchObject({ code: 'LAYER_INVALID' });
  });

  itZstd('fails truncated and corrupt zstd with LAYER_INVALID', async () => {
    const zst = await zstd(tar);
    await expect(decompress(zst.subarray(0, zst.length - 100))).rejects.toMatchObject({
      code: 'LAYER_INVALID',
      message: expect.stringMatching(/zstd decompression failed: /) as unknown,
    });
    const corrupt = Buffer.from(zst);
    corrupt.fill(0xff, 4, 14);
    await expect(decompress(corrupt)).rejects.toMatchObject({ code: 'LAYER_INVALID' });
  });
});
