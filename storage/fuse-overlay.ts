/**
 * The FUSE overlay: fuse-overlayfs (or another mount program of the same interface, containers-storage's
 * `mount_program`) mounts a container's root filesystem where the kernel's overlay is not allowed.
 *
 * `PROGRAM -o lowerdir=A:B,upperdir=U,workdir=W[,mountopt…] TARGET`: lowerdirs top layer first, absolute
 * (the program opens them before it daemonizes; an argv string may be 128 KiB, so the kernel's one-page
 * limit of native overlay does not apply). The program mounts, daemonizes (libfuse's fuse_daemonize: the
 * parent exits 0 once the mount is there) and serves the mount until it is unmounted: umount2(2) from this
 * mount namespace (storage/overlay.ts unmount, the monitor's --unmount) ends the connection and the daemon
 * exits. As root, or as root of the user namespace, the program mounts FUSE itself (no fusermount3) and
 * fuse-overlayfs adds `allow_other`, so every user of the container may use its root filesystem.
 *
 * Layers are read as the kernel's overlay writes them: whiteouts are 0:0 char devices, opaque directories
 * carry `trusted.overlay.opaque` or `user.overlay.opaque` (fuse-overlayfs reads both).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { isErrno, StorageError } from './errors.ts';
import { isMountPoint, type OverlayMount } from './overlay.ts';

export const FUSE_DEVICE = '/dev/fuse';
/** MAX_ARG_STRLEN: the kernel's limit for one argv string. */
const MAX_ARG = 131_072;

/** The mount program's argv (after the program). Pure. */
export function fuseOverlayArgs(m: OverlayMount, mountOptions: readonly string[] = []): string[] {
  const dirs = [...m.layers, m.upper, m.work];
  // fuse-overlayfs 1.10 splits -o at ',' and lowerdir at ':' with no escape (1.15 learned `\:`).
  const bad = dirs.find((d) => /[,:]/.test(d));
  if (bad !== undefined) throw new StorageError('OVERLAY_UNAVAILABLE', `fuse-overlayfs cannot take a path with ',' or ':' in it: ${bad}; use a store root without them`);
  const options = [`lowerdir=${[...m.layers].reverse().join(':')}`, `upperdir=${m.upper}`, `workdir=${m.work}`, ...mountOptions].join(',');
  if (Buffer.byteLength(options) >= MAX_ARG) {
    throw new StorageError('LAYER_INVALID', `image has too many layers (${m.layers.length}) for one fuse-overlayfs mount: the options take ${Buffer.byteLength(options)} bytes, an argument may take ${MAX_ARG - 1}`);
  }
  return ['-o', options, m.target];
}

/** OVERLAY_UNAVAILABLE unless this process may open /dev/fuse (0600 root on some hosts: rootless cannot). */
export function checkFuseDevice(): void {
  try {
    accessSync(FUSE_DEVICE, constants.R_OK | constants.W_OK);
  } catch (e) {
    if (!isErrno(e, 'EACCES') && !isErrno(e, 'EPERM') && !isErrno(e, 'ENOENT')) throw e;
    throw new StorageError('OVERLAY_UNAVAILABLE', isErrno(e, 'ENOENT')
      ? `fuse-overlayfs needs ${FUSE_DEVICE}, which does not exist here: as root run \`modprobe fuse\``
      : `fuse-overlayfs needs ${FUSE_DEVICE}, which is not readable and writable by you (it is 0600 root on some hosts): as root run \`chmod 0666 ${FUSE_DEVICE}\``, { cause: e });
  }
}

/** Mounts `m` with `program`; resolves once the mount is there (the program daemonized). */
export async function mountFuseOverlay(m: OverlayMount, program: string, mountOptions: readonly string[] = []): Promise<void> {
  if (m.layers.length === 0) throw new StorageError('LAYER_INVALID', 'an image with no layers cannot be mounted');
  const args = fuseOverlayArgs(m, mountOptions);
  checkFuseDevice();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    // Its own session (libfuse setsid()s the daemon anyway): the daemon must outlive a CLI killed by a signal.
    const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', reject);
    // 'exit', not 'close': the daemon holds no copy of our pipe (it redirects its stdio to /dev/null), but
    // whether it does is the program's business.
    child.once('exit', (c) => resolve({ code: c, stderr: err }));
  }).catch((e: unknown) => {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'EACCES')) throw new StorageError('OVERLAY_UNAVAILABLE', `the mount program ${program} cannot be run (${e.code}): apt-get install fuse-overlayfs`, { cause: e });
    throw e;
  });
  if (code !== 0 || !isMountPoint(m.target)) {
    const why = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('unknown argument ignored')).join('; ');
    throw new StorageError('OVERLAY_UNAVAILABLE', `mounting the container's root filesystem at ${m.target} with ${program}: ${code !== 0 ? `exit code ${code}` : 'it exited 0 but nothing is mounted'}${why ? `: ${why}` : ''}`);
  }
}
