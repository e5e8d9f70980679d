/**
 * Unpacked layers, one directory per diffID, each usable as an overlay lowerdir.
 *
 * Lifecycle of a layer: `apply` inserts a 'pending' row owned by this process, creates the directory named
 * in it, streams the blob through digest check → decompression → diffID check → unpack, then flips the row
 * to 'ready'. A failure (bad digest, hostile tar, abort) deletes the row and the directory. A SIGKILL leaves
 * a pending row whose owner is dead: `sweep` (run at open) and the next `apply` of that diffID remove it.
 * Removal deletes the row first, then the directory (a crash in between leaves an orphan dir for `sweep`).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from './db.ts';
import { decompressStream } from './decompress.ts';
import { type Digest, DigestingStream } from './digest.ts';
import { isOwnerAlive, selfOwner } from './owner.ts';
import { unpackLayer } from './unpack.ts';

export interface LayerRecord {
  readonly diffId: Digest;
  /** Absolute path of the unpacked layer. */
  readonly path: string;
  /** Bytes of file content in the layer. */
  readonly size: number;
}

export interface ApplyOptions {
  /** The compressed blob as the manifest describes it; verified while streaming. */
  readonly blob: { readonly digest: Digest; readonly size: number };
  /** Opens the blob's byte stream; only called when the layer is not already stored. */
  readonly open: () => Promise<Readable>;
  readonly signal?: AbortSignal | undefined;
  /** Compressed bytes received so far, as they arrive. */
  readonly onBytes?: ((bytes: number) => void) | undefined;
  /** Called once the layer is being fetched by this call (not reused, not waited for). */
  readonly onFetch?: (() => void) | undefined;
}

interface LayerRow {
  diff_id: string;
  dir: string;
  state: 'pending' | 'ready';
  owner: string | null;
  size: number;
}

const WAIT_POLL_MS = 100;

export class LayerStore {
  readonly #db: Db;
  readonly #dir: string;
  readonly #xattrNamespace: 'trusted' | 'user';

  constructor(db: Db, dir: string, o: { xattrNamespace: 'trusted' | 'user' }) {
    this.#db = db;
    this.#dir = dir;
    this.#xattrNamespace = o.xattrNamespace;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** A ready layer, or undefined. */
  get(diffId: Digest): LayerRecord | undefined {
    const row = this.#row(diffId);
    return row?.state === 'ready' ? this.#record(row) : undefined;
  }

  /**
   * Makes the layer `diffId` ready, unpacking it from the blob unless it is already stored. When another
   * live process (or another call in this one) is unpacking the same layer, waits for it instead.
   */
  async apply(diffId: Digest, o: ApplyOptions): Promise<LayerRecord & { readonly reused: boolean }> {
    for (;;) {
      o.signal?.throwIfAborted();
      const claim = this.#claim(diffId, o.blob);
      if (claim.kind === 'ready') return { ...this.#record(claim.row), reused: true };
      if (claim.kind === 'busy') {
        await sleep(WAIT_POLL_MS, undefined, o.signal ? { signal: o.signal } : undefined);
        continue;
      }
      o.onFetch?.();
      return { ...(await this.#unpack(diffId, claim.dir, o)), reused: false };
    }
  }

  #row(diffId: string): LayerRow | undefined {
    return this.#db.prepare('SELECT diff_id, dir, state, owner, size FROM layers WHERE diff_id = ?').get(diffId) as LayerRow | undefined;
  }

  #record(row: LayerRow): LayerRecord {
    return { diffId: row.diff_id as Digest, path: join(this.#dir, row.dir), size: row.size };
  }

  /** One transaction: reuse a ready row, wait on a live owner, or take the layer (replacing a dead owner's row). */
  #claim(diffId: Digest, blob: ApplyOptions['blob']):
    | { kind: 'ready'; row: LayerRow }
    | { kind: 'busy' }
    | { kind: 'mine'; dir: string } {
    let stale: string | undefined;
    const result = this.#db.transaction(() => {
      const row = this.#row(diffId);
      if (row?.state === 'ready') return { kind: 'ready' as const, row };
      if (row && row.owner !== null && isOwnerAlive(row.owner)) return { kind: 'busy' as const };
      if (row) {
        stale = row.dir;
        this.#db.prepare('DELETE FROM layers WHERE diff_id = ?').run(diffId);
      }
      const dir = randomBytes(13).toString('hex');
      this.#db
        .prepare(`INSERT INTO layers (diff_id, dir, state, owner, compressed_digest, compressed_size, created_at)
                  VALUES (?, ?, 'pending', ?, ?, ?, ?)`)
        .run(diffId, dir, selfOwner(), blob.digest, blob.size, Date.now());
      return { kind: 'mine' as const, dir };
    }).immediate();
    if (stale !== undefined) rmSync(join(this.#dir, stale), { recursive: true, force: true });
    if (result.kind === 'mine') mkdirSync(join(this.#dir, result.dir), { mode: 0o755 });
    return result;
  }

  async #unpack(diffId: Digest, dir: string, o: ApplyOptions): Promise<LayerRecord> {
    const path = join(this.#dir, dir);
    try {
      const source = await o.open();
      const compressed = new DigestingStream({ digest: o.blob.digest, size: o.blob.size, what: `blob ${o.blob.digest}` });
      const tar = new DigestingStream({ digest: diffId, what: `layer ${diffId} (diffID)` });
      if (o.onBytes) {
        const onBytes = o.onBytes;
        compressed.on('data', () => onBytes(compressed.bytes));
      }
      let streamError: unknown;
      const tail = pipeline(source, compressed, decompressStream(), tar, (err) => {
        if (err) streamError ??= err;
      });
      const unpacked = await unpackLayer(tail, path, {
        xattrNamespace: this.#xattrNamespace,
        ...(o.signal ? { signal: o.signal } : {}),
      }).catch((e: unknown) => {
        // A digest or size failure upstream shows up here as a premature close; report the real cause.
        throw streamError ?? e;
      });
      if (streamError !== undefined) throw streamError;
      this.#db
        .prepare(`UPDATE layers SET state = 'ready', owner = NULL, size = ? WHERE diff_id = ? AND dir = ?`)
        .run(unpacked.bytes, diffId, dir);
      return { diffId, path, size: unpacked.bytes };
    } catch (e) {
      this.#db.prepare('DELETE FROM layers WHERE diff_id = ? AND dir = ?').run(diffId, dir);
      await rm(path, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Deletes the rows of ready layers that no image uses and returns their directories; the caller removes
   * them after the surrounding transaction commits (`removeDirs`). Call inside a transaction.
   */
  takeUnused(): string[] {
    const rows = this.#db
      .prepare(`SELECT diff_id, dir FROM layers WHERE state = 'ready'
                AND diff_id NOT IN (SELECT diff_id FROM image_layers)`)
      .all() as { diff_id: string; dir: string }[];
    const del = this.#db.prepare('DELETE FROM layers WHERE diff_id = ?');
    for (const r of rows) del.run(r.diff_id);
    return rows.map((r) => r.dir);
  }

  async removeDirs(dirs: readonly string[]): Promise<void> {
    await Promise.all(dirs.map((d) => rm(join(this.#dir, d), { recursive: true, force: true })));
  }

  /**
   * Removes what killed processes left: pending rows whose owner is dead (row first, then dir), and dirs
   * no row names. Reads the directory before the rows: rows are written before their dirs, so a dir seen
   * first and unnamed by the rows read after it is an orphan, never work in progress.
   */
  sweep(): void {
    const dirs = readdirSync(this.#dir);
    const dead: string[] = [];
    const known = new Set<string>();
    this.#db.transaction(() => {
      const rows = this.#db.prepare('SELECT diff_id, dir, state, owner FROM layers').all() as LayerRow[];
      const del = this.#db.prepare('DELETE FROM layers WHERE diff_id = ? AND dir = ?');
      for (const r of rows) {
        if (r.state === 'pending' && (r.owner === null || !isOwnerAlive(r.owner))) {
          del.run(r.diff_id, r.dir);
          dead.push(r.dir);
        } else {
          known.add(r.dir);
        }
      }
    }).immediate();
    for (const d of dirs) {
      if (!known.has(d)) rmSync(join(this.#dir, d), { recursive: true, force: true });
    }
    for (const d of dead) rmSync(join(this.#dir, d), { recursive: true, force: true });
  }
}
