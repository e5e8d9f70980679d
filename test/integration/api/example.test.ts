// examples/run-and-stream.mjs, run as a consumer runs it: plain ESM importing 'tsengine' (the package's
// `exports` entry, built under dist/), against the fixture registry, on a store of its own.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../engine/index.ts';
import { getRegistry } from '../../helpers/registry.ts';
import { makeTmpRoots, type TmpRoots } from '../../helpers/tmp-root.ts';
import { env, optionsFor } from './api-env.ts';

const EXAMPLE = fileURLToPath(new URL('../../../examples/run-and-stream.mjs', import.meta.url));
const alpine = getRegistry().images.alpine.ref;
let t: TmpRoots;

beforeAll(() => {
  t = makeTmpRoots('api-example');
});
afterAll(() => t.cleanup());

const runExample = (args: string[]) =>
  execa(process.execPath, [EXAMPLE, ...args], { env: { ...env, TSENGINE_ROOT: t.root, TSENGINE_RUNROOT: t.runRoot }, extendEnv: false, reject: false });

describe('examples/run-and-stream.mjs', () => {
  it('pulls, runs, streams stdout and stderr, prints the exit code and exits with it', async () => {
    const r = await runExample([alpine]);
    expect(r.stdout).toBe('tick 1\ntick 2\ntick 3\nexit code 3');
    expect(r.stderr).toMatch(/^layer [0-9a-f]{12} done \(\d+ bytes\)\npulled .*alpine:3\.20\.3 \([0-9a-f]{12}\)\nto stderr$/);
    expect(r.exitCode).toBe(3);
    // It cleaned up after itself: the image stays, the container is gone.
    await using engine = await Engine.open(optionsFor(t));
    expect(await engine.images.list()).toHaveLength(1);
    expect(await engine.containers.list({ all: true })).toEqual([]);
  });

  it('runs a given command on the stored image without pulling again', async () => {
    const r = await runExample([alpine, 'sh', '-c', 'echo hello from $(cat /etc/alpine-release)']);
    expect(r.stdout).toBe('hello from 3.20.3\nexit code 0');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('reports an engine error by its code', async () => {
    const r = await runExample([`${getRegistry().host}/library/alpine:no-such-tag`]);
    expect(r.stderr).toMatch(/^Error \(MANIFEST_UNKNOWN\): /);
    expect(r.exitCode).toBe(2);
  });
});
