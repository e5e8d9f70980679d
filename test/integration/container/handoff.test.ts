// The cleanup hand-off between an engine and the monitors of the containers it started (containers.ts
// Tracked, launch.ts MonitorChannel): while the engine is open it cleans up itself when the container exits
// and the monitor skips its exit command; once the engine lets go, the monitor runs the exit command. Read
// back: the mount table, the container row, and the exit command's log (written only when it runs).
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../engine/index.ts';
import { containerPaths } from '../../../engine/container/paths.ts';
import { getRegistry } from '../../helpers/registry.ts';
import { makeTmpRoots, type TmpRoots } from '../../helpers/tmp-root.ts';

let t: TmpRoots;
let alpine: string;
const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', CONTAINERS_REGISTRIES_CONF: '/dev/null', CONTAINERS_CONF: '/dev/null', TSENGINE_CONFIG: '/dev/null', TSENGINE_DAEMON_JSON: '/dev/null' };
const open = () => Engine.open({ root: t.root, runRoot: t.runRoot, env });
const mounted = (path: string) => readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${path} `);

beforeAll(async () => {
  t = makeTmpRoots('handoff');
  alpine = getRegistry().images.alpine.ref;
  await using engine = await open();
  await engine.images.pull(alpine);
});

afterAll(async () => {
  {
    await using engine = await open();
    for (const c of await engine.containers.list({ all: true })) await engine.containers.remove(c.id, { force: true });
  }
  t.cleanup();
});

describe('cleanup hand-off', () => {
  it('the engine that started a container cleans up itself when it exits; the monitor runs no exit command', async () => {
    await using engine = await open();
    const { id } = await engine.containers.create({ image: alpine, command: ['sh', '-c', 'exit 3'] });
    const p = containerPaths(t.root, t.runRoot, id);
    await engine.containers.start(id);
    const status = await engine.containers.wait(id);
    expect(status.exitCode).toBe(3);
    // wait returns after the cleanup: unmounted already, recorded as exited.
    expect(mounted(p.rootfs)).toBe(false);
    expect((await engine.containers.inspect(id)).State).toMatchObject({ Status: 'exited', ExitCode: 3 });
    // Give a monitor that (wrongly) ran its exit command time to have written its log.
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(p.cleanupLog)).toBe(false);
  });

  it('an autoRemove container is gone when wait returns, and wait still gives its code', async () => {
    await using engine = await open();
    const { id } = await engine.containers.create({ image: alpine, command: ['sh', '-c', 'exit 4'], autoRemove: true });
    const p = containerPaths(t.root, t.runRoot, id);
    await engine.containers.start(id);
    await new Promise((r) => setTimeout(r, 500)); // exited and removed before anyone waits
    expect((await engine.containers.wait(id)).exitCode).toBe(4);
    expect(await engine.containers.exists(id)).toBe(false);
    expect(mounted(p.rootfs)).toBe(false);
    expect(existsSync(p.dir)).toBe(false);
  });

  it('after the engine closes, the monitor unmounts a plain container itself: no exit command', async () => {
    let id: string;
    {
      await using engine = await open();
      ({ id } = await engine.containers.create({ image: alpine, command: ['sleep', '1'] }));
      await engine.containers.start(id);
    }
    const p = containerPaths(t.root, t.runRoot, id);
    await using engine = await open();
    expect((await engine.containers.wait(id)).exitCode).toBe(0);
    for (let i = 0; i < 100 && mounted(p.rootfs); i++) await new Promise((r) => setTimeout(r, 50));
    expect(mounted(p.rootfs)).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(p.cleanupLog)).toBe(false);
    // The row catches up from the exit file when read.
    expect((await engine.containers.inspect(id)).State).toMatchObject({ Status: 'exited', ExitCode: 0 });
  });

  it('after the engine closes, an autoRemove container is removed by the monitor\'s exit command', async () => {
    let id: string;
    {
      await using engine = await open();
      ({ id } = await engine.containers.create({ image: alpine, command: ['sleep', '1'], autoRemove: true }));
      await engine.containers.start(id);
    }
    const p = containerPaths(t.root, t.runRoot, id);
    await using engine = await open();
    for (let i = 0; i < 200 && (await engine.containers.exists(id)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await engine.containers.exists(id)).toBe(false);
    expect(mounted(p.rootfs)).toBe(false);
    expect(existsSync(p.dir)).toBe(false);
  });
});
