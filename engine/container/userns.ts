/**
 * A container's user namespace (podman's --userns, --uidmap, --gidmap). Pure.
 *
 * Rootless, the runtime already runs inside the holder's user namespace (engine/rootless/), where the user
 * is root and 1.. are the subordinate IDs: by default the container shares it (podman's rootless default,
 * and what `--userns=host` means there), so config.json needs no mappings. The other modes give the
 * container a user namespace of its own, mapped onto the holder's IDs (IDs "in the holder" below):
 * - keep-id: the user's host UID/GID is the same number inside (container U ↔ holder 0, which is the user on
 *   the host); container 0..U-1 ↔ holder 1..U; U+1.. ↔ holder U+1.. (podman's layout). The process runs as U.
 * - uidmap/gidmap `CONTAINER:HOLDER:COUNT`, as given.
 */
import { EngineError } from '../errors.ts';
import type { OciIdMapping } from './oci-spec.ts';

export type UserNamespaceMode = 'host' | 'keep-id' | 'auto-private';

export interface UserNamespaceConfig {
  readonly mode?: 'host' | 'keep-id' | undefined;
  /** podman --uidmap: `container:host:count` (host = IDs of the holder's namespace rootless). */
  readonly uidMap?: readonly string[] | undefined;
  readonly gidMap?: readonly string[] | undefined;
}

/** What the engine knows about the rootless user namespace it runs in. */
export interface RootlessIds {
  readonly user: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  /** IDs the holder's namespace maps (0..uids-1). */
  readonly uids: number;
  readonly gids: number;
}

export interface ContainerUserNamespace {
  readonly uidMappings: OciIdMapping[];
  readonly gidMappings: OciIdMapping[];
  /** keep-id: run the process as the user (uid, gid), and add them to passwd/group. */
  readonly keepId?: { readonly uid: number; readonly gid: number; readonly name: string; readonly home: string };
}

/** `c:h:n` → a mapping; throws INVALID_ARGUMENT. */
export function parseIdMapping(text: string, flag: string): OciIdMapping {
  const m = /^(\d+):(\d+):(\d+)$/.exec(text);
  if (!m || Number(m[3]) === 0) throw new EngineError('INVALID_ARGUMENT', `invalid ${flag} "${text}": expected CONTAINER_ID:HOST_ID:COUNT`);
  return { containerID: Number(m[1]), hostID: Number(m[2]), size: Number(m[3]) };
}

function keepIdMap(own: number, total: number): OciIdMapping[] {
  const out: OciIdMapping[] = [];
  if (own > 0) out.push({ containerID: 0, hostID: 1, size: Math.min(own, total - 1) });
  out.push({ containerID: own, hostID: 0, size: 1 });
  if (total - own - 1 > 0) out.push({ containerID: own + 1, hostID: own + 1, size: total - own - 1 });
  return out;
}

/**
 * The container's own user namespace, or undefined when it shares the engine's (root: the host's;
 * rootless: the holder's). Throws for modes this setup cannot honour, saying why.
 */
export function containerUserNamespace(c: UserNamespaceConfig, rootless: RootlessIds | undefined): ContainerUserNamespace | undefined {
  const hasMaps = (c.uidMap?.length ?? 0) > 0 || (c.gidMap?.length ?? 0) > 0;
  if (c.mode === 'keep-id' && hasMaps) throw new EngineError('INVALID_ARGUMENT', '--userns=keep-id and --uidmap/--gidmap cannot be used together');
  if (c.mode === 'keep-id') {
    if (!rootless) throw new EngineError('INVALID_ARGUMENT', 'keep-id is only supported in rootless mode (as root the container\'s IDs are the host\'s already)');
    if (rootless.uid >= rootless.uids || rootless.gid >= rootless.gids) {
      throw new EngineError('USERNS_ID_UNMAPPED', `--userns=keep-id: your UID ${rootless.uid}/GID ${rootless.gid} is above the ${rootless.uids} IDs your subordinate ranges give; add more with usermod --add-subuids/--add-subgids`);
    }
    return {
      uidMappings: keepIdMap(rootless.uid, rootless.uids),
      gidMappings: keepIdMap(rootless.gid, rootless.gids),
      keepId: { uid: rootless.uid, gid: rootless.gid, name: rootless.user, home: rootless.home },
    };
  }
  if (!hasMaps) return undefined;
  if (!rootless) throw new EngineError('INVALID_ARGUMENT', '--uidmap/--gidmap are supported rootless only for now (as root the image files would need to be chowned to the mapped IDs)');
  const uids = (c.uidMap ?? []).map((t) => parseIdMapping(t, '--uidmap'));
  const gids = (c.gidMap ?? []).map((t) => parseIdMapping(t, '--gidmap'));
  // podman: a --uidmap without --gidmap uses the same mappings for groups, and the other way round.
  const u = uids.length > 0 ? uids : gids;
  const g = gids.length > 0 ? gids : uids;
  // The store (container dirs 0700, the overlay's upper and work) belongs to the user, ID 0 of the rootless
  // namespace: a container namespace without it cannot even have its root filesystem made private (crun:
  // "make `…/rootfs` private: Permission denied", checked). podman chowns a copy of the image instead.
  for (const [maps, flag] of [[u, '--uidmap'], [g, '--gidmap']] as const) {
    if (!maps.some((m) => m.hostID === 0)) {
      throw new EngineError('INVALID_ARGUMENT', `${flag} must map ID 0 of the rootless user namespace (that is you: your store's files are yours), e.g. ${flag} 0:0:1 ${flag} 1:1:65536`);
    }
  }
  for (const [maps, total, flag] of [[u, rootless.uids, '--uidmap'], [g, rootless.gids, '--gidmap']] as const) {
    for (const m of maps) {
      if (m.hostID + m.size > total) {
        throw new EngineError('USERNS_ID_UNMAPPED', `${flag} ${m.containerID}:${m.hostID}:${m.size} reaches ID ${m.hostID + m.size - 1}, but the rootless namespace has IDs 0-${total - 1} only (your subordinate ranges in /etc/subuid, /etc/subgid)`);
      }
    }
  }
  return { uidMappings: u, gidMappings: g };
}

/** Appends the keep-id user to passwd/group texts when its IDs have no entry. Pure. */
export function keepIdEtc(k: NonNullable<ContainerUserNamespace['keepId']>, passwd: string | undefined, group: string | undefined): { passwd?: string; group?: string } {
  const has = (text: string | undefined, id: number, field: number) =>
    (text ?? '').split('\n').some((l) => l.split(':')[field] === String(id));
  const out: { passwd?: string; group?: string } = {};
  const nl = (t: string) => (t === '' || t.endsWith('\n') ? t : `${t}\n`);
  if (!has(passwd, k.uid, 2)) out.passwd = `${nl(passwd ?? '')}${k.name}:*:${k.uid}:${k.gid}:${k.name}:${k.home}:/bin/sh\n`;
  if (!has(group, k.gid, 2)) out.group = `${nl(group ?? '')}${k.name}:x:${k.gid}:${k.name}\n`;
  return out;
}
