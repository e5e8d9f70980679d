/**
 * The store: SQLite metadata plus unpacked layers on disk.
 *
 *   <root>/store.db      images, tags, repo digests, layers, small blobs (storage/db.ts)
 *   <root>/layers/<dir>  one unpacked layer each, an overlay lowerdir (storage/layer-store.ts)
 *   <root>/volumes/<name>/_data  a volume's data (storage/volume-store.ts)
 *
 * Glossary: storage/digest.ts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Db, openDb } from './db.ts';
import { ContainerStore } from './container-store.ts';
import { ImageStore } from './image-store.ts';
import { LayerStore } from './layer-store.ts';
import { VolumeStore } from './volume-store.ts';

export interface StoreOptions {
  readonly root: string;
  /** Overlay xattr namespace for opaque dirs: 'trusted' as real root, 'user' inside a user namespace. */
  readonly xattrNamespace: 'trusted' | 'user';
}

export class Store {
  readonly db: Db;
  readonly images: ImageStore;
  readonly layers: LayerStore;
  readonly containers: ContainerStore;
  readonly volumes: VolumeStore;
  readonly root: string;

  private constructor(root: string, db: Db, images: ImageStore, layers: LayerStore) {
    this.root = root;
    this.db = db;
    this.images = images;
    this.layers = layers;
    this.containers = new ContainerStore(db);
    this.volumes = new VolumeStore(db, join(root, 'volumes'));
  }

  /** Opens (creating if needed) and sweeps what killed processes left behind. */
  static open(o: StoreOptions): Store {
    mkdirSync(o.root, { recursive: true, mode: 0o700 });
    const db = openDb(join(o.root, 'store.db'));
    try {
      const layers = new LayerStore(db, join(o.root, 'layers'), { xattrNamespace: o.xattrNamespace });
      layers.sweep();
      return new Store(o.root, db, new ImageStore(db), layers);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export { type Digest, isDigest, parseDigest, sha256Digest, DigestingStream } from './digest.ts';
export { StorageError, type StorageErrorCode } from './errors.ts';
export type { ImageRecord, StoredBlob } from './image-store.ts';
export type { LayerRecord } from './layer-store.ts';
export type { ContainerRecord, ContainerState } from './container-store.ts';
export type { VolumeRecord } from './volume-store.ts';
