/**
 * Glossary (one word per concept, everywhere):
 * - digest:  `sha256:<64 hex>` of a stored or fetched blob (manifest, config, compressed layer).
 * - diffID:  digest of an uncompressed layer tar; what an image config's rootfs.diff_ids lists.
 * - chainID: identity of a layer stack (image-spec config.md); not needed for overlay lowerdirs.
 * - imageId: the hex of the image config's digest (64 hex, no prefix).
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { StorageError } from './errors.ts';

export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

/** Parses a digest from untrusted input (a manifest, a header); only sha256 is accepted. */
export function parseDigest(s: unknown, what = 'digest'): Digest {
  if (typeof s === 'string' && isDigest(s)) return s;
  throw new StorageError('STORE_CORRUPT', `invalid ${what}: ${JSON.stringify(s)}`);
}

export function digestHex(d: Digest): string {
  return d.slice('sha256:'.length);
}

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * A pass-through stream that hashes and counts what flows through it. When `expected` is given, the
 * stream fails at its end (before signalling 'finish'/'end') if the digest or the size differ, so a
 * consumer never sees a clean end of a bad blob.
 */
export class DigestingStream extends Transform {
  readonly #hash: Hash = createHash('sha256');
  readonly #expected: { digest?: Digest | undefined; size?: number | undefined; what: string };
  bytes = 0;
  #digest: Digest | undefined;

  constructor(expected: { digest?: Digest | undefined; size?: number | undefined; what?: string } = {}) {
    super();
    this.#expected = { ...expected, what: expected.what ?? 'blob' };
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    const { size, what } = this.#expected;
    if (size !== undefined && this.bytes > size) {
      cb(new StorageError('SIZE_MISMATCH', `${what}: more than the expected ${size} bytes`));
      return;
    }
    this.#hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.#digest = `sha256:${this.#hash.digest('hex')}`;
    const { digest, size, what } = this.#expected;
    if (size !== undefined && this.bytes !== size) {
      cb(new StorageError('SIZE_MISMATCH', `${what}: got ${this.bytes} bytes, expected ${size}`));
      return;
    }
    if (digest !== undefined && this.#digest !== digest) {
      cb(new StorageError('DIGEST_MISMATCH', `${what}: digest mismatch, got ${this.#digest}`));
      return;
    }
    cb();
  }

  /** The digest of everything that passed; only after the stream has flushed. */
  get digest(): Digest {
    if (this.#digest === undefined) throw new Error('unreachable: digest read before the stream ended');
    return this.#digest;
  }
}
