/**
 * engine.images: pull, list, inspect, remove, tag. Thin: resolve names, call storage and pull, shape results.
 */
import type { ImageRecord, Store } from '../../storage/index.ts';
import { EngineError, isEngineError } from '../errors.ts';
import type { RegistryClient } from '../registry/client.ts';
import { type ImageInspect, toImageInspect } from './inspect.ts';
import { findImage, lookupImage } from './lookup.ts';
import { parseImageConfig } from './manifest.ts';
import { type PullOptions, pullReference } from './pull.ts';
import { formatReference, isShortName, parseReference } from './reference.ts';
import { isBlocked, type RegistriesConf, resolveShortName } from './short-names.ts';

export interface ImageSummary {
  /** 64 hex. */
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  /** Digest of the image manifest. */
  readonly digest: string;
  readonly created: Date | undefined;
  /** Unpacked bytes. */
  readonly size: number;
}

export interface PullResult extends ImageSummary {
  /** The full reference that was pulled, after short-name resolution. */
  readonly reference: string;
  /** A note for the user, e.g. how a short name was resolved. */
  readonly note?: string;
}

export interface RemoveReport {
  readonly untagged: readonly string[];
  /** IDs (64 hex) of images deleted. */
  readonly deleted: readonly string[];
}

export interface ImagesDeps {
  readonly store: Store;
  /** Removes a container (rmi -f removes the containers that use the image, as podman). */
  readonly removeContainer: (id: string) => Promise<unknown>;
  readonly registry: () => Promise<RegistryClient>;
  readonly registriesConf: () => RegistriesConf;
  /** Rootless: turns a storage error into one that says what to do (the user's ID ranges, the fix). */
  readonly explain?: (e: unknown) => unknown;
}

function summary(img: ImageRecord): ImageSummary {
  return {
    id: img.id,
    repoTags: img.tags,
    repoDigests: img.digests,
    digest: img.manifestDigest,
    created: img.created !== undefined ? new Date(img.created) : undefined,
    size: img.size,
  };
}

export class Images {
  readonly #d: ImagesDeps;
  constructor(deps: ImagesDeps) {
    this.#d = deps;
  }

  /**
   * Pulls `ref` (a full name, or a short name resolved through registries.conf, else docker.io). Layers
   * already stored are not fetched again. Aborting leaves the store consistent.
   */
  async pull(ref: string, o: PullOptions = {}): Promise<PullResult> {
    const { candidates, note } = isShortName(ref)
      ? resolveShortName(ref, this.#d.registriesConf())
      : { candidates: [parseReference(ref)], note: undefined };
    const errors: unknown[] = [];
    for (const candidate of candidates) {
      if (isBlocked(candidate, this.#d.registriesConf())) {
        errors.push(new EngineError('REGISTRY_AUTH', `${formatReference(candidate)}: registry is blocked in registries.conf`));
        continue;
      }
      try {
        const img = await pullReference(this.#d.store, await this.#d.registry(), candidate, o).catch((e: unknown) => {
          throw this.#d.explain?.(e) ?? e;
        });
        return { ...summary(img), reference: formatReference(candidate), ...(note !== undefined ? { note } : {}) };
      } catch (e) {
        // Only "not there" moves on to the next search registry; anything else is the answer.
        if (!(isEngineError(e) && (e.code === 'MANIFEST_UNKNOWN' || e.code === 'REGISTRY_UNREACHABLE')) || candidates.length === 1) throw e;
        errors.push(e);
      }
    }
    if (errors.length === 1) throw errors[0];
    const detail = errors.map((e) => (e as Error).message).join('; ');
    throw new EngineError('MANIFEST_UNKNOWN', `${ref}: not found in any search registry: ${detail}`, { cause: errors[0] });
  }

  async list(): Promise<ImageSummary[]> {
    return this.#d.store.images.list().map(summary);
  }

  /** True if `nameOrId` names a stored image. */
  async exists(nameOrId: string): Promise<boolean> {
    return findImage(this.#d.store.images, nameOrId, this.#d.registriesConf) !== undefined;
  }

  async inspect(nameOrId: string): Promise<ImageInspect> {
    const store = this.#d.store;
    const img = lookupImage(store.images, nameOrId, this.#d.registriesConf);
    const blob = store.images.blob(img.configDigest);
    if (!blob) throw new EngineError('STORE_CORRUPT', `image ${img.id}: its config blob ${img.configDigest} is missing`);
    const paths = img.layers.map((d) => store.layers.get(d)?.path ?? '');
    return toImageInspect(img, parseImageConfig(blob.data), paths);
  }

  /** Points `target` (normalised; a short name becomes `localhost/NAME`) at the image `nameOrId`. */
  async tag(nameOrId: string, target: string): Promise<void> {
    const img = lookupImage(this.#d.store.images, nameOrId, this.#d.registriesConf);
    const ref = parseReference(isShortName(target) ? `localhost/${target}` : target);
    if (ref.digest !== undefined) throw new EngineError('INVALID_REFERENCE', `${target}: a tag cannot contain a digest`);
    this.#d.store.images.tag(img.id, formatReference(ref));
  }

  /**
   * Removes a name, or the whole image. Given a name of an image that has other names, only that name
   * goes (`untagged`). Given an ID of an image with several names, `force` is needed. Layers no image
   * uses any more are deleted.
   */
  async remove(nameOrId: string, o: { force?: boolean } = {}): Promise<RemoveReport> {
    const store = this.#d.store;
    const img = lookupImage(store.images, nameOrId, this.#d.registriesConf);
    const byId = img.id.startsWith(nameOrId.replace(/^sha256:/, ''));
    if (!byId && img.tags.length > 1) {
      const name = img.tags.find((t) => store.images.byName(t)?.id === img.id && matchesName(t, nameOrId)) ?? resolvedName(nameOrId);
      store.images.untag(name);
      return { untagged: [name], deleted: [] };
    }
    if (byId && img.tags.length > 1 && !o.force) {
      throw new EngineError('IMAGE_IN_USE', `unable to delete image "${img.id}" by ID with more than one tag (${img.tags.join(', ')}): please force removal`);
    }
    const users = store.containers.usesImage(img.id);
    if (users.length > 0 && !o.force) {
      throw new EngineError('IMAGE_IN_USE', `image used by ${users.map((c) => c.id).join(', ')}: image is in use by a container: consider listing external containers and force-removing image`);
    }
    for (const c of users) await this.#d.removeContainer(c.id);
    const dirs = store.images.remove(img.id, () => store.layers.takeUnused());
    await store.layers.removeDirs(dirs);
    return { untagged: img.tags, deleted: [img.id] };
  }
}

function resolvedName(text: string): string {
  return formatReference(parseReference(text));
}

function matchesName(stored: string, text: string): boolean {
  if (stored === text) return true;
  try {
    const full = resolvedName(text);
    if (stored === full) return true;
    const path = full.slice(full.indexOf('/') + 1).replace(/^library\//, '');
    return isShortName(text) && stored.endsWith(`/${path}`);
  } catch (e) {
    if (isEngineError(e) && e.code === 'INVALID_REFERENCE') return false;
    throw e;
  }
}
