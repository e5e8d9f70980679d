// engine.images.pull through the public entry only: progress events (phases in order per layer, byte counts
// adding up to the blob sizes the registry's manifest gives), and cancellation (an abort mid-blob leaves no
// image, and a re-pull completes).
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type PullEvent } from '../../../engine/index.ts';
import { type HostileRegistry, startHostileRegistry } from '../../helpers/hostile-registry.ts';
import { getRegistry } from '../../helpers/registry.ts';
import { makeTmpRoots, type TmpRoots } from '../../helpers/tmp-root.ts';
import { layerOf, optionsFor } from './api-env.ts';

const reg = getRegistry();
let t: TmpRoots;
let hostile: HostileRegistry;

beforeAll(async () => {
  hostile = await startHostileRegistry();
});
afterAll(async () => {
  await hostile.close();
});
afterEach(() => t?.cleanup());

type LayerEvent = Extract<PullEvent, { type: 'layer' }>;
const RANK = { waiting: 0, downloading: 1, exists: 2, done: 2 } as const;

/** Layer events grouped by digest, in the order they came. */
function byLayer(events: readonly PullEvent[]): Map<string, LayerEvent[]> {
  const m = new Map<string, LayerEvent[]>();
  for (const e of events) if (e.type === 'layer') m.set(e.digest, [...(m.get(e.digest) ?? []), e]);
  return m;
}

/** Phases never go back; bytes never shrink nor pass the total; the last event says done with every byte. */
function checkLayer(events: readonly LayerEvent[], size: number, last: 'done' | 'exists'): void {
  expect(events[0]).toMatchObject({ phase: 'waiting', bytes: 0, total: size });
  for (let i = 1; i < events.length; i++) {
    expect(RANK[events[i]!.phase]).toBeGreaterThanOrEqual(RANK[events[i - 1]!.phase]);
    expect(events[i]!.bytes).toBeGreaterThanOrEqual(events[i - 1]!.bytes);
    expect(events[i]!.bytes).toBeLessThanOrEqual(size);
    expect(events[i]!.total).toBe(size);
  }
  expect(events.at(-1)).toMatchObject({ phase: last, bytes: size, total: size });
  if (last === 'done') {
    const downloads = events.filter((e) => e.phase === 'downloading');
    expect(downloads.length).toBeGreaterThan(0);
    expect(downloads.at(-1)!.bytes).toBe(size); // every byte received was reported
  } else {
    expect(events.map((e) => e.phase)).toEqual(['waiting', 'exists']);
  }
}

/** The layers (digest, size) of a manifest, read from the registry itself. */
async function manifestLayers(url: string, accept: string): Promise<{ digest: string; size: number }[]> {
  const res = await fetch(url, { headers: { accept } });
  expect(res.status).toBe(200);
  const m = (await res.json()) as { layers: { digest: string; size: number }[] };
  return m.layers.map((l) => ({ digest: l.digest, size: l.size }));
}

describe('pull progress', () => {
  it('reports phases in order per layer and byte counts equal to the blob sizes in the manifest (real registry)', async () => {
    t = makeTmpRoots('api-pull-progress');
    const layers = await manifestLayers(`${reg.url}/v2/library/alpine/manifests/3.20.3`, 'application/vnd.docker.distribution.manifest.v2+json');
    await using engine = await Engine.open(optionsFor(t));
    const events: PullEvent[] = [];
    const result = await engine.images.pull(reg.images.alpine.ref, { onProgress: (e) => events.push(e) });

    expect(events[0]).toEqual({ type: 'resolving', ref: reg.images.alpine.ref });
    expect(events[1]).toMatchObject({ type: 'resolved', digest: reg.images.alpine.digest });
    expect(events.at(-1)).toEqual({ type: 'stored', imageId: result.id });
    const seen = byLayer(events);
    expect([...seen.keys()].sort()).toEqual(layers.map((l) => l.digest).sort());
    for (const l of layers) checkLayer(seen.get(l.digest)!, l.size, 'done');
    const received = [...seen.values()].reduce((sum, evs) => sum + evs.at(-1)!.bytes, 0);
    expect(received).toBe(layers.reduce((sum, l) => sum + l.size, 0));

    // Again: every layer is stored already, nothing is downloaded.
    const again: PullEvent[] = [];
    expect((await engine.images.pull(reg.images.alpine.ref, { onProgress: (e) => again.push(e) })).id).toBe(result.id);
    for (const l of layers) checkLayer(byLayer(again).get(l.digest)!, l.size, 'exists');
  });

  it('sums several layers: one event stream per layer, totals adding up to the manifest', async () => {
    t = makeTmpRoots('api-pull-layers');
    const img = hostile.addImage({
      repository: 'api/three',
      tag: 'v1',
      // Random bodies: gzip cannot shrink them, so each blob is a few KiB and streams in several reads.
      layers: await Promise.all(['a', 'b', 'c'].map((n) => layerOf(n, randomBytes(48 * 1024).toString('base64')))),
    });
    await using engine = await Engine.open(optionsFor(t));
    const events: PullEvent[] = [];
    await engine.images.pull(`${hostile.host}/api/three:v1`, { onProgress: (e) => events.push(e) });
    const seen = byLayer(events);
    expect(seen.size).toBe(3);
    for (const l of img.layers) checkLayer(seen.get(l.digest)!, l.size, 'done');
    const total = [...seen.values()].reduce((sum, evs) => sum + evs.at(-1)!.bytes, 0);
    expect(total).toBe(img.layers.reduce((sum, l) => sum + l.size, 0));
    // Every layer is announced (waiting) before any is stored.
    const firstDone = events.findIndex((e) => e.type === 'layer' && e.phase === 'done');
    expect(events.slice(0, firstDone).filter((e) => e.type === 'layer' && e.phase === 'waiting')).toHaveLength(3);
  });
});

describe('pull cancellation', () => {
  it('an abort while a blob is half sent rejects with the reason, stores no image, and a re-pull completes', async () => {
    t = makeTmpRoots('api-pull-abort');
    const img = hostile.addImage({
      repository: 'api/stalls',
      tag: 'v1',
      layers: await Promise.all(['x', 'y'].map((n) => layerOf(n, randomBytes(32 * 1024).toString('base64')))),
    });
    const stalled = img.layers[1]!.digest;
    hostile.behaviour.stall.add(stalled); // half the blob, then nothing
    const ref = `${hostile.host}/api/stalls:v1`;
    await using engine = await Engine.open(optionsFor(t));
    const ac = new AbortController();
    const reason = new Error('the embedder gave up');
    const pull = engine.images.pull(ref, {
      signal: ac.signal,
      onProgress: (e) => {
        if (e.type === 'layer' && e.digest === stalled && e.phase === 'downloading' && e.bytes > 0) ac.abort(reason);
      },
    });
    await expect(pull).rejects.toBe(reason);
    expect(await engine.images.list()).toEqual([]);
    expect(await engine.images.exists(ref)).toBe(false);

    hostile.behaviour.stall.delete(stalled);
    const events: PullEvent[] = [];
    const result = await engine.images.pull(ref, { onProgress: (e) => events.push(e) });
    expect(byLayer(events).get(stalled)!.at(-1)).toMatchObject({ phase: 'done', bytes: img.layers[1]!.size });
    expect((await engine.images.list()).map((i) => i.id)).toEqual([result.id]);
    const inspect = await engine.images.inspect(ref);
    expect(inspect.RootFS.Layers).toHaveLength(2);
  });

  it('an already aborted signal rejects before anything is fetched', async () => {
    t = makeTmpRoots('api-pull-preaborted');
    await using engine = await Engine.open(optionsFor(t));
    const before = hostile.requests.length;
    const signal = AbortSignal.abort();
    await expect(engine.images.pull(`${hostile.host}/api/stalls:v1`, { signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(hostile.requests.slice(before).filter((r) => r.path.includes('/blobs/'))).toEqual([]);
    expect(await engine.images.list()).toEqual([]);
  });
});
