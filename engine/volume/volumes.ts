/**
 * engine.volumes: `volume create/ls/inspect/rm/prune`, and what containers need of volumes (create the
 * named ones they mention, anonymous ones for a bare `-v DST`, the copy-up of image content on first use).
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../../storage/index.ts';
import type { VolumeRecord } from '../../storage/volume-store.ts';
import { isEngineError, EngineError } from '../errors.ts';
import { isValidVolumeName } from '../container/mounts.ts';

export interface VolumeInspect {
  readonly Name: string;
  readonly Driver: string;
  readonly Mountpoint: string;
  readonly CreatedAt: string;
  readonly Labels: Record<string, string>;
  readonly Scope: 'local';
  readonly Options: Record<string, string>;
  /** Containers that mount it (podman's MountCount counts running mounts; ours counts users). */
  readonly UsedBy: string[];
  readonly Anonymous: boolean;
  readonly NeedsCopyUp: boolean;
}

export interface VolumeSummary {
  readonly name: string;
  readonly driver: string;
  readonly mountpoint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: Date;
  readonly anonymous: boolean;
  readonly inUse: boolean;
}

export interface VolumesDeps {
  readonly store: Store;
}

/** Translates the store's codes into the engine's volume codes (rm exits 1 / 2 on them, podman's). */
function rethrow(e: unknown, name: string): never {
  if (isEngineError(e) && e.code === 'NOT_FOUND') throw new EngineError('VOLUME_NOT_FOUND', e.message, { cause: e });
  if (isEngineError(e) && e.code === 'IN_USE') throw new EngineError('VOLUME_IN_USE', e.message, { cause: e, hint: `remove the containers using ${name} first` });
  throw e;
}

export class Volumes {
  readonly #d: VolumesDeps;
  constructor(deps: VolumesDeps) {
    this.#d = deps;
  }

  /** Creates a volume; without a name, an anonymous-looking one with a random 64-hex name (docker's). */
  async create(o: { name?: string; labels?: Readonly<Record<string, string>>; driver?: string } = {}): Promise<VolumeSummary> {
    if (o.driver !== undefined && o.driver !== 'local') {
      throw new EngineError('INVALID_ARGUMENT', `volume driver ${JSON.stringify(o.driver)} is not supported: only local`);
    }
    const name = o.name ?? randomBytes(32).toString('hex');
    if (!isValidVolumeName(name)) throw new EngineError('INVALID_ARGUMENT', `volume name ${JSON.stringify(name)} is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
    return this.#summary(this.#d.store.volumes.create({ name, ...(o.labels ? { labels: o.labels } : {}) }));
  }

  async list(): Promise<VolumeSummary[]> {
    return this.#d.store.volumes.list().map((v) => this.#summary(v));
  }

  async inspect(name: string): Promise<VolumeInspect> {
    const v = this.#get(name);
    return {
      Name: v.name,
      Driver: v.driver,
      Mountpoint: v.data,
      CreatedAt: v.createdAt.toISOString(),
      Labels: { ...v.labels },
      Scope: 'local',
      Options: {},
      UsedBy: this.#d.store.volumes.users(v.name),
      Anonymous: v.anonymous,
      NeedsCopyUp: v.needsCopy,
    };
  }

  async exists(name: string): Promise<boolean> {
    return this.#d.store.volumes.get(name) !== undefined;
  }

  /** Removes a volume no container uses: VOLUME_IN_USE otherwise (remove those containers first). */
  async remove(name: string): Promise<void> {
    try {
      this.#d.store.volumes.remove(name);
    } catch (e) {
      rethrow(e, name);
    }
  }

  /** Removes every volume no container uses; returns their names. */
  async prune(): Promise<string[]> {
    const removed: string[] = [];
    for (const v of this.#d.store.volumes.list()) {
      if (this.#d.store.volumes.users(v.name).length > 0) continue;
      try {
        this.#d.store.volumes.remove(v.name);
        removed.push(v.name);
      } catch (e) {
        // Taken into use (or removed) by another process meanwhile: not ours to prune.
        if (!(isEngineError(e) && (e.code === 'IN_USE' || e.code === 'NOT_FOUND'))) throw e;
      }
    }
    return removed;
  }

  #get(name: string): VolumeRecord {
    const v = this.#d.store.volumes.get(name);
    if (!v) throw new EngineError('VOLUME_NOT_FOUND', `no volume with name "${name}" found: no such volume`);
    return v;
  }

  #summary(v: VolumeRecord): VolumeSummary {
    return {
      name: v.name,
      driver: v.driver,
      mountpoint: v.data,
      labels: v.labels,
      createdAt: v.createdAt,
      anonymous: v.anonymous,
      inUse: this.#d.store.volumes.users(v.name).length > 0,
    };
  }
}
