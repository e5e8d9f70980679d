// The path youki, kata-runtime and any other runc-compatible CLI take: a binary registered under a name of
// its own (EngineOptions.runtimes → resolveRuntime's `extra`) or given by absolute path. youki and
// kata-runtime are not packaged for Debian 12 (and crates.io is unreachable here), so this is tested with
// runc and crun under other names, never with youki itself: "runc-compatible path tested with runc/crun;
// youki binary unavailable here".
//   - a symlink `my-runc` → runc: named my-runc, still kind runc (by the resolved basename);
//   - a copy of runc / crun named `tse-ocirt-*`: kind generic, classified by the generic table.
import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyRuntimeError, exitCodeFor } from '../../../engine/runtime/classify.ts';
import type { OciCliRuntime } from '../../../engine/runtime/oci-cli.ts';
import { makeBundleFixture, type BundleFixture } from './bundle-fixture.ts';

let fx: BundleFixture;
let alias: string;
beforeAll(async () => {
  fx = await makeBundleFixture('compat');
  alias = join(fx.dir, 'alias');
  mkdirSync(alias);
});
afterAll(async () => {
  await fx?.cleanup();
});

/** Registers `base` (runc or crun) as `name`, by symlink or copy; returns the runtime or why it cannot. */
function register(base: 'runc' | 'crun', name: string, how: 'symlink' | 'copy', by: 'extra' | 'path'): OciCliRuntime | string {
  const real = fx.runtime(base);
  if (typeof real === 'string') return real;
  const bin = join(alias, name);
  if (how === 'symlink') symlinkSync(real.profile.path, bin);
  else copyFileSync(real.profile.path, bin);
  const rt = by === 'extra' ? fx.runtime(name, { extra: new Map([[name, { path: bin }]]), env: { PATH: '/nonexistent' } }) : fx.runtime(bin);
  if (typeof rt === 'string') throw new Error(`registered ${name} did not resolve: ${rt}`);
  return rt;
}

describe.each([
  { base: 'runc', name: 'my-runc', how: 'symlink', by: 'extra', kind: 'runc' },
  { base: 'runc', name: 'tse-ocirt-runc', how: 'copy', by: 'path', kind: 'generic' },
  { base: 'crun', name: 'tse-ocirt-crun', how: 'copy', by: 'extra', kind: 'generic' },
] as const)('$name ($how of $base, resolved by $by)', ({ base, name, how, by, kind }) => {
  let rt: OciCliRuntime | string;
  beforeAll(() => {
    rt = register(base, name, how, by);
  });
  const need = (skip: (note: string) => never): OciCliRuntime => (typeof rt === 'string' ? skip(rt) : rt);

  it('resolves to its own name, kind and state root', ({ skip }) => {
    const runtime = need(skip);
    expect(runtime.profile).toMatchObject({ name, path: join(alias, name), kind, stateRoot: join(fx.runRoot, 'runtimes', name) });
  });

  it("runs a container: sh -c 'exit 7' → 7", async ({ skip }) => {
    const r = await fx.run(need(skip), ['sh', '-c', 'exit 7']);
    expect(r).toMatchObject({ exitCode: 7, logErrors: [] });
  });

  it.for([
    [['/no/such/command'], 127],
    [['nosuchcmd'], 127],
    [['/etc'], 126],
  ] as const)('%j → %d through the %s table', async ([args, code], { skip }) => {
    const runtime = need(skip);
    const r = await fx.run(runtime, args);
    expect(r.exitCode).toBe(1);
    expect(exitCodeFor(classifyRuntimeError(runtime.profile.kind, r.logErrors.join('\n')))).toBe(code);
  });

  it('kill and state work under its own --root', async ({ skip }) => {
    const runtime = need(skip);
    const s = fx.start(runtime, ['sleep', '1000']);
    const deadline = Date.now() + 30_000;
    while ((await runtime.state(s.id))?.status !== 'running') {
      if (Date.now() > deadline || s.done.exitCode !== null) throw new Error(`${s.id} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await runtime.kill(s.id, 'SIGKILL');
    expect((await s.done).exitCode).toBe(137);
    expect(await runtime.state(s.id)).toBeUndefined();
  });
});
