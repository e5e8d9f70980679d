// The Engine object through the public entry only: `await using` closes it (the store's file handles are
// released, later calls fail with ENGINE_CLOSED), and engines on one store, in one process or in two,
// behave as two CLIs do.
import { execa } from 'execa';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, isEngineError } from '../../../engine/index.ts';
import { getRegistry } from '../../helpers/registry.ts';
import { makeTmpRoots, type TmpRoots } from '../../helpers/tmp-root.ts';
import { env, errorOf, optionsFor } from './api-env.ts';

const alpine = getRegistry().images.alpine.ref;
let t: TmpRoots;
afterEach(() => t?.cleanup());

/** Files under `dir` this process holds open. */
function openFilesUnder(dir: string): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(`${dir}/`) ? [target] : [];
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []; // closed meanwhile (readdir's own fd)
      throw e;
    }
  });
}

describe('await using', () => {
  it('closes the engine when the scope ends: its store files are released and later calls fail with ENGINE_CLOSED', async () => {
    t = makeTmpRoots('api-dispose');
    let kept: Engine;
    {
      await using engine = await Engine.open(optionsFor(t));
      kept = engine;
      await engine.images.list();
      expect(openFilesUnder(t.root)).toContain(join(t.root, 'store.db'));
    }
    expect(openFilesUnder(t.root)).toEqual([]);
    const e = await errorOf(() => kept.images.list());
    expect(isEngineError(e) && e.code).toBe('ENGINE_CLOSED');
    // The store itself is fine: another engine opens it.
    await using again = await Engine.open(optionsFor(t));
    expect(await again.images.list()).toEqual([]);
  });

  it('closes the engine when the scope ends by an exception', async () => {
    t = makeTmpRoots('api-dispose-throw');
    const boom = new Error('boom');
    await expect(
      (async () => {
        await using engine = await Engine.open(optionsFor(t));
        await engine.containers.list();
        throw boom;
      })(),
    ).rejects.toBe(boom);
    expect(openFilesUnder(t.root)).toEqual([]);
  });
});

describe('several engines on one store', () => {
  it('two engines in one process see each other’s work; one starts a container, the other waits for it', async () => {
    t = makeTmpRoots('api-two-engines');
    await using a = await Engine.open(optionsFor(t));
    await using b = await Engine.open(optionsFor(t));
    const [pa, pb] = await Promise.all([a.images.pull(alpine), b.images.pull(alpine)]);
    expect(pa.id).toBe(pb.id);
    expect(await a.images.list()).toHaveLength(1);
    const c = await a.containers.create({ image: alpine, command: ['sh', '-c', 'sleep 0.3; exit 5'], name: 'shared' });
    expect((await b.containers.inspect('shared')).Id).toBe(c.id);
    expect(await errorOf(() => b.containers.create({ image: alpine, name: 'shared' }))).toMatchObject({ code: 'NAME_IN_USE' });
    await b.containers.start('shared');
    const [fromA, fromB] = await Promise.all([a.containers.wait(c.id), b.containers.wait(c.id)]);
    expect(fromA.exitCode).toBe(5);
    expect(fromB.exitCode).toBe(5);
    await a.containers.remove(c.id);
    expect(await b.containers.list({ all: true })).toEqual([]);
  });

  it('two processes racing on one store: one image, one container of that name, the other gets NAME_IN_USE', async () => {
    t = makeTmpRoots('api-two-processes');
    const child = fileURLToPath(new URL('./fixtures/race-child.mjs', import.meta.url));
    const childEnv = { ...env, TSENGINE_ROOT: t.root, TSENGINE_RUNROOT: t.runRoot };
    const runs = await Promise.all([0, 1].map(() => execa(process.execPath, [child, alpine], { env: childEnv, extendEnv: false, reject: false })));
    for (const r of runs) expect({ code: r.exitCode, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const results = runs.map((r) => JSON.parse(r.stdout) as { imageId: string; created?: string; error?: string });
    expect(results[0]!.imageId).toBe(results[1]!.imageId);
    const created = results.filter((r) => r.created !== undefined);
    expect(created).toHaveLength(1);
    expect(results.filter((r) => r.error === 'NAME_IN_USE')).toHaveLength(1);
    await using engine = await Engine.open(optionsFor(t));
    expect((await engine.images.list()).map((i) => i.id)).toEqual([results[0]!.imageId]);
    expect((await engine.containers.list({ all: true })).map((c) => [c.id, c.name])).toEqual([[created[0]!.created, 'racer']]);
    await engine.containers.remove('racer');
  });
});
