/**
 * Layer blob → uncompressed tar stream. The media type of a layer is a claim; the first bytes are the
 * fact, so we sniff them: gzip (1f 8b) → zlib, zstd (28 b5 2f fd, or a skippable frame) → fzstd (pure
 * JS: Node 20's zlib has no zstd), anything else passes through as an uncompressed tar.
 */
import { Duplex, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import type { Digest } from './digest.ts';
import { StorageError } from './errors.ts';

export type Compression = 'gzip' | 'zstd' | 'none';

/** The longest magic we look at: zstd's 4 bytes. */
const SNIFF_BYTES = 4;

/**
 * What `head` (the first bytes of a blob) says about its compression, or undefined when it is a prefix
 * of a magic and more bytes are needed to decide. Call again with `complete` at the end of the input.
 */
export function detectCompression(head: Uint8Array, complete = false): Compression | undefined {
  const magic = (bytes: readonly number[]): boolean | undefined => {
    const n = Math.min(head.length, bytes.length);
    for (let i = 0; i < n; i++) if (head[i] !== bytes[i]) return false;
    return n === bytes.length ? true : undefined;
  };
  const gzip = magic([0x1f, 0x8b]);
  if (gzip === true) return 'gzip';
  const zstd = magic([0x28, 0xb5, 0x2f, 0xfd]);
  if (zstd === true) return 'zstd';
  // zstd skippable frames: 0x184D2A50..0x184D2A5F, little-endian.
  const skippable = head.length === 0 ? undefined : (head[0]! & 0xf0) !== 0x50 ? false : magic([head[0]!, 0x2a, 0x4d, 0x18]);
  if (skippable === true) return 'zstd';
  if (!complete && (gzip === undefined || zstd === undefined || skippable === undefined)) return undefined;
  return 'none';
}

export interface DecompressOptions {
  /** The layer's digest, for error messages. */
  digest?: Digest;
}

/**
 * A duplex: write a layer blob (compressed or not), read the uncompressed tar. Corrupt or truncated
 * compressed data fails the stream with StorageError('LAYER_INVALID', 'layer sha256:…: gzip
 * decompression failed: …').
 */
export function decompressStream(o: DecompressOptions = {}): Duplex {
  return new DecompressStream(o.digest === undefined ? 'layer' : `layer ${o.digest}`);
}

/** zlib's 16 KiB default makes the tar reader run once per 16 KiB; larger chunks amortize that. */
const GUNZIP_CHUNK = 64 * 1024;

class DecompressStream extends Duplex {
  readonly #label: string;
  /** Bytes received while sniffing. */
  #head: Buffer[] = [];
  #compression: Compression | undefined;
  /** gzip or zstd; undefined while sniffing, and for an uncompressed blob. */
  #decoder: Transform | undefined;
  /** The write callback held back while our readable side is full (uncompressed blobs only). */
  #pendingWrite: (() => void) | undefined;

  constructor(label: string) {
    super();
    this.#label = label;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    if (this.#compression === undefined) {
      this.#head.push(chunk);
      const head = this.#head.length === 1 ? chunk : Buffer.concat(this.#head);
      this.#head = [head];
      if (!this.#decide(detectCompression(head.subarray(0, SNIFF_BYTES)))) {
        cb();
        return;
      }
      chunk = head;
      this.#head = [];
    }
    this.#feed(chunk, cb);
  }

  override _final(cb: (error?: Error | null) => void): void {
    if (this.#compression === undefined) {
      const head = Buffer.concat(this.#head);
      this.#head = [];
      this.#decide(detectCompression(head, true));
      if (head.length > 0) {
        this.#feed(head, () => this.#end(cb));
        return;
      }
    }
    this.#end(cb);
  }

  override _read(): void {
    const resume = this.#pendingWrite;
    this.#pendingWrite = undefined;
    resume?.();
    this.#decoder?.resume();
  }

  override _destroy(error: Error | null, cb: (error?: Error | null) => void): void {
    this.#decoder?.destroy();
    cb(error);
  }

  /** Sets up the decoder once the compression is known; false while still undecided. */
  #decide(compression: Compression | undefined): boolean {
    if (compression === undefined) return false;
    this.#compression = compression;
    if (compression === 'none') return true;
    const decoder: Transform = compression === 'gzip' ? createGunzip({ chunkSize: GUNZIP_CHUNK }) : new ZstdDecoder();
    decoder.on('data', (data: Buffer) => {
      if (!this.push(data)) decoder.pause();
    });
    decoder.on('error', (e: Error) => {
      this.destroy(new StorageError('LAYER_INVALID', `${this.#label}: ${compression} decompression failed: ${e.message}`, { cause: e }));
    });
    this.#decoder = decoder;
    return true;
  }

  #feed(chunk: Buffer, cb: () => void): void {
    const decoder = this.#decoder;
    if (decoder === undefined) {
      if (this.push(chunk)) cb();
      else this.#pendingWrite = cb;
      return;
    }
    if (decoder.write(chunk)) cb();
    else decoder.once('drain', cb);
  }

  #end(cb: () => void): void {
    const decoder = this.#decoder;
    if (decoder === undefined) {
      this.push(null);
      cb();
      return;
    }
    decoder.once('end', () => {
      this.push(null);
      cb();
    });
    decoder.end();
  }
}

/** fzstd's streaming decoder as a Transform. It decodes synchronously, on this thread. */
class ZstdDecoder extends Transform {
  readonly #zstd = new Decompress((data) => {
    if (data.length > 0) this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.#zstd.push(chunk);
    } catch (e) {
      cb(e as Error); // fzstd throws on corrupt input; the stream reports it
      return;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.#zstd.push(new Uint8Array(0), true);
    } catch (e) {
      cb(e as Error); // "unexpected EOF" on a truncated stream
      return;
    }
    cb();
  }
}
