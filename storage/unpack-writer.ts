/**
 * Applies tar entries to a layer directory, synchronously (the reason is in unpack.ts).
 *
 * Safety without an lstat per path component: the directory starts empty and nothing else writes to
 * it while we do, so `#nodes` knows every path that exists in it. Invariant: every path in `#nodes` has
 * all its ancestors in `#nodes` as 'dir' (real directories we made). So an entry whose parent is a
 * 'dir' node is safe after one Map lookup; a parent that is a symlink is refused; a missing parent is
 * created. Replacing a directory drops its whole subtree from `#nodes`, which keeps the invariant.
 * Files are still opened O_EXCL|O_NOFOLLOW, so a mistake here fails instead of writing through a link.
 */
import {
  chmodSync, closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lutimesSync,
  mkdirSync, openSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeSync,
} from 'node:fs';
import { debuglog } from 'node:util';
import { isErrno, StorageError } from './errors.ts';
import { lsetxattr, mknod } from './native.ts';
import { entryPath, parentPath, unsafeEntry, whiteoutAction } from './unpack-paths.ts';
import type { TarHeader, TarSink } from './unpack-tar.ts';

export type XattrNamespace = 'trusted' | 'user';

/** What a path of this layer is. A hard link takes the kind of its target. */
type NodeKind = 'dir' | 'file' | 'symlink' | 'special' | 'whiteout';

interface DirTimes {
  depth: number;
  mode: number;
  atime: number | undefined;
  mtime: number | undefined;
}

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, S_IFCHR, S_IFBLK, S_IFIFO } = constants;
const S_ISGID = 0o2000; // declared by @types/node, absent from Node 20's fs.constants
// libuv adds O_CLOEXEC itself.
const CREATE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
const OPAQUE_VALUE = Buffer.from('y');
const debug = debuglog('tsengine');

export class LayerWriter implements TarSink {
  /** Entries applied (files, directories, links, devices, whiteouts, opaque markers). */
  files = 0;
  /** Content bytes of the regular files. */
  bytes = 0;

  readonly #root: string;
  readonly #namespace: XattrNamespace;
  readonly #opaqueXattr: string;
  readonly #uid: number;
  readonly #gid: number;
  readonly #nodes = new Map<string, NodeKind>();
  /** Directory modes and times, applied by finish(): creating a child changes a directory's mtime,
   *  and a 0555 directory must still take children until then. */
  readonly #dirTimes = new Map<string, DirTimes>();
  #file: { fd: number; abs: string; header: TarHeader } | undefined;

  /** `root`: an absolute path to an existing, empty directory. */
  constructor(root: string, namespace: XattrNamespace) {
    this.#root = root;
    this.#namespace = namespace;
    this.#opaqueXattr = `${namespace}.overlay.opaque`;
    // A new node is owned by our euid/egid, so chown is skipped when the entry wants exactly that. Not
    // the group below a setgid directory: only the layer root can be one while we extract (ours stay
    // 0700 until finish()), so a setgid root turns the shortcut off for groups.
    this.#uid = process.geteuid?.() ?? -1;
    this.#gid = (statSync(root).mode & S_ISGID) !== 0 ? -1 : process.getegid?.() ?? -1;
  }

  entry(h: TarHeader): void {
    const path = entryPath(h.name);
    const whiteout = whiteoutAction(path, h.name);
    if (whiteout !== undefined) {
      if (whiteout.kind === 'opaque') this.#opaque(path, h);
      else if (whiteout.kind === 'whiteout') this.#whiteout(whiteout.path, path, h);
      return;
    }
    if (path === '') {
      if (h.type !== 'directory') throw unsafeEntry(h.name, `the layer root as a ${h.type}`);
      this.#rootDirectory(h);
      return;
    }
    switch (h.type) {
      case 'file':
        this.#regular(path, h);
        break;
      case 'directory':
        this.#directory(path, h);
        break;
      case 'symlink':
        this.#symlink(path, h);
        break;
      case 'link':
        this.#hardLink(path, h);
        break;
      case 'char':
      case 'block':
      case 'fifo':
        this.#special(path, h);
        break;
    }
  }

  data(chunk: Buffer): void {
    const file = this.#file;
    if (file === undefined) return; // content of a skipped entry (aufs metadata, a whiteout with a body)
    for (let at = 0; at < chunk.length;) at += writeSync(file.fd, chunk, at, chunk.length - at);
  }

  entryEnd(): void {
    const file = this.#file;
    if (file === undefined) return;
    const { fd, abs, header: h } = file;
    if (h.uid !== this.#uid || h.gid !== this.#gid) owned(h, () => fchownSync(fd, h.uid, h.gid));
    fchmodSync(fd, h.mode); // after chown, which clears setuid/setgid
    this.#xattrs(abs, h); // after chown and write, which drop security.capability
    futimesSync(fd, h.atime ?? h.mtime, h.mtime);
    this.#file = undefined;
    closeSync(fd);
  }

  /** Applies directory modes and times, deepest first. Call once, after the last entry. */
  finish(): void {
    const dirs = [...this.#dirTimes].sort((a, b) => b[1].depth - a[1].depth);
    for (const [path, t] of dirs) {
      const abs = this.#abs(path);
      chmodSync(abs, t.mode);
      if (t.mtime !== undefined) utimesSync(abs, t.atime ?? t.mtime, t.mtime);
    }
  }

  /** Closes the file being written, if any; for the error path. */
  close(): void {
    const file = this.#file;
    this.#file = undefined;
    if (file !== undefined) closeSync(file.fd);
  }

  #abs(path: string): string {
    return path === '' ? this.#root : `${this.#root}/${path}`;
  }

  #regular(path: string, h: TarHeader): void {
    this.#prepare(path, h);
    const abs = this.#abs(path);
    const fd = openSync(abs, CREATE_FLAGS, 0o600);
    this.#nodes.set(path, 'file');
    this.#file = { fd, abs, header: h };
    this.files++;
    this.bytes += h.size;
  }

  #directory(path: string, h: TarHeader): void {
    this.#parentDir(path, h.name, 'replace');
    const abs = this.#abs(path);
    const existing = this.#nodes.get(path);
    if (existing !== 'dir') {
      if (existing !== undefined) this.#remove(path, existing);
      mkdirSync(abs, 0o700); // final mode in finish()
      this.#nodes.set(path, 'dir');
      // `.wh.d` then `d/` in one layer: lower layers' d is gone, this layer's d is new, i.e. opaque.
      if (existing === 'whiteout') lsetxattr(abs, this.#opaqueXattr, OPAQUE_VALUE);
      if (h.uid !== this.#uid || h.gid !== this.#gid) owned(h, () => lchownSync(abs, h.uid, h.gid));
    } else {
      owned(h, () => lchownSync(abs, h.uid, h.gid)); // both directories: the later entry's metadata wins
    }
    this.#xattrs(abs, h);
    this.#dirTimes.set(path, { depth: depthOf(path), mode: h.mode, atime: h.atime, mtime: h.mtime });
    this.files++;
  }

  #rootDirectory(h: TarHeader): void {
    owned(h, () => lchownSync(this.#root, h.uid, h.gid));
    this.#xattrs(this.#root, h);
    this.#dirTimes.set('', { depth: 0, mode: h.mode, atime: h.atime, mtime: h.mtime });
    this.files++;
  }

  #symlink(path: string, h: TarHeader): void {
    if (h.linkname === '') throw unsafeEntry(h.name, 'symlink with an empty target');
    this.#prepare(path, h);
    const abs = this.#abs(path);
    symlinkSync(h.linkname, abs); // any target: it is resolved inside the container, never by us
    this.#nodes.set(path, 'symlink');
    if (h.uid !== this.#uid || h.gid !== this.#gid) owned(h, () => lchownSync(abs, h.uid, h.gid));
    this.#xattrs(abs, h);
    lutimesSync(abs, h.atime ?? h.mtime, h.mtime);
    this.files++;
  }

  #hardLink(path: string, h: TarHeader): void {
    const target = entryPath(h.linkname, 'hard link target');
    if (target === path) return; // a link to itself: nothing to do
    const kind = this.#nodes.get(target);
    if (kind === undefined) throw unsafeEntry(h.name, `hard link target ${JSON.stringify(h.linkname)} ${this.#whyMissing(target)}`);
    if (kind === 'dir') throw unsafeEntry(h.name, `hard link to directory ${JSON.stringify(h.linkname)}`);
    this.#prepare(path, h);
    if (!this.#nodes.has(target)) throw unsafeEntry(h.name, `hard link target ${JSON.stringify(h.linkname)} removed by this entry`);
    linkSync(this.#abs(target), this.#abs(path)); // link(2) does not follow a symlink target
    this.#nodes.set(path, kind);
    this.files++;
  }

  #special(path: string, h: TarHeader): void {
    this.#prepare(path, h);
    const abs = this.#abs(path);
    const type = h.type === 'char' ? S_IFCHR : h.type === 'block' ? S_IFBLK : S_IFIFO;
    try {
      mknod(abs, type | h.mode, h.devmajor, h.devminor);
    } catch (e) {
      // In a user namespace only 0:0 char devices and fifos can be made; skip devices, as podman does.
      if (this.#namespace === 'user' && h.type !== 'fifo' && isErrno(e, 'EPERM')) return;
      throw e;
    }
    this.#nodes.set(path, 'special');
    if (h.uid !== this.#uid || h.gid !== this.#gid) owned(h, () => lchownSync(abs, h.uid, h.gid));
    chmodSync(abs, h.mode); // mknod applied the umask; abs is the node we just made, not a symlink
    this.#xattrs(abs, h);
    lutimesSync(abs, h.atime ?? h.mtime, h.mtime);
    this.files++;
  }

  /**
   * `.wh.NAME`: an overlay whiteout (char device 0:0) at `hidden`. image-spec layer.md: a whiteout applies
   * only to lower layers; what this same layer puts at NAME stays. A NAME already extracted here hides the
   * lower one by itself, so the whiteout is skipped; a NAME that comes later replaces the device.
   */
  #whiteout(hidden: string, path: string, h: TarHeader): void {
    if (!this.#parentDir(path, h.name, 'skip')) return; // under a whiteout already: hidden anyway
    if (this.#nodes.has(hidden)) return;
    mknod(this.#abs(hidden), S_IFCHR, 0, 0);
    this.#nodes.set(hidden, 'whiteout');
    this.files++;
  }

  /** `.wh..wh..opq`: marks its directory opaque. */
  #opaque(path: string, h: TarHeader): void {
    this.#parentDir(path, h.name, 'replace');
    lsetxattr(this.#abs(parentPath(path)), this.#opaqueXattr, OPAQUE_VALUE);
    this.files++;
  }

  /** Makes room for a non-directory at `path`: its parent a real directory, nothing at `path`. */
  #prepare(path: string, h: TarHeader): void {
    this.#parentDir(path, h.name, 'replace');
    const existing = this.#nodes.get(path);
    if (existing !== undefined) this.#remove(path, existing);
  }

  /**
   * Ensures the parent of `path` is a directory of this layer, creating missing ones (mode 0755, as
   * Docker and containerd do). A parent that is a symlink (or a file) makes the entry unsafe. A parent
   * that is a whiteout is either replaced by an opaque directory, for content, or makes a whiteout
   * entry moot ('skip' → returns false).
   */
  #parentDir(path: string, name: string, underWhiteout: 'replace' | 'skip'): boolean {
    const parent = parentPath(path);
    if (parent === '') return true;
    const kind = this.#nodes.get(parent);
    if (kind === 'dir') return true; // the hot path
    if (kind === 'symlink') throw unsafeEntry(name, `parent ${JSON.stringify(parent)} is a symlink`);
    if (kind === 'file' || kind === 'special') throw unsafeEntry(name, `parent ${JSON.stringify(parent)} is not a directory`);
    if (kind === 'whiteout' && underWhiteout === 'skip') return false;
    if (kind === undefined && !this.#parentDir(parent, name, underWhiteout)) return false;
    if (kind === 'whiteout') this.#remove(parent, kind);
    const abs = this.#abs(parent);
    mkdirSync(abs, 0o755);
    this.#nodes.set(parent, 'dir');
    this.#dirTimes.set(parent, { depth: depthOf(parent), mode: 0o755, atime: undefined, mtime: undefined });
    if (kind === 'whiteout') lsetxattr(abs, this.#opaqueXattr, OPAQUE_VALUE);
    return true;
  }

  /** Why a hard link target is not a path of this layer, for the message. */
  #whyMissing(target: string): string {
    for (let p = parentPath(target); p !== ''; p = parentPath(p)) {
      if (this.#nodes.get(p) === 'symlink') return `is reached through symlink ${JSON.stringify(p)}`;
    }
    return 'is not in this layer';
  }

  #remove(path: string, kind: NodeKind): void {
    const abs = this.#abs(path);
    if (kind === 'dir') {
      rmSync(abs, { recursive: true }); // does not follow symlinks inside
      // O(paths in this layer), but only when a directory is replaced by a non-directory: rare.
      const prefix = `${path}/`;
      for (const p of this.#nodes.keys()) {
        if (p.startsWith(prefix)) {
          this.#nodes.delete(p);
          this.#dirTimes.delete(p);
        }
      }
    } else {
      unlinkSync(abs);
    }
    this.#nodes.delete(path);
    this.#dirTimes.delete(path);
  }

  #xattrs(abs: string, h: TarHeader): void {
    if (h.xattrs === undefined) return;
    for (const [name, value] of h.xattrs) {
      // overlay's own xattrs are ours to write: a forged redirect/metacopy/opaque from a layer would
      // steer overlayfs, so a layer's own are dropped.
      if (name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.')) continue;
      try {
        lsetxattr(abs, name, value);
      } catch (e) {
        // EPERM: trusted.* in a user namespace, user.* on a symlink or device; ENOTSUP: a namespace the
        // filesystem lacks. Like moby, skip the attribute rather than fail the whole image.
        if (!isErrno(e, 'EPERM') && !isErrno(e, 'ENOTSUP')) throw e;
        debug('unpack: xattr %s not set on %s: %s', name, abs, e.code);
      }
    }
  }
}

/**
 * Runs a chown for entry `h`. In a user namespace chown to an ID the namespace does not map fails with
 * EINVAL: that becomes ID_UNMAPPED naming the file and the ID (the engine adds the user's ranges and the fix).
 */
function owned(h: TarHeader, chown: () => void): void {
  try {
    chown();
  } catch (e) {
    if (!isErrno(e, 'EINVAL')) throw e;
    const err = new StorageError('ID_UNMAPPED', `image file /${entryPath(h.name)} is owned by UID ${h.uid}, GID ${h.gid}, which this user namespace does not map`, { cause: e });
    Object.assign(err, { file: `/${entryPath(h.name)}`, uid: h.uid, gid: h.gid });
    throw err;
  }
}

function depthOf(path: string): number {
  if (path === '') return 0;
  let depth = 1;
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) depth++;
  return depth;
}
