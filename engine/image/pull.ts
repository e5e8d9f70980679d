/**
 * pull: reference → manifest (platform picked from an index) → config → layers (in parallel, each
 * verified while it streams into the layer store) → one transaction that records the image.
 */
import type { ImageRecord, Store } from '../../storage/index.ts';
import type { Digest } from '../../storage/digest.ts';
import { EngineError, isEngineError } from '../errors.ts';
import type { RegistryClient } from '../registry/client.ts';
import { type Descriptor, parseImageConfig, parseManifest, selectPlatform } from './manifest.ts';
import { formatPlatform, hostPlatform, parsePlatform, type Platform } from './platform.ts';
import { formatReference, type ImageReference } from './reference.ts';

export type LayerPhase = 'waiting' | 'exists' | 'downloading' | 'done';

export type PullEvent =
  | { readonly type: 'resolving'; readonly ref: string }
  | { readonly type: 'resolved'; readonly ref: string; readonly digest: Digest; readonly platform: string }
  | {
      readonly type: 'layer';
      /** The compressed blob's digest, as in the manifest. */
      readonly digest: Digest;
      readonly phase: LayerPhase;
      /** Compressed bytes received so far (equal to total when done or exists). */
      readonly bytes: number;
      readonly total: number;
    }
  | { readonly type: 'stored'; readonly imageId: string };

export interface PullOptions {
  /** `os/arch[/variant]`; default the host's. */
  readonly platform?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((e: PullEvent) => void) | undefined;
}

/** How many layers stream at once. Extraction is file-creation bound; more than 3 gains nothing on 2 cores. */
const LAYER_CONCURRENCY = 3;
const CONFIG_MAX_BYTES = 16 << 20;

export async function pullReference(
  store: Store,
  client: RegistryClient,
  ref: ImageReference,
  o: PullOptions = {},
): Promise<ImageRecord> {
  const signal = o.signal;
  const emit = o.onProgress ?? (() => {});
  const want: Platform = o.platform !== undefined ? parsePlatform(o.platform) : hostPlatform();
  const name = formatReference(ref);
  emit({ type: 'resolving', ref: name });

  const top = await client.getManifest(ref, ref.digest ?? ref.tag ?? 'latest', { signal });
  let manifest = top;
  let parsed = parseManifest(top.bytes, top.mediaType);
  if (parsed.kind === 'index') {
    const chosen = selectPlatform(parsed, want);
    manifest = await client.getManifest(ref, chosen.digest, { signal });
    parsed = parseManifest(manifest.bytes, manifest.mediaType);
    if (parsed.kind !== 'image') {
      throw new EngineError('MANIFEST_INVALID', `${name}: index entry ${chosen.digest} is not an image manifest`);
    }
  }
  emit({ type: 'resolved', ref: name, digest: top.digest, platform: formatPlatform(want) });

  const configBytes = await client.getBlobBytes(ref, parsed.config, { signal, maxSize: CONFIG_MAX_BYTES });
  const config = parseImageConfig(configBytes);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== parsed.layers.length) {
    throw new EngineError(
      'MANIFEST_INVALID',
      `${name}: the manifest lists ${parsed.layers.length} layers but the image config has ${diffIds.length} diff_ids`,
    );
  }
  const layers = parsed.layers;

  const repo = `${ref.registry}/${ref.repository}`;
  const repoDigests = [...new Set([`${repo}@${top.digest}`, `${repo}@${manifest.digest}`])];
  const commit = () =>
    store.images.commit({
      config: { digest: parsed.config.digest, mediaType: parsed.config.mediaType, data: configBytes },
      manifest: { digest: manifest.digest, mediaType: manifest.mediaType, data: manifest.bytes },
      created: config.created,
      layers: diffIds,
      size: sizes.reduce((a, b) => a + b, 0),
      tag: ref.tag !== undefined ? `${repo}:${ref.tag}` : undefined,
      repoDigests,
    });

  const sizes: number[] = [];
  // A layer removed by a concurrent `rmi` between our check and our commit fails the commit; fetch again once.
  for (let attempt = 0; ; attempt++) {
    await fetchLayers(store, client, ref, layers, diffIds, sizes, emit, signal);
    signal?.throwIfAborted();
    try {
      const record = commit();
      emit({ type: 'stored', imageId: record.id });
      return record;
    } catch (e) {
      if (attempt > 0 || !(isEngineError(e) && e.code === 'NOT_FOUND')) throw e;
    }
  }
}

async function fetchLayers(
  store: Store,
  client: RegistryClient,
  ref: ImageReference,
  layers: readonly Descriptor[],
  diffIds: readonly Digest[],
  sizes: number[],
  emit: (e: PullEvent) => void,
  outer: AbortSignal | undefined,
): Promise<void> {
  // The first failing layer stops the others: no point downloading the rest of a pull that failed.
  const stop = new AbortController();
  const signal = outer ? AbortSignal.any([outer, stop.signal]) : stop.signal;
  for (const l of layers) emit({ type: 'layer', digest: l.digest, phase: 'waiting', bytes: 0, total: l.size });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < layers.length) {
      const i = next++;
      const desc = layers[i]!;
      const diffId = diffIds[i]!;
      let fetched = false;
      const layer = await store.layers.apply(diffId, {
        blob: { digest: desc.digest, size: desc.size },
        open: () => client.getBlob(ref, desc, { signal }),
        signal,
        onFetch: () => {
          fetched = true;
          emit({ type: 'layer', digest: desc.digest, phase: 'downloading', bytes: 0, total: desc.size });
        },
        onBytes: (bytes) => emit({ type: 'layer', digest: desc.digest, phase: 'downloading', bytes, total: desc.size }),
      });
      sizes[i] = layer.size;
      emit({ type: 'layer', digest: desc.digest, phase: fetched ? 'done' : 'exists', bytes: desc.size, total: desc.size });
    }
  };
  let failed = undefined as { error: unknown } | undefined;
  const workers = Array.from({ length: Math.min(LAYER_CONCURRENCY, layers.length) }, () =>
    worker().catch((e: unknown) => {
      if (!failed) failed = { error: e };
      stop.abort(e);
    }),
  );
  await Promise.all(workers);
  if (failed) throw outer?.aborted ? outer.reason : failed.error;
}
