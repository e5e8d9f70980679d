/**
 * Volumes: a row per volume and its directory `<root>/volumes/<name>/_data` (docker's and podman's layout).
 * The row comes first and goes first: creation writes it, then makes the (empty) directory; removal deletes
 * it, then the directory; sweep() removes directories no row names. An empty volume has nothing to lose in
 * a crash, so unlike layers it needs no temporary name. `container_volumes` links a container to the
 * volumes it mounts, so a volume in use is known without reading container configs.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './db.ts';
import { isErrno, StorageError } from './errors.ts';

export interface VolumeRecord {
  readonly name: string;
  readonly driver: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly anonymous: boolean;
  /** The image's content at the first mount point is still to be copied in. */
  readonly needsCopy: boolean;
  readonly createdAt: Date;
  /** The host directory mounted into containers. */
  readonly data: string;
}

interface Row {
  name: string;
  driver: string;
  labels: string;
  anonymous: number;
  needs_copy: number;
  created_at: number;
}

export class VolumeStore {
  readonly #db: Db;
  readonly #dir: string;
  constructor(db: Db, dir: string) {
    this.#db = db;
    this.#dir = dir;
  }

  dataDir(name: string): string {
    return join(this.#dir, name, '_data');
  }

  #record(r: Row): VolumeRecord {
    return {
      name: r.name,
      driver: r.driver,
      labels: JSON.parse(r.labels) as Record<string, string>,
      anonymous: r.anonymous === 1,
      needsCopy: r.needs_copy === 1,
      createdAt: new Date(r.created_at),
      data: this.dataDir(r.name),
    };
  }

  /**
   * Writes the row, then makes the directory (emptied first: a crash between a removal's row and its
   * directory may have left one of that name). The row decides between two creations of one name.
   */
  create(v: { name: string; labels?: Readonly<Record<string, string>>; anonymous?: boolean }): VolumeRecord {
    try {
      this.#db
        .prepare('INSERT INTO volumes (name, labels, anonymous, created_at) VALUES (?, ?, ?, ?)')
        .run(v.name, JSON.stringify(v.labels ?? {}), v.anonymous ? 1 : 0, Date.now());
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StorageError('NAME_IN_USE', `volume with name ${v.name} already exists: volume already exists`);
      throw e;
    }
    rmSync(join(this.#dir, v.name), { recursive: true, force: true });
    mkdirSync(this.dataDir(v.name), { recursive: true, mode: 0o755 });
    return this.get(v.name)!;
  }

  /** Makes the data directory if a crash between row and directory left it missing. */
  ensureData(name: string): string {
    mkdirSync(this.dataDir(name), { recursive: true, mode: 0o755 });
    return this.dataDir(name);
  }

  /**
   * Removes directories no row names (a removal killed between its row and its files). Directories are
   * listed before rows are read: a directory exists only after its row, so one unnamed is an orphan.
   */
  sweep(): void {
    let dirs: string[];
    try {
      dirs = readdirSync(this.#dir);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return; // no volume made yet
      throw e;
    }
    const names = new Set((this.#db.prepare('SELECT name FROM volumes').all() as { name: string }[]).map((r) => r.name));
    for (const d of dirs) if (!names.has(d)) rmSync(join(this.#dir, d), { recursive: true, force: true });
  }

  get(name: string): VolumeRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as Row | undefined;
    return row && this.#record(row);
  }

  list(): VolumeRecord[] {
    return (this.#db.prepare('SELECT * FROM volumes ORDER BY name').all() as Row[]).map((r) => this.#record(r));
  }

  /** IDs of the containers that mount the volume. */
  users(name: string): string[] {
    return (this.#db.prepare('SELECT container_id FROM container_volumes WHERE volume_name = ? ORDER BY container_id').all(name) as { container_id: string }[]).map(
      (r) => r.container_id,
    );
  }

  /** Records that a container mounts these volumes (they must exist). */
  link(containerId: string, names: readonly string[]): void {
    const ins = this.#db.prepare('INSERT OR IGNORE INTO container_volumes (container_id, volume_name) VALUES (?, ?)');
    this.#db.transaction(() => {
      for (const n of names) ins.run(containerId, n);
    })();
  }

  markCopied(name: string): void {
    this.#db.prepare('UPDATE volumes SET needs_copy = 0 WHERE name = ?').run(name);
  }

  /** Deletes the row, then the directory. IN_USE when a container still mounts it; NOT_FOUND when absent. */
  remove(name: string): void {
    const deleted = this.#db.transaction(() => {
      const users = this.users(name);
      if (users.length > 0) {
        throw new StorageError('IN_USE', `volume ${name} is being used by the following container(s): ${users.join(', ')}: volume is being used`);
      }
      return this.#db.prepare('DELETE FROM volumes WHERE name = ?').run(name).changes;
    }).immediate();
    if (deleted === 0) throw new StorageError('NOT_FOUND', `no volume with name "${name}" found: no such volume`);
    rmSync(join(this.#dir, name), { recursive: true, force: true });
  }
}
