/**
 * The host side of a container's mounts: at create, volumes are made (named ones on first mention, an
 * anonymous one per bare `-v DST`) and bind sources checked; at start, a volume still marked for copy-up
 * gets the image's content at its mount point (docker's and podman's copy-up on first use).
 */
import { lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Store } from '../../storage/index.ts';
import { isErrno } from '../../storage/errors.ts';
import { EngineError } from '../errors.ts';
import { type MountSpec, ociMount } from './mounts.ts';
import type { OciMount } from './oci-spec.ts';
import { runChild } from '../child.ts';

/** Checks bind sources and makes the volumes; returns the mounts with anonymous volumes named. */
export function prepareMounts(store: Store, mounts: readonly MountSpec[]): MountSpec[] {
  for (const m of mounts) {
    if (m.type !== 'bind') continue;
    try {
      statSync(m.source);
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) throw new EngineError('INVALID_ARGUMENT', `statfs ${m.source}: no such file or directory`);
      throw e;
    }
  }
  return mounts.map((m) => {
    if (m.type !== 'volume') return m;
    if (m.anonymous) {
      const name = randomBytes(32).toString('hex');
      store.volumes.create({ name, anonymous: true });
      return { ...m, name };
    }
    if (!store.volumes.get(m.name)) {
      try {
        store.volumes.create({ name: m.name });
      } catch (e) {
        if (!store.volumes.get(m.name)) throw e; // another process made it meanwhile: fine
      }
    }
    return m;
  });
}

/** Volume names a container's mounts use. */
export function volumeNames(mounts: readonly MountSpec[] | undefined): string[] {
  return (mounts ?? []).flatMap((m) => (m.type === 'volume' ? [m.name] : []));
}

/** Anonymous volume names a container's mounts use (removed with it: `rm -v`, `--rm`). */
export function anonymousVolumeNames(mounts: readonly MountSpec[] | undefined): string[] {
  return (mounts ?? []).flatMap((m) => (m.type === 'volume' && m.anonymous ? [m.name] : []));
}

/**
 * `path` (absolute, in the container) resolved inside `root` the way the container would see it: symlinks
 * are followed but never out of `root` (an absolute link target is taken relative to root). Returns the
 * host path, or undefined when it does not exist.
 */
export function resolveInRoot(root: string, path: string): string | undefined {
  let todo = path.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  for (let hops = 0; todo.length > 0; ) {
    const part = todo.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = posix.join(root, ...done, part);
    let st;
    try {
      st = lstatSync(host);
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return undefined;
      throw e;
    }
    if (st.isSymbolicLink()) {
      if (++hops > 40) return undefined;
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      todo = [...target.split('/').filter((p) => p !== '' && p !== '.'), ...todo];
      continue;
    }
    done.push(part);
  }
  return posix.join(root, ...done);
}

function isEmptyDir(path: string): boolean {
  return readdirSync(path).length === 0;
}

/**
 * config.json mounts for a container; volumes still marked for copy-up get the rootfs's content at their
 * mount point first (only into an empty volume, as docker does), then are marked done.
 */
export async function containerMounts(store: Store, rootfs: string, mounts: readonly MountSpec[] | undefined): Promise<OciMount[]> {
  const out: OciMount[] = [];
  for (const m of mounts ?? []) {
    if (m.type === 'volume') {
      const v = store.volumes.get(m.name);
      if (!v) throw new EngineError('VOLUME_NOT_FOUND', `no volume with name "${m.name}" found: no such volume`, { hint: 'it was removed after the container was created' });
      store.volumes.ensureData(v.name);
      if (v.needsCopy) {
        const src = m.noCopy ? undefined : resolveInRoot(rootfs, m.destination);
        if (src !== undefined && statSync(src).isDirectory() && isEmptyDir(v.data)) {
          // `SRC/.` into DATA: contents, owners, modes, times and the directory's own mode and owner.
          const r = await runChild('cp', ['-a', '--', `${src}/.`, `${v.data}/`]);
          if (r.exitCode !== 0) {
            throw new EngineError('RUNTIME_FAILED', `copying the image's ${m.destination} into volume ${v.name}: ${r.stderr.split('\n')[0] || r.error?.message || `cp exit ${r.exitCode ?? r.signal}`}`);
          }
        }
        store.volumes.markCopied(v.name);
      }
    }
    out.push(ociMount(m, (name) => store.volumes.dataDir(name)));
  }
  return out;
}

/** `inspect`'s .Mounts, docker's shape: Type, Name (volumes), Source, Destination, Driver, Mode, RW, Propagation. */
export function inspectMounts(store: Store, mounts: readonly MountSpec[] | undefined): Record<string, unknown>[] {
  return (mounts ?? []).map((m) => {
    const propagation = m.options.find((o) => /^r?(private|shared|slave)$/.test(o)) ?? 'rprivate';
    if (m.type === 'tmpfs') return { Type: 'tmpfs', Name: '', Source: '', Destination: m.destination, Mode: m.options.join(','), RW: !m.options.includes('ro'), Propagation: '' };
    if (m.type === 'bind') return { Type: 'bind', Name: '', Source: m.source, Destination: m.destination, Mode: '', RW: !m.readOnly, Propagation: propagation };
    return { Type: 'volume', Name: m.name, Source: store.volumes.dataDir(m.name), Destination: m.destination, Driver: 'local', Mode: '', RW: !m.readOnly, Propagation: propagation };
  });
}
