// engine.containers and engine.run through the public entry only: exit codes as results, logs streamed
// while the container writes, and cancellation (aborting wait or logs stops waiting, never the container;
// aborting run stops the container it started).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, isEngineError, type LogRecord } from '../../../engine/index.ts';
import { getRegistry } from '../../helpers/registry.ts';
import { makeTmpRoots, type TmpRoots } from '../../helpers/tmp-root.ts';
import { closeAndRemove, errorOf, openWithImage, optionsFor } from './api-env.ts';

let t: TmpRoots;
let engine: Engine;
const alpine = getRegistry().images.alpine.ref;
const running = async (id: string) => (await engine.containers.list()).some((c) => c.id === id);

beforeAll(async () => {
  ({ t, engine } = await openWithImage('api-containers', alpine));
});
afterAll(() => closeAndRemove(engine, t));

describe('create, start, wait', () => {
  it.each([
    { command: ['true'], code: 0 },
    { command: ['sh', '-c', 'exit 3'], code: 3 },
    { command: ['sh', '-c', 'exit 255'], code: 255 },
  ])('$command exits $code: a result, not an error', async ({ command, code }) => {
    const c = await engine.containers.create({ image: alpine, command });
    expect(c).toMatchObject({ state: 'created', command, exitCode: undefined });
    const started = await engine.containers.start(c.id);
    expect(started.id).toBe(c.id);
    expect(started.pid).toBeGreaterThan(0);
    const status = await engine.containers.wait(c.id);
    expect(status.exitCode).toBe(code);
    expect(status.error).toBeUndefined();
    const [row] = (await engine.containers.list({ all: true })).filter((x) => x.id === c.id);
    expect(row).toMatchObject({ state: 'exited', exitCode: code });
    // Results are plain data: no class instances, no methods.
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(status)).toBe(Object.prototype);
  });

  it('a container killed by a signal exits 128+N', async () => {
    const c = await engine.containers.create({ image: alpine, command: ['sleep', '60'] });
    await engine.containers.start(c.id);
    await engine.containers.kill(c.id, 'SIGKILL');
    expect((await engine.containers.wait(c.id)).exitCode).toBe(137);
  });
});

describe('engine.run', () => {
  it('creates, starts and waits; the exit code is the result, and autoRemove leaves nothing', async () => {
    const r = await engine.run({ image: alpine, command: ['sh', '-c', 'exit 7'], autoRemove: true });
    expect(r).toMatchObject({ exitCode: 7, pulled: false });
    expect(r.id).toMatch(/^[0-9a-f]{64}$/);
    expect(await engine.containers.exists(r.id)).toBe(false);
  });

  it('pulls a missing image first (pull: "missing"), not a stored one; "never" refuses a missing image', async () => {
    const other = makeTmpRoots('api-run-pull');
    try {
      await using e = await Engine.open(optionsFor(other));
      expect(await errorOf(() => e.run({ image: alpine, command: ['true'], pull: 'never' }))).toMatchObject({ code: 'IMAGE_NOT_FOUND' });
      const first = await e.run({ image: alpine, command: ['true'], autoRemove: true });
      expect(first).toMatchObject({ exitCode: 0, pulled: true });
      const second = await e.run({ image: alpine, command: ['true'], autoRemove: true });
      expect(second).toMatchObject({ exitCode: 0, pulled: false });
      expect(await e.images.list()).toHaveLength(1);
    } finally {
      other.cleanup();
    }
  });

  it('a command that cannot run is an error with a code (and autoRemove still removes the container)', async () => {
    const e = await errorOf(() => engine.run({ image: alpine, command: ['/no/such/command'], autoRemove: true, labels: { t: 'enoent' } }));
    expect(isEngineError(e)).toBe(true);
    expect(e).toMatchObject({ code: 'COMMAND_NOT_FOUND' });
    expect((await engine.containers.list({ all: true })).filter((c) => c.labels['t'] === 'enoent')).toEqual([]);
  });

  it('aborting run stops the container it started and rejects with the reason', async () => {
    const ac = new AbortController();
    const reason = new Error('deadline');
    const run = engine.run({ image: alpine, command: ['sleep', '60'], stopTimeout: 1, labels: { t: 'abort-run' }, signal: ac.signal });
    // Abort once the container runs.
    for (let i = 0; i < 200 && !(await engine.containers.list()).some((c) => c.labels['t'] === 'abort-run'); i++) await new Promise((r) => setTimeout(r, 20));
    ac.abort(reason);
    await expect(run).rejects.toBe(reason);
    const [c] = (await engine.containers.list({ all: true })).filter((x) => x.labels['t'] === 'abort-run');
    expect(c).toMatchObject({ state: 'exited' });
    expect(c!.exitCode).toBe(137); // sleep as PID 1 ignores SIGTERM: SIGKILL after the stop timeout
  });
});

describe('logs', () => {
  it('follow streams records while the container writes, and ends once it has exited', async () => {
    const c = await engine.containers.create({ image: alpine, command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; sleep 0.3; done; echo bye >&2'] });
    const { logOffset } = await engine.containers.start(c.id);
    const records: LogRecord[] = [];
    const runningAt: boolean[] = [];
    for await (const r of engine.containers.logs(c.id, { follow: true, offset: logOffset })) {
      records.push(r);
      runningAt.push(await running(c.id));
    }
    expect(records.map((r) => [r.stream, r.text])).toEqual([
      ['stdout', 'line 1\n'], ['stdout', 'line 2\n'], ['stdout', 'line 3\n'], ['stdout', 'line 4\n'], ['stdout', 'line 5\n'], ['stderr', 'bye\n'],
    ]);
    // The first records arrived while the container still ran: streamed, not read back after the exit.
    expect(runningAt.slice(0, 3)).toEqual([true, true, true]);
    expect(records[4]!.time.getTime() - records[0]!.time.getTime()).toBeGreaterThanOrEqual(1000);
    expect(await running(c.id)).toBe(false);
    expect((await engine.containers.wait(c.id)).exitCode).toBe(0);
  });

  it('without follow, returns what is written so far and ends while the container still runs', async () => {
    const c = await engine.containers.create({ image: alpine, command: ['sh', '-c', 'echo first; sleep 60'] });
    await engine.containers.start(c.id);
    let got: string[] = [];
    for (let i = 0; i < 200 && got.length === 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 20));
      got = [];
      for await (const r of engine.containers.logs(c.id)) got.push(r.text);
    }
    expect(got).toEqual(['first\n']);
    expect(await running(c.id)).toBe(true);
    await engine.containers.remove(c.id, { force: true });
  });

  it('aborting a followed logs iteration stops it; the container goes on running', async () => {
    const c = await engine.containers.create({ image: alpine, command: ['sh', '-c', 'while true; do echo tick; sleep 0.1; done'] });
    await engine.containers.start(c.id);
    const ac = new AbortController();
    let n = 0;
    const e = await errorOf(async () => {
      for await (const _ of engine.containers.logs(c.id, { follow: true, signal: ac.signal })) if (++n === 2) ac.abort();
    });
    expect(e).toMatchObject({ name: 'AbortError' });
    expect(n).toBe(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(await running(c.id)).toBe(true);
    // It still writes: a new reader sees more records than the aborted one did.
    let later = 0;
    for await (const _ of engine.containers.logs(c.id)) later++;
    expect(later).toBeGreaterThan(2);
    await engine.containers.remove(c.id, { force: true });
  });
});

describe('wait cancellation', () => {
  it('aborting wait stops waiting, not the container; a later wait gets its code', async () => {
    const c = await engine.containers.create({ image: alpine, command: ['sleep', '60'] });
    await engine.containers.start(c.id);
    const e = await errorOf(() => engine.containers.wait(c.id, { signal: AbortSignal.timeout(200) }));
    expect(e).toMatchObject({ name: 'TimeoutError' });
    expect(await running(c.id)).toBe(true);
    expect(await engine.containers.stop(c.id, { timeoutSec: 0 })).toMatchObject({ exitCode: 137 });
    expect((await engine.containers.wait(c.id)).exitCode).toBe(137);
  });
});
