/**
 * A container's root filesystem: an overlay mount of the image's layers (lowerdirs, top layer first) under
 * a per-container upper and work dir. Mounted with mount(2)/umount2(2) through our addon (storage/native.ts):
 * spawning mount(8)/umount(8) from node cost ~10 ms of every `run` each, which is its whole budget.
 *
 * The kernel copies mount options into one page and silently cuts them at 4095 bytes — the mount then
 * succeeds with the wrong layers (DESIGN.md §5). So lowerdirs are given relative to the layers directory
 * (the mount runs there, on a thread of its own) and the length is checked, never cut.
 */
import * as native from './native.ts';
import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { isErrno, StorageError } from './errors.ts';

const MAX_OPTIONS = 4095;

export interface OverlayMount {
  /** Absolute layer paths, base layer first (image order). */
  readonly layers: readonly string[];
  /** Directory the layer paths are under (the mount runs there so lowerdirs can be relative). */
  readonly layersDir: string;
  readonly upper: string;
  readonly work: string;
  readonly target: string;
  /** 'user' in a user namespace (overlay's userxattr); default trusted. */
  readonly xattrNamespace?: 'trusted' | 'user';
}

/** The overlay option string, or a STORE_CORRUPT-free refusal when it would not fit in a page. Pure. */
export function overlayOptions(m: OverlayMount): string {
  const lower = [...m.layers].reverse().map((l) => relative(m.layersDir, l));
  const opts = [`lowerdir=${lower.join(':')}`, `upperdir=${m.upper}`, `workdir=${m.work}`];
  if (m.xattrNamespace === 'user') opts.push('userxattr');
  const text = opts.join(',');
  if (Buffer.byteLength(text) > MAX_OPTIONS) {
    throw new StorageError('LAYER_INVALID', `image has too many layers (${m.layers.length}) for one overlay mount: the options take ${Buffer.byteLength(text)} bytes, the kernel takes ${MAX_OPTIONS}`);
  }
  return text;
}

export async function mountOverlay(m: OverlayMount): Promise<void> {
  if (m.layers.length === 0) throw new StorageError('LAYER_INVALID', 'an image with no layers cannot be mounted');
  // overlay needs at least one lowerdir; a single-layer image with an upper dir is fine.
  const options = overlayOptions(m);
  try {
    native.mountOverlay(m.layersDir, options, m.target);
  } catch (e) {
    // The kernel says why only in dmesg; errno is what we have (EINVAL: bad options or lowerdir, ENOENT, EPERM).
    if (!isErrno(e)) throw e;
    throw new StorageError('STORE_CORRUPT', `mounting the container's root filesystem at ${m.target}: ${e.message}`, { cause: e });
  }
}

/** Unmounts `target` if it is a mount point; lazily when busy. */
export async function unmount(target: string): Promise<void> {
  if (!isMountPoint(target)) return;
  try {
    native.umount(target);
    return;
  } catch (e) {
    // EBUSY: something still uses it (a process that escaped the container). EINVAL: unmounted meanwhile.
    if (!isErrno(e, 'EBUSY') && !isErrno(e, 'EINVAL')) throw e;
    if (!isMountPoint(target)) return;
  }
  try {
    native.umount(target, true);
  } catch (e) {
    if (!isErrno(e)) throw e;
    if (isMountPoint(target)) throw new StorageError('STORE_CORRUPT', `unmounting ${target}: ${e.message}`, { cause: e });
  }
}

/**
 * Whether `path` is a mount point in this mount namespace (read from /proc/self/mountinfo, which names
 * mount points by their real path: a store reached through a symlink is resolved first). Only the parent
 * is resolved: stat on the mount itself would hang or fail (ENOTCONN) on a FUSE mount whose daemon died.
 */
export function isMountPoint(path: string): boolean {
  const real = join(realParent(dirname(path)), basename(path));
  const info = readFileSync('/proc/self/mountinfo', 'utf8');
  for (const line of info.split('\n')) {
    const mountPoint = line.split(' ')[4];
    if (mountPoint === undefined) continue;
    const p = unescapeMountinfo(mountPoint);
    if (p === path || p === real) return true;
  }
  return false;
}

function realParent(dir: string): string {
  try {
    return realpathSync(dir);
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return dir; // nothing there: nothing mounted there either
    throw e;
  }
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040 …). */
function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}
