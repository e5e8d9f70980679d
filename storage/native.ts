/**
 * Typed access to our N-API addon (`native/tsengine_native.c`, built by node-gyp into
 * `build/Release/tsengine_native.node`): the syscalls Node lacks (DESIGN.md §2). Each function is one
 * synchronous syscall and throws a Node-style errno Error (`code` = 'ENOENT', 'EPERM', …, plus `syscall`
 * and `path`), so callers test it with `isErrno(e, 'EPERM')` like any fs error.
 *
 * The addon is loaded on first use, not at import: importing storage/ must not fail (or cost start-up
 * time) for a CLI verb that never extracts a layer.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from './errors.ts';
import { packageRoot } from './package-root.ts';

export interface NativeBinding {
  mknod(path: string, mode: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Uint8Array): void;
  lgetxattr(path: string, name: string): Buffer | undefined;
  llistxattr(path: string): string[];
  unixListen(path: string): number;
  recvFd(listenFd: number, timeoutMs: number): Promise<number>;
  setWindowSize(fd: number, rows: number, cols: number): void;
  mountOverlay(layersDir: string, options: string, target: string): void;
  umount(target: string, detach: boolean): void;
  removeTree(path: string): void;
}

const ADDON = join('build', 'Release', 'tsengine_native.node');
let binding: NativeBinding | undefined;

function load(): NativeBinding {
  if (binding !== undefined) return binding;
  const path = join(packageRoot(), ADDON);
  // An install that skipped scripts (`npm ci --ignore-scripts`) or a copy without build/.
  if (!existsSync(path)) throw new Error(`native addon not built: ${path} is missing; run \`npm rebuild tsengine\` (node-gyp)`);
  // dlopen directly: require() of a .node file compiles and runs node's module resolution first (~0.5 ms
  // of every call that mounts, unmounts or removes).
  const m = { exports: {} as NativeBinding };
  process.dlopen(m, path);
  binding = m.exports;
  return binding;
}

/**
 * Snapshot build only (engine/snapshot-warm-up.ts): runs `fn` with `standIn` answering for the addon, which
 * a start-up snapshot cannot hold. Unset again afterwards, whatever happens.
 */
export async function withStandInNative<T>(standIn: Partial<NativeBinding>, fn: () => Promise<T>): Promise<T> {
  if (binding !== undefined) throw new Error('withStandInNative: the real addon is already loaded');
  binding = new Proxy(standIn, {
    get: (target, name) => {
      if (typeof name === 'string' && !(name in target)) throw new Error(`snapshot warm-up: the native stand-in has no ${name}()`);
      return target[name as keyof NativeBinding];
    },
  }) as NativeBinding;
  try {
    return await fn();
  } finally {
    binding = undefined;
  }
}

/** mknod(2). `mode` carries the file type (fs.constants.S_IFCHR, S_IFBLK, S_IFIFO) and the permission
 *  bits; the kernel applies the umask to the latter. An overlay whiteout is `S_IFCHR` with device 0:0. */
export function mknod(path: string, mode: number, major: number, minor: number): void {
  load().mknod(path, mode, major, minor);
}

/** lsetxattr(2): sets an extended attribute on `path` itself, never on a symlink's target. */
export function lsetxattr(path: string, name: string, value: Uint8Array): void {
  load().lsetxattr(path, name, value);
}

/** lgetxattr(2): the attribute's value, or undefined when `path` does not have it (ENODATA). */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  return load().lgetxattr(path, name);
}

/** llistxattr(2): the names of the attributes on `path` itself that this process may see. */
export function llistxattr(path: string): string[] {
  return load().llistxattr(path);
}

/**
 * A listening AF_UNIX stream socket bound at `path` (backlog 1, close-on-exec), for a runtime's
 * `--console-socket`. Returns its fd; the caller closes it (fs.closeSync) and unlinks `path`.
 * ENAMETOOLONG when `path` does not fit in sun_path (107 bytes).
 */
export function unixListen(path: string): number {
  return load().unixListen(path);
}

/**
 * Accepts one connection on `listenFd` and resolves with the first fd the peer sent as SCM_RIGHTS
 * (close-on-exec; the caller owns it), e.g. the pty master a runtime sends to its --console-socket.
 * Waits on a worker thread, at most `timeoutMs` for the connection and again for the message. Rejects
 * with ETIMEDOUT, or EPROTO when the peer sent no fd: connecting once without sending anything is how a
 * caller ends the wait early (the runtime failed and will never connect).
 */
export function recvFd(listenFd: number, timeoutMs: number): Promise<number> {
  return load().recvFd(listenFd, timeoutMs);
}

/** ioctl(TIOCSWINSZ): sets a terminal's size; on a pty master, the process on the other side sees it (and gets SIGWINCH). */
export function setWindowSize(fd: number, rows: number, cols: number): void {
  load().setWindowSize(fd, rows, cols);
}

/**
 * mount(2) of an overlay at `target` whose lowerdirs in `options` may be relative to `layersDir`: the call
 * runs on a thread of its own with its own working directory (the process's is untouched).
 */
export function mountOverlay(layersDir: string, options: string, target: string): void {
  load().mountOverlay(layersDir, options, target);
}

/** umount2(2); `detach`: MNT_DETACH (umount -l), the mount goes once it is no longer busy. */
export function umount(target: string, detach = false): void {
  load().umount(target, detach);
}

/**
 * `rm -rf path` that never follows a symlink and never leaves path's file system: a mount point below it
 * throws EXDEV (code 'EXDEV') and nothing under that mount is touched. A missing path is no error. Trees
 * deeper than 256 directories are finished by node's rmSync (which crosses mount points).
 */
export function removeTree(path: string): void {
  try {
    load().removeTree(path);
  } catch (e) {
    if (!isErrno(e, 'ELOOP')) throw e;
    rmSync(path, { recursive: true, force: true });
  }
}
