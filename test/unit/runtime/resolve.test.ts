// resolveRuntime against a temp dir of real files: executables, symlinks, a non-executable file, a
// directory. Names are ones no host installs (except where the test is about a known basename), so the
// fallback dirs (/usr/bin, …) cannot change the outcome.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEngineError } from '../../../engine/errors.ts';
import { DEFAULT_RUNTIME, resolveRuntime, type ResolveRuntimeOptions } from '../../../engine/runtime/profiles.ts';

let dir: string;
let bin: string;
let bin2: string;
const runRoot = '/run/tse-test';

function exe(path: string, mode = 0o755): void {
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, mode);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tse-unit-resolve-'));
  bin = join(dir, 'bin');
  bin2 = join(dir, 'bin2');
  mkdirSync(bin);
  mkdirSync(bin2);
  mkdirSync(join(dir, 'real'));
  exe(join(bin, 'crun'));
  exe(join(bin, 'runsc'));
  exe(join(dir, 'real', 'runc'));
  symlinkSync(join(dir, 'real', 'runc'), join(bin, 'my-runc'));
  exe(join(bin, 'tse-youki'));
  exe(join(bin2, 'tse-youki'));
  exe(join(bin, 'tse-noexec'), 0o644);
  exe(join(bin2, 'tse-shadowed'), 0o755);
  exe(join(bin, 'tse-shadowed'), 0o644); // first in PATH but not executable: skipped, like a shell does
  mkdirSync(join(bin, 'tse-dir'));
  symlinkSync(join(dir, 'nowhere'), join(bin, 'tse-dangling'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const opts = (o: Partial<ResolveRuntimeOptions> = {}): ResolveRuntimeOptions => ({ runRoot, env: { PATH: `${bin}:${bin2}` }, ...o });

function codeOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (isEngineError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an EngineError');
}

describe('resolveRuntime', () => {
  it('defaults to crun', () => {
    expect(DEFAULT_RUNTIME).toBe('crun');
  });

  it('finds a known name on PATH, with its kind and a state root of its own', () => {
    const p = resolveRuntime('crun', opts());
    expect(p).toEqual({
      name: 'crun',
      path: join(bin, 'crun'),
      kind: 'crun',
      globalArgs: [],
      stateRoot: '/run/tse-test/runtimes/crun',
      supportsJsonLog: true,
      hostNetworkArgs: [],
      privateNetworkArgs: [],
      source: 'built-in',
      supportsSystemdCgroup: true,
      noCgroupArgs: ['--cgroup-manager=disabled'],
      supportsExec: true,
      supportsTty: true,
      supportsPause: true,
      verified: true,
    });
  });

  it('gives runsc --network=none (host netns; private netns too on this kernel, see KIND_TRAITS)', () => {
    const p = resolveRuntime('runsc', opts());
    expect(p.kind).toBe('runsc');
    expect(p.hostNetworkArgs).toEqual(['--network=none']);
    expect(p.privateNetworkArgs).toEqual(['--network=none']);
  });

  it('takes the first executable in PATH order and skips a non-executable one', () => {
    expect(resolveRuntime('tse-youki', opts()).path).toBe(join(bin, 'tse-youki'));
    expect(resolveRuntime('tse-youki', opts({ env: { PATH: `${bin2}:${bin}` } })).path).toBe(join(bin2, 'tse-youki'));
    expect(resolveRuntime('tse-shadowed', opts()).path).toBe(join(bin2, 'tse-shadowed'));
  });

  it('an unknown basename is the generic runc-compatible profile', () => {
    const p = resolveRuntime('tse-youki', opts());
    expect(p).toMatchObject({ name: 'tse-youki', kind: 'generic', supportsJsonLog: true, hostNetworkArgs: [] });
  });

  it('a symlink named my-runc is named my-runc but is runc (by the resolved basename)', () => {
    const byPath = resolveRuntime(join(bin, 'my-runc'), opts());
    expect(byPath).toMatchObject({ name: 'my-runc', path: join(bin, 'my-runc'), kind: 'runc', stateRoot: '/run/tse-test/runtimes/my-runc' });
    const byName = resolveRuntime('my-runc', opts());
    expect(byName).toMatchObject({ name: 'my-runc', path: join(bin, 'my-runc'), kind: 'runc' });
  });

  it('a name registered in `extra` wins over PATH, with its args before the user flags', () => {
    const extra = new Map([
      ['crun', { path: join(bin2, 'tse-youki'), args: ['--systemd-cgroup'] }],
      ['youki', { path: join(bin, 'tse-youki'), args: ['--debug-log', '/x'], supportsJsonLog: false }],
    ]);
    const crun = resolveRuntime('crun', opts({ extra, flags: ['debug'] }));
    expect(crun).toMatchObject({ name: 'crun', path: join(bin2, 'tse-youki'), kind: 'generic', globalArgs: ['--systemd-cgroup', '--debug'] });
    const youki = resolveRuntime('youki', opts({ extra }));
    expect(youki).toMatchObject({ name: 'youki', kind: 'generic', supportsJsonLog: false, globalArgs: ['--debug-log', '/x'] });
    expect(youki.stateRoot).toBe('/run/tse-test/runtimes/youki');
  });

  it('turns podman --runtime-flag values into arguments', () => {
    const p = resolveRuntime('crun', opts({ flags: ['debug', 'systemd-cgroup', 'cgroup-manager=cgroupfs', '--already'] }));
    expect(p.globalArgs).toEqual(['--debug', '--systemd-cgroup', '--cgroup-manager=cgroupfs', '--already']);
    expect(codeOf(() => resolveRuntime('crun', opts({ flags: [''] }))).code).toBe('INVALID_ARGUMENT');
  });

  it('not found: one line naming where it looked, and why a candidate was refused', () => {
    const e = codeOf(() => resolveRuntime('tse-nosuch', opts()));
    expect(e.code).toBe('RUNTIME_NOT_FOUND');
    expect(e.message).toMatch(/^OCI runtime "tse-nosuch" not found: no executable "tse-nosuch" in /);
    expect(e.message).toContain(`${bin}:${bin2}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`);
    expect(e.message).not.toContain('\n');
    const ne = codeOf(() => resolveRuntime('tse-noexec', opts()));
    expect(ne).toMatchObject({ code: 'RUNTIME_NOT_FOUND' });
    expect(ne.message).toContain(`(${join(bin, 'tse-noexec')} is not executable)`);
    expect(codeOf(() => resolveRuntime('tse-dir', opts())).message).toContain(`(${join(bin, 'tse-dir')} is a directory)`);
  });

  it('an absolute path must be an executable regular file', () => {
    for (const [name, why] of [
      ['tse-noexec', 'is not executable'],
      ['tse-dir', 'is a directory'],
      ['tse-dangling', 'is a dangling symlink'],
      ['tse-nosuch', 'does not exist'],
    ]) {
      const p = join(bin, name!);
      expect(codeOf(() => resolveRuntime(p, opts()))).toEqual({ code: 'RUNTIME_NOT_FOUND', message: `OCI runtime "${p}" not found: ${p} ${why}` });
    }
  });

  it('a registered path that does not work is RUNTIME_NOT_FOUND, naming the registration', () => {
    const extra = new Map([['youki', { path: join(bin, 'tse-noexec') }]]);
    expect(codeOf(() => resolveRuntime('youki', opts({ extra })))).toEqual({
      code: 'RUNTIME_NOT_FOUND',
      message: `OCI runtime "youki" not found: registered in options: ${join(bin, 'tse-noexec')} is not executable`,
    });
    const relative = new Map([['youki', { path: 'bin/youki' }]]);
    expect(codeOf(() => resolveRuntime('youki', opts({ extra: relative }))).code).toBe('INVALID_ARGUMENT');
  });

  it('refuses relative paths, names that cannot be a directory, and containerd shim v2 runtimes', () => {
    expect(codeOf(() => resolveRuntime('bin/crun', opts())).code).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => resolveRuntime('..', opts())).code).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => resolveRuntime('', opts())).code).toBe('INVALID_ARGUMENT');
    const shim = codeOf(() => resolveRuntime('io.containerd.kata.v2', opts()));
    expect(shim).toEqual({
      code: 'INVALID_ARGUMENT',
      message:
        'runtime "io.containerd.kata.v2" is a containerd shim v2 runtime, not a runc-compatible CLI: register a runc-compatible binary instead (Kata 1.x kata-runtime): tsengine runtime add NAME /path/to/binary',
    });
    expect(codeOf(() => resolveRuntime('/usr/bin/containerd-shim-runc-v2', opts())).code).toBe('INVALID_ARGUMENT');
  });

  it('tries registered candidates in order (containers.conf lists): the first usable wins, a bare name is looked up on PATH', () => {
    const extra = new Map([
      ['tse-multi', { paths: [join(dir, 'nowhere', 'tse'), join(bin, 'tse-noexec'), join(bin2, 'tse-youki')], source: '/etc/x.conf:3' }],
      ['tse-bare', { paths: ['tse-shadowed'], source: 'daemon.json' }],
    ]);
    expect(resolveRuntime('tse-multi', opts({ extra }))).toMatchObject({ path: join(bin2, 'tse-youki'), source: '/etc/x.conf:3' });
    expect(resolveRuntime('tse-bare', opts({ extra })).path).toBe(join(bin2, 'tse-shadowed'));
    const none = codeOf(() => resolveRuntime('tse-multi', opts({ extra: new Map([['tse-multi', { paths: [join(bin, 'tse-dir'), 'tse-nosuch'], source: 'f.toml:2' }]]) })));
    expect(none).toEqual({
      code: 'RUNTIME_NOT_FOUND',
      message: `OCI runtime "tse-multi" not found: registered in f.toml:2: ${join(bin, 'tse-dir')} is a directory; no executable "tse-nosuch" on PATH`,
    });
  });

  it('a registration with args only (runtimes_flags) looks the name up and adds its args', () => {
    const extra = new Map([['crun', { paths: [], args: ['--debug'], source: 'c.conf' }]]);
    expect(resolveRuntime('crun', opts({ extra }))).toMatchObject({ path: join(bin, 'crun'), kind: 'crun', globalArgs: ['--debug'], source: 'c.conf' });
  });

  it('a registration with a containerd shim type is refused when used, naming where it is registered and what to use', () => {
    const extra = new Map([['kata', { shimType: 'io.containerd.kata.v2', source: '/etc/docker/daemon.json:4' }]]);
    const e = codeOf(() => resolveRuntime('kata', opts({ extra })));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toBe(
      'runtime "kata" (/etc/docker/daemon.json:4) has runtimeType "io.containerd.kata.v2", a containerd shim v2 runtime, not a runc-compatible CLI: register a runc-compatible binary instead (Kata 1.x kata-runtime): tsengine runtime add NAME /path/to/binary',
    );
  });

  it('kinds come from the traits table by binary name: youki, kata (as kata-runtime), krun by the name it is invoked as', () => {
    exe(join(bin, 'youki'));
    exe(join(bin, 'kata-qemu'));
    symlinkSync(join(bin, 'crun'), join(bin, 'krun')); // as Fedora installs it: krun -> crun
    expect(resolveRuntime(join(bin, 'youki'), opts())).toMatchObject({ kind: 'youki', verified: false, supportsExec: true });
    // podman's built-in name `kata` is looked up by each binary Kata installs.
    expect(resolveRuntime('kata', opts())).toMatchObject({ name: 'kata', path: join(bin, 'kata-qemu'), kind: 'kata-runtime', source: 'built-in' });
    expect(resolveRuntime('krun', opts())).toMatchObject({ kind: 'krun', supportsExec: false });
    // A name of our own for crun is still crun: only krun takes its identity from its own name.
    expect(resolveRuntime('my-runc', opts()).kind).toBe('runc');
    expect(resolveRuntime('tse-youki', opts()).source).toBe('PATH');
  });
});
