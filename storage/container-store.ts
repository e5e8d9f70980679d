/**
 * Container rows. Every state change is one synchronous transaction that checks the state it moves from,
 * so two processes racing (`rm -f` while `start`) cannot both win. A row in a transitional state names
 * its owner (pid:starttime); a dead owner's transition is undone by whoever looks next.
 */
import type { Db } from './db.ts';
import { StorageError } from './errors.ts';
import { isOwnerAlive, selfOwner } from './owner.ts';

export type ContainerState = 'created' | 'starting' | 'running' | 'exited' | 'removing';

export interface ContainerRecord {
  readonly id: string;
  readonly name: string;
  readonly imageId: string;
  readonly imageName: string;
  readonly runtime: string;
  /** The create options, resolved, as the engine stored them. */
  readonly config: unknown;
  readonly state: ContainerState;
  readonly owner: string | undefined;
  readonly createdAt: Date;
  readonly startedAt: Date | undefined;
  readonly finishedAt: Date | undefined;
  readonly exitCode: number | undefined;
  readonly pid: number | undefined;
  readonly monitorPid: number | undefined;
  readonly autoRemove: boolean;
}

export type NewContainer = Pick<ContainerRecord, 'id' | 'name' | 'imageId' | 'imageName' | 'runtime' | 'config' | 'autoRemove'>;

export interface StatePatch {
  readonly startedAt?: Date | null;
  readonly finishedAt?: Date | null;
  readonly exitCode?: number | null;
  readonly pid?: number | null;
  readonly monitorPid?: number | null;
}

interface Row {
  id: string;
  name: string;
  image_id: string;
  image_name: string;
  runtime: string;
  config: string;
  state: ContainerState;
  owner: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  exit_code: number | null;
  pid: number | null;
  monitor_pid: number | null;
  auto_remove: number;
}

const TRANSITIONAL: readonly ContainerState[] = ['starting', 'removing'];

export class ContainerStore {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
  }

  /** Inserts a 'created' row owned by this process until `release` (its directory is being made). */
  insert(c: NewContainer): ContainerRecord {
    try {
      this.#db
        .prepare(`INSERT INTO containers (id, name, image_id, image_name, runtime, config, state, owner, created_at, auto_remove)
                  VALUES (?, ?, ?, ?, ?, ?, 'created', ?, ?, ?)`)
        .run(c.id, c.name, c.imageId, c.imageName, c.runtime, JSON.stringify(c.config), selfOwner(), Date.now(), c.autoRemove ? 1 : 0);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && String((e as Error).message).includes('containers.name')) {
        throw new StorageError('NAME_IN_USE', `the container name "${c.name}" is already in use`, {
          hint: 'remove that container, or choose another name (podman: --replace)',
        });
      }
      throw e;
    }
    return this.get(c.id)!;
  }

  /** Clears the owner of a row this process holds. */
  release(id: string): void {
    this.#db.prepare('UPDATE containers SET owner = NULL WHERE id = ? AND owner = ?').run(id, selfOwner());
  }

  get(id: string): ContainerRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as Row | undefined;
    return row && record(row);
  }

  byName(name: string): ContainerRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM containers WHERE name = ?').get(name) as Row | undefined;
    return row && record(row);
  }

  byIdPrefix(prefix: string): ContainerRecord[] {
    const rows = this.#db.prepare('SELECT * FROM containers WHERE id >= ? AND id < ? ORDER BY id').all(prefix, `${prefix}g`) as Row[];
    return rows.map(record);
  }

  list(): ContainerRecord[] {
    return (this.#db.prepare('SELECT * FROM containers ORDER BY created_at DESC, id').all() as Row[]).map(record);
  }

  usesImage(imageId: string): ContainerRecord[] {
    return (this.#db.prepare('SELECT * FROM containers WHERE image_id = ?').all(imageId) as Row[]).map(record);
  }

  /**
   * Moves `id` from one of `from` to `to` in one transaction, taking ownership when `to` is transitional.
   * A transitional state whose owner died counts as the state before it (`starting` → created/exited,
   * `removing` → exited). Throws BAD_STATE with the current state otherwise, NOT_FOUND if there is no row.
   */
  transition(id: string, from: readonly ContainerState[], to: ContainerState, patch: StatePatch = {}): ContainerRecord {
    return this.#db.transaction(() => {
      const row = this.#db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as Row | undefined;
      if (!row) throw new StorageError('NOT_FOUND', `no container with ID ${id}`);
      const current = effectiveState(row);
      if (!from.includes(current)) {
        throw new StorageError('BAD_STATE', `container ${row.name} is ${current}`);
      }
      const owner = TRANSITIONAL.includes(to) ? selfOwner() : null;
      const sets = ['state = ?', 'owner = ?'];
      const args: unknown[] = [to, owner];
      for (const [col, v] of patchColumns(patch)) {
        sets.push(`${col} = ?`);
        args.push(v);
      }
      this.#db.prepare(`UPDATE containers SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
      return record(this.#db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as Row);
    }).immediate();
  }

  delete(id: string): boolean {
    return this.#db.prepare('DELETE FROM containers WHERE id = ?').run(id).changes > 0;
  }

  /** Ids of rows whose creation never finished: inserted, then the creating process died (for sweeps). */
  abandonedCreations(): string[] {
    const rows = this.#db.prepare(`SELECT id, owner FROM containers WHERE owner IS NOT NULL AND state = 'created'`).all() as Pick<Row, 'id' | 'owner'>[];
    return rows.filter((r) => !isOwnerAlive(r.owner!)).map((r) => r.id);
  }

  /** Every container id, for sweeps of directories. */
  ids(): Set<string> {
    return new Set((this.#db.prepare('SELECT id FROM containers').all() as Pick<Row, 'id'>[]).map((r) => r.id));
  }
}

/** The state a row is really in, given that its owner may have died mid-transition. */
function effectiveState(row: Row): ContainerState {
  if (row.owner === null || isOwnerAlive(row.owner)) return row.state;
  if (row.state === 'starting') return row.started_at === null && row.exit_code === null ? 'created' : 'exited';
  if (row.state === 'removing') return 'exited';
  return row.state;
}

function patchColumns(p: StatePatch): [string, number | null][] {
  const out: [string, number | null][] = [];
  const date = (d: Date | null | undefined) => (d === null ? null : d!.getTime());
  if (p.startedAt !== undefined) out.push(['started_at', date(p.startedAt)]);
  if (p.finishedAt !== undefined) out.push(['finished_at', date(p.finishedAt)]);
  if (p.exitCode !== undefined) out.push(['exit_code', p.exitCode]);
  if (p.pid !== undefined) out.push(['pid', p.pid]);
  if (p.monitorPid !== undefined) out.push(['monitor_pid', p.monitorPid]);
  return out;
}

function record(r: Row): ContainerRecord {
  const opt = (v: number | null) => (v === null ? undefined : v);
  const date = (v: number | null) => (v === null ? undefined : new Date(v));
  return {
    id: r.id,
    name: r.name,
    imageId: r.image_id,
    imageName: r.image_name,
    runtime: r.runtime,
    config: JSON.parse(r.config) as unknown,
    state: effectiveState(r),
    owner: r.owner ?? undefined,
    createdAt: new Date(r.created_at),
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
    exitCode: opt(r.exit_code),
    pid: opt(r.pid),
    monitorPid: opt(r.monitor_pid),
    autoRemove: r.auto_remove === 1,
  };
}
