/**
 * Which overlay mounts a store's containers: the kernel's (`native`) or a FUSE mount program
 * (`fuse-overlayfs`, storage/fuse-overlay.ts), as containers-storage decides it:
 *
 * 1. A configured `mount_program` (storage.conf) is used.
 * 2. Else a store that once used a mount program keeps using one (fuse-overlayfs from PATH): the marker
 *    `<root>/overlay-kind` says `fuse-overlayfs` (containers-storage's `overlay/.has-mount-program`).
 * 3. Else native overlay; rootless, when the kernel refuses it (EPERM, EINVAL, ENODEV: no overlay in user
 *    namespaces, an upper dir on a file system overlay cannot use), fuse-overlayfs from PATH.
 *
 * The pin is one-way on purpose. Both kinds read the layers we unpack (0:0 whiteouts, `*.overlay.opaque`),
 * and fuse-overlayfs reads what the kernel's overlay writes to a container's upper dir; but fuse-overlayfs
 * marks directories it makes opaque with `user.fuseoverlayfs.opaque` or a `.wh..wh..opq` file where it
 * cannot set the overlay xattr, which the kernel's overlay ignores. So native → FUSE is safe at any time,
 * and FUSE → native never happens by itself: a store whose upper dirs FUSE wrote stays FUSE until it is
 * reset (removed). The marker is written before the first FUSE mount, so a crash cannot leave an upper dir
 * written by FUSE in a store that does not say so.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno, StorageError } from './errors.ts';
import { checkFuseDevice, mountFuseOverlay } from './fuse-overlay.ts';
import { mountOverlay, type OverlayMount } from './overlay.ts';

export type OverlayKind = 'native' | 'fuse-overlayfs';

const MARKER = 'overlay-kind';

export interface OverlayPolicy {
  /** storage.conf `mount_program` (absolute), when set. */
  readonly mountProgram?: string | undefined;
  /** storage.conf `mountopt`: extra options for the mount program. */
  readonly mountOptions?: readonly string[] | undefined;
  /** The engine is rootless (in a user namespace): native overlay may be refused, then FUSE is the fallback. */
  readonly rootless: boolean;
  /** fuse-overlayfs on PATH (absolute), or undefined when not installed; called only when needed. */
  readonly findFuseOverlayfs: () => string | undefined;
}

export type OverlayPlan =
  | { readonly kind: 'fuse-overlayfs'; readonly program: string | undefined; readonly why: 'configured' | 'recorded' }
  | { readonly kind: 'native'; readonly fallBack: boolean };

/** The first try for a store. Pure. */
export function planOverlay(o: { mountProgram?: string | undefined; recorded: OverlayKind | undefined; rootless: boolean }): OverlayPlan {
  if (o.mountProgram !== undefined) return { kind: 'fuse-overlayfs', program: o.mountProgram, why: 'configured' };
  if (o.recorded === 'fuse-overlayfs') return { kind: 'fuse-overlayfs', program: undefined, why: 'recorded' };
  return { kind: 'native', fallBack: o.rootless };
}

/** Whether a native mount's errno means "overlay is not allowed here" (fall back), not a broken store. Pure. */
export function isOverlayRefusal(errno: string | undefined): boolean {
  return errno === 'EPERM' || errno === 'EINVAL' || errno === 'ENODEV';
}

/** The kind `info` reports for a store before (or without) mounting anything. Pure. */
export function overlayKindOf(o: { mountProgram?: string | undefined; recorded: OverlayKind | undefined }): OverlayKind {
  return o.mountProgram !== undefined || o.recorded === 'fuse-overlayfs' ? 'fuse-overlayfs' : 'native';
}

/** What `<root>/overlay-kind` records; undefined when nothing is (a store that never used FUSE). */
export function recordedOverlayKind(storeRoot: string): OverlayKind | undefined {
  let text: string;
  try {
    text = readFileSync(join(storeRoot, MARKER), 'utf8').trim();
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined; // never recorded: native so far
    throw e;
  }
  if (text === 'fuse-overlayfs' || text === 'native') return text;
  throw new StorageError('STORE_CORRUPT', `${join(storeRoot, MARKER)}: expected "fuse-overlayfs" or "native", found ${JSON.stringify(text.slice(0, 40))}`);
}

function record(storeRoot: string, kind: OverlayKind): void {
  const path = join(storeRoot, MARKER);
  writeFileSync(`${path}.tmp-${process.pid}`, `${kind}\n`);
  renameSync(`${path}.tmp-${process.pid}`, path);
}

function missingFuse(what: string): StorageError {
  return new StorageError('OVERLAY_UNAVAILABLE', `${what}, and fuse-overlayfs (the fallback) is not installed: apt-get install fuse-overlayfs`);
}

/**
 * Mounts a container's root filesystem with the kind the store's policy picks (see the file comment);
 * returns the kind used. `storeRoot` holds the marker.
 */
export async function mountRootfs(m: OverlayMount, storeRoot: string, p: OverlayPolicy): Promise<OverlayKind> {
  const plan = planOverlay({ mountProgram: p.mountProgram, recorded: recordedOverlayKind(storeRoot), rootless: p.rootless });
  if (plan.kind === 'fuse-overlayfs') {
    const program = plan.program ?? p.findFuseOverlayfs();
    if (program === undefined) throw missingFuse(`the store ${storeRoot} was mounted with fuse-overlayfs before (it stays so: ${join(storeRoot, MARKER)})`);
    checkFuseDevice(); // a store is not pinned to FUSE by a mount that could not even start
    record(storeRoot, 'fuse-overlayfs');
    await mountFuseOverlay(m, program, p.mountOptions);
    return 'fuse-overlayfs';
  }
  try {
    await mountOverlay(m);
    return 'native';
  } catch (e) {
    const errno = e instanceof StorageError && isErrno(e.cause) ? e.cause.code : undefined;
    if (!plan.fallBack || !isOverlayRefusal(errno)) throw e;
    const program = p.findFuseOverlayfs();
    if (program === undefined) throw missingFuse(`the kernel refused an overlay mount in the user namespace (${errno})`);
    checkFuseDevice(); // a store is not pinned to FUSE by a mount that could not even start
    record(storeRoot, 'fuse-overlayfs');
    await mountFuseOverlay(m, program, p.mountOptions);
    return 'fuse-overlayfs';
  }
}
