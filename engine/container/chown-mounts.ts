/**
 * podman's `U` volume option (`-v SRC:DST:U`, `--mount …,U`): before each start, the bind source or the
 * volume's data is chowned, recursively, to the container's process user, so that user can write to it.
 *
 * The user is the one the process runs as (`-u`, else the image's User, resolved in the image's
 * /etc/passwd and /etc/group: user.ts). With a user namespace of the container's own (keep-id,
 * --uidmap/--gidmap) the container's IDs are mapped to the IDs outside it first, as podman does
 * (idtools.ToHost). Without one the container's IDs are the engine's: the host's as root; rootless, the
 * holder namespace's, which is where the engine runs, so chown there needs no mapping either.
 *
 * Links are chowned themselves (lchown), never followed: a link in the source must not hand the
 * container a file outside it.
 */
import { lchownSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../errors.ts';
import type { MountSpec } from './mounts.ts';
import type { OciIdMapping } from './oci-spec.ts';

export interface ChownTarget {
  readonly uid: number;
  readonly gid: number;
}

/** `id` of the container's user namespace → the ID outside it; undefined when the mappings leave it out. */
export function idOutside(id: number, mappings: readonly OciIdMapping[] | undefined): number | undefined {
  if (mappings === undefined) return id;
  const m = mappings.find((x) => id >= x.containerID && id < x.containerID + x.size);
  return m === undefined ? undefined : m.hostID + (id - m.containerID);
}

/** The owner a `U` mount gets outside the container, for a process running as `user` inside it. */
export function chownTarget(
  user: { readonly uid: number; readonly gid: number },
  userns: { readonly uidMappings: readonly OciIdMapping[]; readonly gidMappings: readonly OciIdMapping[] } | undefined,
): ChownTarget {
  const uid = idOutside(user.uid, userns?.uidMappings);
  const gid = idOutside(user.gid, userns?.gidMappings);
  if (uid === undefined || gid === undefined) {
    const which = uid === undefined ? `UID ${user.uid}` : `GID ${user.gid}`;
    throw new EngineError('INVALID_ARGUMENT', `cannot chown a volume with U: the container's ${which} is not mapped in its user namespace`);
  }
  return { uid, gid };
}

/** Chowns `path` and everything under it (without following links) to `to`. */
export function chownTree(path: string, to: ChownTarget): void {
  const st = lstatSync(path);
  if (st.uid !== to.uid || st.gid !== to.gid) lchownSync(path, to.uid, to.gid);
  if (!st.isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), to);
}

/** Chowns the sources of the `U` mounts of a container; `volumeData` gives a volume's host directory. */
export function chownMountSources(mounts: readonly MountSpec[] | undefined, to: ChownTarget, volumeData: (name: string) => string): void {
  for (const m of mounts ?? []) {
    if (m.type === 'tmpfs' || m.chown !== true) continue;
    chownTree(m.type === 'bind' ? m.source : volumeData(m.name), to);
  }
}
