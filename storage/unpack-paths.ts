/**
 * Pure rules for names in a layer tar: normalization with the traversal checks, and the whiteout
 * conventions of image-spec layer.md. The filesystem side (symlinks met on the way) is unpack-writer.ts.
 */
import { StorageError } from './errors.ts';

/** A layer entry we refuse to apply; `name` is the entry's name as stored in the tar. */
export function unsafeEntry(name: string, why: string): StorageError {
  return new StorageError('LAYER_INVALID', `unsafe layer entry ${JSON.stringify(name)}: ${why}`);
}

/**
 * The path of a tar entry relative to the layer root: `./a//b/` → `a/b`; the root itself is `''`.
 * Throws LAYER_INVALID for an absolute name, a `..` component or a NUL byte, rather than cleaning them
 * up: a layer that tries is hostile or broken, and either way must not be applied.
 */
export function entryPath(name: string, what = 'name'): string {
  if (name.includes('\0')) throw unsafeEntry(name, `NUL byte in ${what}`);
  if (name.startsWith('/')) throw unsafeEntry(name, `absolute ${what}`);
  const parts = name.split('/');
  let clean = true;
  for (const part of parts) {
    if (part === '..') throw unsafeEntry(name, `".." in ${what}`);
    if (part === '' || part === '.') clean = false;
  }
  return clean ? name : parts.filter((p) => p !== '' && p !== '.').join('/');
}

/** The parent of a normalized path; `''` (the layer root) for a top-level name. */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

const WHITEOUT = '.wh.';
const META_PREFIX = '.wh..wh.';
const OPAQUE = '.wh..wh..opq';

// image-spec layer.md: whiteouts.
export type WhiteoutAction =
  /** `.wh..wh..opq` in `dir`: hide everything lower layers have in `dir`. */
  | { kind: 'opaque'; dir: string }
  /** `.wh.NAME`: hide `path` (= dir/NAME) of lower layers. */
  | { kind: 'whiteout'; path: string }
  /** Other `.wh..wh.*` names (aufs metadata such as `.wh..wh.plnk/`) and what lies under them: skipped. */
  | { kind: 'skip' };

/** What a normalized entry path means as a whiteout, or undefined for an ordinary entry. */
export function whiteoutAction(path: string, name = path): WhiteoutAction | undefined {
  if (!path.includes(WHITEOUT)) return undefined; // hot path: most entries
  if (path.startsWith(META_PREFIX)) {
    return path === OPAQUE ? { kind: 'opaque', dir: '' } : { kind: 'skip' };
  }
  const dir = parentPath(path);
  const base = dir === '' ? path : path.slice(dir.length + 1);
  if (!base.startsWith(WHITEOUT)) return undefined;
  if (base === OPAQUE) return { kind: 'opaque', dir };
  if (base.startsWith(META_PREFIX)) return { kind: 'skip' };
  const hidden = base.slice(WHITEOUT.length);
  if (hidden === '' || hidden === '.' || hidden === '..') throw unsafeEntry(name, 'whiteout of nothing');
  return { kind: 'whiteout', path: dir === '' ? hidden : `${dir}/${hidden}` };
}
