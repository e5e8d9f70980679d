/**
 * Image metadata: images, their layers, tags and repo digests, and the small blobs (manifests, configs)
 * they were made from. Every write is one synchronous transaction, so an image is complete or absent.
 */
import type { Db } from './db.ts';
import { type Digest, sha256Digest } from './digest.ts';
import { StorageError } from './errors.ts';

export interface ImageRecord {
  /** 64 hex: the config digest without its prefix. */
  readonly id: string;
  readonly configDigest: Digest;
  readonly manifestDigest: Digest;
  readonly manifestMediaType: string;
  /** The config's `created`, as stored. */
  readonly created: string | undefined;
  /** Unpacked bytes of all layers. */
  readonly size: number;
  readonly pulledAt: Date;
  /** diffIDs, base layer first. */
  readonly layers: readonly Digest[];
  /** Full names, `registry/repo:tag`, sorted. */
  readonly tags: readonly string[];
  /** `registry/repo@sha256:…`, sorted. */
  readonly digests: readonly string[];
}

export interface StoredBlob {
  readonly digest: Digest;
  readonly mediaType: string;
  readonly data: Buffer;
}

export interface CommitImage {
  readonly config: StoredBlob;
  readonly manifest: StoredBlob;
  readonly created: string | undefined;
  readonly layers: readonly Digest[];
  readonly size: number;
  /** Name to point at the image (moved from any other image), e.g. `docker.io/library/busybox:latest`. */
  readonly tag?: string | undefined;
  readonly repoDigests: readonly string[];
}

interface ImageRow {
  id: string;
  config_digest: string;
  manifest_digest: string;
  manifest_media_type: string;
  created: string | null;
  size: number;
  pulled_at: number;
}

export class ImageStore {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
  }

  /** Writes the image, its blobs, layers list, tag and digests. Every layer must be ready. */
  commit(c: CommitImage): ImageRecord {
    for (const b of [c.config, c.manifest]) {
      if (sha256Digest(b.data) !== b.digest) throw new Error(`unreachable: blob ${b.digest} does not hash to its digest`);
    }
    const id = c.config.digest.slice('sha256:'.length);
    const db = this.#db;
    db.transaction(() => {
      const putBlob = db.prepare('INSERT OR IGNORE INTO blobs (digest, media_type, data) VALUES (?, ?, ?)');
      for (const b of [c.config, c.manifest]) putBlob.run(b.digest, b.mediaType, b.data);
      const notReady = db
        .prepare(`SELECT COUNT(*) AS n FROM layers WHERE state = 'ready' AND diff_id IN (SELECT value FROM json_each(?))`)
        .get(JSON.stringify(c.layers)) as { n: number };
      if (notReady.n !== new Set(c.layers).size) {
        throw new StorageError('NOT_FOUND', `image ${id}: a layer was removed while pulling`);
      }
      db.prepare(`INSERT INTO images (id, config_digest, manifest_digest, manifest_media_type, created, size, pulled_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?)
                  ON CONFLICT(id) DO UPDATE SET manifest_digest = excluded.manifest_digest,
                    manifest_media_type = excluded.manifest_media_type, pulled_at = excluded.pulled_at`)
        .run(id, c.config.digest, c.manifest.digest, c.manifest.mediaType, c.created ?? null, c.size, Date.now());
      db.prepare('DELETE FROM image_layers WHERE image_id = ?').run(id);
      const putLayer = db.prepare('INSERT INTO image_layers (image_id, idx, diff_id) VALUES (?, ?, ?)');
      c.layers.forEach((d, i) => putLayer.run(id, i, d));
      if (c.tag !== undefined) this.#setTag(c.tag, id);
      const putDigest = db.prepare('INSERT OR IGNORE INTO repo_digests (name, image_id) VALUES (?, ?)');
      for (const d of c.repoDigests) putDigest.run(d, id);
    }).immediate();
    return this.get(id)!;
  }

  #setTag(name: string, id: string): void {
    this.#db
      .prepare(`INSERT INTO tags (name, image_id, created_at) VALUES (?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, created_at = excluded.created_at`)
      .run(name, id, Date.now());
  }

  tag(id: string, name: string): void {
    this.#db.transaction(() => {
      if (!this.#db.prepare('SELECT 1 FROM images WHERE id = ?').get(id)) {
        throw new StorageError('NOT_FOUND', `image ${id} is not stored`);
      }
      this.#setTag(name, id);
    }).immediate();
  }

  /** Removes a name; true if it existed. */
  untag(name: string): boolean {
    return this.#db.prepare('DELETE FROM tags WHERE name = ?').run(name).changes > 0;
  }

  get(id: string): ImageRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    return row && this.#record(row);
  }

  list(): ImageRecord[] {
    const rows = this.#db.prepare('SELECT * FROM images ORDER BY pulled_at DESC, id').all() as ImageRow[];
    return rows.map((r) => this.#record(r));
  }

  /** Images whose id starts with `prefix` (lower-case hex). */
  byIdPrefix(prefix: string): ImageRecord[] {
    const rows = this.#db
      .prepare(`SELECT * FROM images WHERE id >= ? AND id < ? ORDER BY id`)
      .all(prefix, `${prefix}g`) as ImageRow[];
    return rows.map((r) => this.#record(r));
  }

  /** The image a full name (`registry/repo:tag` or `registry/repo@digest`) points at. */
  byName(name: string): ImageRecord | undefined {
    const row = (this.#db.prepare('SELECT image_id FROM tags WHERE name = ?').get(name) ??
      this.#db.prepare('SELECT image_id FROM repo_digests WHERE name = ?').get(name)) as { image_id: string } | undefined;
    return row && this.get(row.image_id);
  }

  /** Every stored tag name, for short-name matching. */
  allNames(): { name: string; imageId: string }[] {
    const rows = this.#db.prepare('SELECT name, image_id FROM tags UNION ALL SELECT name, image_id FROM repo_digests').all() as {
      name: string;
      image_id: string;
    }[];
    return rows.map((r) => ({ name: r.name, imageId: r.image_id }));
  }

  blob(digest: Digest): StoredBlob | undefined {
    const row = this.#db.prepare('SELECT digest, media_type, data FROM blobs WHERE digest = ?').get(digest) as
      | { digest: Digest; media_type: string; data: Buffer }
      | undefined;
    return row && { digest: row.digest, mediaType: row.media_type, data: row.data };
  }

  /**
   * Deletes the image's rows and the blobs only it used; `onRemoved` runs inside the same transaction
   * (the layer store uses it to take layers no image uses any more).
   */
  remove<T>(id: string, onRemoved: () => T): T {
    return this.#db.transaction(() => {
      const img = this.#db.prepare('SELECT config_digest, manifest_digest FROM images WHERE id = ?').get(id) as
        | { config_digest: string; manifest_digest: string }
        | undefined;
      if (!img) throw new StorageError('NOT_FOUND', `image ${id} is not stored`);
      this.#db.prepare('DELETE FROM images WHERE id = ?').run(id);
      this.#db.prepare(`DELETE FROM blobs WHERE digest NOT IN (SELECT config_digest FROM images)
                          AND digest NOT IN (SELECT manifest_digest FROM images)`).run();
      return onRemoved();
    }).immediate();
  }

  #record(row: ImageRow): ImageRecord {
    const layers = (this.#db.prepare('SELECT diff_id FROM image_layers WHERE image_id = ? ORDER BY idx').all(row.id) as { diff_id: Digest }[]).map(
      (r) => r.diff_id,
    );
    const tags = (this.#db.prepare('SELECT name FROM tags WHERE image_id = ? ORDER BY name').all(row.id) as { name: string }[]).map((r) => r.name);
    const digests = (this.#db.prepare('SELECT name FROM repo_digests WHERE image_id = ? ORDER BY name').all(row.id) as { name: string }[]).map(
      (r) => r.name,
    );
    return {
      id: row.id,
      configDigest: row.config_digest as Digest,
      manifestDigest: row.manifest_digest as Digest,
      manifestMediaType: row.manifest_media_type,
      created: row.created ?? undefined,
      size: row.size,
      pulledAt: new Date(row.pulled_at),
      layers,
      tags,
      digests,
    };
  }
}
