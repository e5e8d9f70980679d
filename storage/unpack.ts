/**
 * Layer tar → a directory usable as an overlayfs lowerdir (image-spec layer.md, DESIGN.md §5):
 * whiteouts become char devices 0:0, opaque markers become `<ns>.overlay.opaque=y`, owners, modes,
 * times, xattrs and device nodes are kept, and nothing is ever written outside the directory.
 *
 * Synchronous fs calls, one chunk at a time. Measured on this machine kind with 30k small files, sync
 * calls ran 1.5× (ext4) to 4× (tmpfs) faster than the same calls through libuv's thread pool, even
 * with six layers extracted concurrently. A chunk (16–64 KiB of tar) takes a millisecond or two to
 * apply, and the event loop gets a turn between chunks, so concurrent downloads keep flowing.
 *
 * Parts: unpack-tar.ts (tar reader), unpack-paths.ts (name rules), unpack-writer.ts (filesystem side).
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { TarReader } from './unpack-tar.ts';
import { LayerWriter, type XattrNamespace } from './unpack-writer.ts';

export type { XattrNamespace } from './unpack-writer.ts';

export interface UnpackOptions {
  /** 'trusted' as real root; 'user' in a user namespace (overlay mounted with `userxattr`). */
  xattrNamespace: XattrNamespace;
  signal?: AbortSignal;
}

export interface UnpackResult {
  /** Entries applied: files, directories, links, devices, whiteouts and opaque markers. */
  files: number;
  /** Sum of the regular files' content sizes. */
  bytes: number;
}

/**
 * Extracts an uncompressed layer tar into `dir`, which must exist and be empty. Reads `tar` to its end
 * (so a digest check upstream completes) and rejects with StorageError('LAYER_INVALID') on a malformed
 * or unsafe entry, with `signal.reason` on abort. On any failure `tar` is destroyed and `dir` is left
 * as it is: the caller removes it.
 */
export async function unpackLayer(tar: Readable, dir: string, o: UnpackOptions): Promise<UnpackResult> {
  const { signal } = o;
  signal?.throwIfAborted();
  const root = resolve(dir);
  // The writer's safety model assumes it knows every path in `root`: an empty start.
  if (readdirSync(root).length > 0) throw new Error(`unpackLayer: target directory is not empty: ${root}`);

  const writer = new LayerWriter(root, o.xattrNamespace);
  const reader = new TarReader(writer);
  const onAbort = (): void => {
    tar.destroy(signal?.reason as Error);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of tar as AsyncIterable<Uint8Array>) {
      reader.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      signal?.throwIfAborted();
    }
    reader.end();
    writer.finish();
    return { files: writer.files, bytes: writer.bytes };
  } catch (e) {
    writer.close();
    tar.destroy();
    if (signal?.aborted) throw signal.reason;
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
