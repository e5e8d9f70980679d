/**
 * The metadata database: SQLite through better-sqlite3, synchronous by design. A transaction commits at
 * the first `await`, so callers gather async facts first and then write in one `db.transaction(() => …)()`.
 * WAL + busy timeout let several tsengine processes (CLIs, embedders) share one store.
 */
import type Database from 'better-sqlite3';
import { newDatabase } from './sqlite.ts';
import { StorageError } from './errors.ts';

export type Db = Database.Database;

/** Each entry migrates from version i to i+1. Append only; never edit a shipped migration. */
const MIGRATIONS: readonly string[] = [
  `
  -- Small content-addressed blobs (manifests, indexes, image configs), verified before insert.
  CREATE TABLE blobs (
    digest     TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    data       BLOB NOT NULL
  );
  -- Unpacked layers keyed by diffID (overlay lowerdirs need only a layer's own diff, so one dir per diffID
  -- serves every image that has it). A row is written before its dir exists ('pending', with the owning
  -- process) and flips to 'ready' once the diffID is verified; a pending row whose owner died is swept.
  CREATE TABLE layers (
    diff_id           TEXT PRIMARY KEY,
    dir               TEXT NOT NULL UNIQUE,
    state             TEXT NOT NULL CHECK (state IN ('pending', 'ready')),
    owner             TEXT,
    compressed_digest TEXT,
    compressed_size   INTEGER,
    size              INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL
  );
  -- An image is written in one transaction after all its layers are ready: complete or absent.
  CREATE TABLE images (
    id                  TEXT PRIMARY KEY,            -- hex of the config digest
    config_digest       TEXT NOT NULL REFERENCES blobs(digest),
    manifest_digest     TEXT NOT NULL REFERENCES blobs(digest),
    manifest_media_type TEXT NOT NULL,
    created             TEXT,                        -- the config's 'created'
    size                INTEGER NOT NULL,            -- unpacked bytes of all layers
    pulled_at           INTEGER NOT NULL
  );
  CREATE TABLE image_layers (
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    idx      INTEGER NOT NULL,
    diff_id  TEXT NOT NULL REFERENCES layers(diff_id),
    PRIMARY KEY (image_id, idx)
  );
  CREATE INDEX image_layers_diff ON image_layers(diff_id);
  -- 'docker.io/library/busybox:1.38.0-musl' → image. A name points at one image; tagging moves it.
  CREATE TABLE tags (
    name       TEXT PRIMARY KEY,
    image_id   TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX tags_image ON tags(image_id);
  -- 'docker.io/library/busybox@sha256:…' (the digest pulled by, index or manifest) → image.
  CREATE TABLE repo_digests (
    name     TEXT NOT NULL,
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    PRIMARY KEY (name, image_id)
  );
  CREATE INDEX repo_digests_image ON repo_digests(image_id);
  `,
  `
  -- A container: what create recorded (the spec inputs, as JSON) and where its lifecycle stands. The
  -- monitor's exit file is the truth for how it ended; 'running' rows are reconciled with it on read.
  CREATE TABLE containers (
    id          TEXT PRIMARY KEY,                  -- 64 hex
    name        TEXT NOT NULL UNIQUE,
    image_id    TEXT NOT NULL REFERENCES images(id),
    image_name  TEXT NOT NULL,                     -- what the user typed, resolved (docker's .Config.Image)
    runtime     TEXT NOT NULL,                     -- the runtime name recorded at create
    config      TEXT NOT NULL,                     -- JSON: the create options, resolved
    state       TEXT NOT NULL CHECK (state IN ('created', 'starting', 'running', 'exited', 'removing')),
    owner       TEXT,                              -- pid:starttime of the process in a transitional state
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER,
    exit_code   INTEGER,
    pid         INTEGER,                           -- the container's init, as the runtime reported it
    monitor_pid INTEGER,
    auto_remove INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX containers_image ON containers(image_id);
  `,
  `
  -- Named and anonymous volumes: data at <root>/volumes/<name>/_data (made before the row). needs_copy: the
  -- image's content at the first mount point is still to be copied in (docker's copy-up on first use).
  CREATE TABLE volumes (
    name       TEXT PRIMARY KEY,
    driver     TEXT NOT NULL DEFAULT 'local',
    labels     TEXT NOT NULL DEFAULT '{}',     -- JSON
    anonymous  INTEGER NOT NULL DEFAULT 0,
    needs_copy INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
  );
  -- Which containers use which volumes: a volume in use cannot be removed; rows go with their container.
  CREATE TABLE container_volumes (
    container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    volume_name  TEXT NOT NULL REFERENCES volumes(name),
    PRIMARY KEY (container_id, volume_name)
  );
  CREATE INDEX container_volumes_volume ON container_volumes(volume_name);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function openDb(path: string, o: { readonly?: boolean } = {}): Db {
  let db: Db;
  try {
    db = newDatabase(path, { timeout: 15_000, readonly: o.readonly ?? false });
  } catch (e) {
    throw new StorageError('STORE_CORRUPT', `opening the store database ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    initDb(db, path, o);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/** The pragmas every connection sets, and the migrations up to SCHEMA_VERSION. */
export function initDb(db: Db, path: string, o: { readonly?: boolean } = {}): void {
  if (!o.readonly) db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  migrate(db, path);
}

function migrate(db: Db, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new StorageError('STORE_CORRUPT', `store database ${path} has schema version ${current}, newer than this tsengine (${SCHEMA_VERSION})`, {
      hint: 'upgrade tsengine, or use another --root',
    });
  }
  if (current === SCHEMA_VERSION) return;
  // BEGIN IMMEDIATE: two processes opening a fresh store at once must not both migrate.
  db.transaction(() => {
    const now = db.pragma('user_version', { simple: true }) as number;
    for (let v = now; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
