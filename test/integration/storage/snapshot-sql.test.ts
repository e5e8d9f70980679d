// The in-memory SQLite stand-in the start-up snapshot's warm-up opens its engine with (engine/snapshot-sql.ts):
// the same store operations run on it and on real SQLite (better-sqlite3 on a temp file) must read back the
// same rows, fail with the same codes, and roll back the same way; a statement it does not know throws
// with its text instead of answering wrongly.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memorySqliteBinding } from '../../../engine/snapshot-sql.ts';
import { ContainerStore } from '../../../storage/container-store.ts';
import { initDb, type Db } from '../../../storage/db.ts';
import { ImageStore } from '../../../storage/image-store.ts';
import { VolumeStore } from '../../../storage/volume-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'tse-snapshot-sql-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(kind: 'real' | 'memory', binding = memorySqliteBinding()): Db {
  const path = join(dir, `${kind}-${Math.random().toString(36).slice(2)}.db`);
  const db = new Database(path, kind === 'memory' ? { nativeBinding: binding as unknown as string } : {});
  initDb(db, path);
  return db;
}

const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return String((e as { code?: unknown }).code ?? (e as Error).message);
  }
};

/** A container's and an image's life through the stores; everything read back. The clock ticks a second a call. */
function script(db: Db): unknown[] {
  let tick = 1_700_000_000_000;
  Date.now = () => (tick += 1000);
  const out: unknown[] = [];
  const images = new ImageStore(db);
  const containers = new ContainerStore(db);
  const volumes = new VolumeStore(db, join(dir, 'volumes'));
  const now = 1_700_000_000_000;
  const put = (sql: string, ...v: unknown[]) => db.prepare(sql).run(...v).changes;
  out.push(put('INSERT INTO blobs (digest, media_type, data) VALUES (?, ?, ?)', 'sha256:c0', 'application/json', Buffer.from('{"os":"linux"}')));
  out.push(put('INSERT INTO blobs (digest, media_type, data) VALUES (?, ?, ?)', 'sha256:m0', 'application/json', Buffer.from('{}')));
  out.push(put("INSERT INTO layers (diff_id, dir, state, owner, size, created_at) VALUES (?, ?, 'ready', NULL, 7, ?)", 'sha256:l0', 'd0', now));
  out.push(put('INSERT INTO images (id, config_digest, manifest_digest, manifest_media_type, created, size, pulled_at) VALUES (?, ?, ?, ?, NULL, 7, ?)', 'c0', 'sha256:c0', 'sha256:m0', 'application/json', now));
  out.push(put('INSERT INTO image_layers (image_id, idx, diff_id) VALUES (?, ?, ?)', 'c0', 0, 'sha256:l0'));
  out.push(put('INSERT INTO tags (name, image_id, created_at) VALUES (?, ?, ?)', 'localhost/a:latest', 'c0', now));
  out.push(put('INSERT OR IGNORE INTO repo_digests (name, image_id) VALUES (?, ?)', 'localhost/a@sha256:m0', 'c0'));
  out.push(put('INSERT OR IGNORE INTO repo_digests (name, image_id) VALUES (?, ?)', 'localhost/a@sha256:m0', 'c0'));
  out.push(images.byName('localhost/a:latest'), images.byIdPrefix('c'), images.blob('sha256:c0' as never), images.list());
  const base = { imageId: 'c0', imageName: 'localhost/a:latest', runtime: 'crun', config: { command: ['true'] }, autoRemove: false };
  out.push(containers.insert({ ...base, id: 'ab01', name: 'one' }));
  out.push(containers.insert({ ...base, id: 'ab02', name: 'two', autoRemove: true }));
  out.push(codeOf(() => containers.insert({ ...base, id: 'ab03', name: 'one' })));
  out.push(codeOf(() => containers.insert({ ...base, id: 'ab01', name: 'three' })));
  out.push(containers.abandonedCreations(), containers.byIdPrefix('ab'), containers.byIdPrefix('ab0'), containers.byIdPrefix('b'));
  containers.release('ab01');
  out.push(containers.transition('ab01', ['created'], 'starting', { exitCode: null, finishedAt: null }));
  out.push(containers.transition('ab01', ['starting'], 'running', { startedAt: new Date(now + 5), pid: 42, monitorPid: 41 }));
  out.push(codeOf(() => containers.transition('ab01', ['created'], 'starting')));
  out.push(codeOf(() => containers.transition('zz', ['created'], 'starting')));
  out.push(containers.transition('ab01', ['running'], 'exited', { exitCode: 3, finishedAt: new Date(now + 9) }));
  out.push(containers.byName('two'), containers.get('ab01'), containers.list(), containers.usesImage('c0'), [...containers.ids()]);
  out.push(volumes.create({ name: 'v1', labels: { a: 'b' } }), codeOf(() => volumes.create({ name: 'v1' })), volumes.list());
  out.push(put('INSERT OR IGNORE INTO container_volumes (container_id, volume_name) VALUES (?, ?)', 'ab01', 'v1'), volumes.users('v1'));
  out.push(codeOf(() => db.transaction(() => {
    containers.insert({ ...base, id: 'ab04', name: 'four' });
    throw Object.assign(new Error('rolled back'), { code: 'ROLLED_BACK' });
  }).immediate()));
  out.push(containers.get('ab04') ?? 'absent');
  out.push(put('DELETE FROM container_volumes WHERE container_id = ?', 'ab01'), containers.delete('ab01'), containers.delete('ab01'), containers.list());
  out.push(db.pragma('user_version', { simple: true }));
  return out;
}

describe('the snapshot warm-up store (engine/snapshot-sql.ts)', () => {
  it('answers the stores as real SQLite does', () => {
    const realNow = Date.now;
    try {
      const real = open('real');
      const memory = open('memory');
      expect(script(memory)).toEqual(script(real));
      real.close();
      memory.close();
    } finally {
      Date.now = realNow;
    }
  });

  it('connections to the same path share their tables, as a file would', () => {
    const binding = memorySqliteBinding();
    const path = join(dir, 'shared.db');
    const a = new Database(path, { nativeBinding: binding as unknown as string });
    initDb(a, path);
    const b = new Database(path, { nativeBinding: binding as unknown as string });
    initDb(b, path);
    a.prepare('INSERT INTO tags (name, image_id, created_at) VALUES (?, ?, ?)').run('n', 'i', 1);
    expect(b.prepare('SELECT name, image_id FROM tags').all()).toEqual([{ name: 'n', image_id: 'i' }]);
    expect(new Database(join(dir, 'other.db'), { nativeBinding: binding as unknown as string }).pragma('user_version', { simple: true })).toBe(0);
  });

  it('throws with the text of a statement it does not know', () => {
    const db = open('memory');
    expect(() => db.prepare('SELECT COUNT(*) AS n FROM layers')).toThrow('snapshot warm-up store: expected FROM: SELECT COUNT(*) AS n FROM layers');
    expect(() => db.prepare('SELECT name FROM tags WHERE name LIKE ?')).toThrow(/operator LIKE: SELECT name FROM tags WHERE name LIKE \?$/);
    expect(() => db.prepare('SELECT * FROM nosuch')).toThrow(/no such table nosuch/);
  });
});
