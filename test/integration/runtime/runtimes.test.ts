// engine.runtimes (the Runtimes facade) against real binaries and real files: list() asks each runtime
// for its version, marks missing and refused registrations; add/remove/setDefault write tsengine.toml and
// the next lookup sees the change; what cannot be removed says which file defines it.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Runtimes } from '../../../engine/runtime/runtimes.ts';

const crunPath = (await execa('which', ['crun'], { reject: false })).stdout.trim();

let dir: string;
let toml: string;
let cc: string;
let json: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tse-int-runtimes-'));
  toml = join(dir, 'tsengine.toml');
  cc = join(dir, 'containers.conf');
  json = join(dir, 'daemon.json');
  writeFileSync(cc, '');
  writeFileSync(json, '');
  mkdirSync(join(dir, 'bin'));
  if (crunPath !== '') symlinkSync(crunPath, join(dir, 'bin', 'my-crun'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function runtimes(env: Record<string, string> = {}, o: { defaultRuntime?: string } = {}): Runtimes {
  return new Runtimes({
    runRoot: join(dir, 'run'),
    flags: [],
    path: process.env['PATH'],
    config: { env: { TSENGINE_CONFIG: toml, CONTAINERS_CONF: cc, TSENGINE_DAEMON_JSON: json, HOME: dir, ...env }, euid: 0, ...o },
  });
}

describe.skipIf(crunPath === '')('Runtimes (skipped only if crun is not installed)', () => {
  it('lists built-in names found on PATH with their versions, the default marked', async () => {
    const list = await runtimes().list();
    const crun = list.find((r) => r.name === 'crun');
    expect(crun).toMatchObject({ path: crunPath, source: 'built-in', isDefault: true, status: 'ok', kind: 'crun' });
    expect(crun?.version).toMatch(/^crun version \d/);
    expect(crun?.features).toEqual({ jsonLog: true, systemdCgroup: true, exec: true, tty: true, pause: true, verified: true });
    expect(list.map((r) => r.name)).toEqual([...list.map((r) => r.name)].sort());
  });

  it('add writes the file, the next lookup uses it; with setDefault it becomes the default', async () => {
    const rt = runtimes();
    const r = await rt.add('my-crun', join(dir, 'bin', 'my-crun'), { args: ['--debug'], setDefault: true });
    expect(r).toEqual({ file: toml, notes: [] });
    expect(readFileSync(toml, 'utf8')).toBe(`default_runtime = "my-crun"\n\n[runtimes.my-crun]\npath = "${join(dir, 'bin', 'my-crun')}"\nargs = ["--debug"]\n`);
    expect(rt.default()).toEqual({ name: 'my-crun', file: toml, line: 1 });
    expect(rt.profile('my-crun')).toMatchObject({ path: join(dir, 'bin', 'my-crun'), kind: 'crun', globalArgs: ['--debug'], source: `${toml}:3` });
    // A fresh engine (the next CLI command) sees the same.
    const row = (await runtimes().list()).find((x) => x.name === 'my-crun');
    expect(row).toMatchObject({ isDefault: true, status: 'ok', source: `${toml}:3`, args: ['--debug'] });
    expect(row?.version).toMatch(/^crun version/);
  });

  it('add refuses what could never run: a relative path, a missing or non-executable file, a shim, a bad name', async () => {
    writeFileSync(join(dir, 'bin', 'plain'), 'x');
    const rt = runtimes();
    const cases: [string, string, RegExp][] = [
      ['a', 'bin/my-crun', /the path must be absolute/],
      ['a', join(dir, 'nope'), /does not exist$/],
      ['a', join(dir, 'bin', 'plain'), /is not executable$/],
      ['a', 'tse-no-such-binary', /no executable "tse-no-such-binary" in /],
      ['kata', '/usr/bin/containerd-shim-kata-v2', /containerd shim v2 runtime, not a runc-compatible CLI: register a runc-compatible binary instead/],
      ['io.containerd.kata.v2', join(dir, 'bin', 'my-crun'), /containerd shim v2/],
      ['../x', join(dir, 'bin', 'my-crun'), /invalid runtime name/],
    ];
    for (const [name, path, message] of cases) {
      await expect(rt.add(name, path), `${name} ${path}`).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
    }
    expect(() => readFileSync(toml)).toThrow(/ENOENT/);
  });

  it('a bare name is looked up now and its absolute path written', async () => {
    await runtimes().add('plain-crun', 'crun');
    expect(readFileSync(toml, 'utf8')).toBe(`[runtimes.plain-crun]\npath = "${crunPath}"\n`);
  });

  it('remove: only what tsengine.toml defines; elsewhere it names the file; the default cannot go first', async () => {
    writeFileSync(cc, '[engine.runtimes]\nccrt = ["/usr/bin/crun"]\n');
    const rt = runtimes();
    await expect(rt.remove('ccrt')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `runtime "ccrt" is defined in ${cc}:2, not in ${toml}: tsengine edits only its own file; remove it there by hand`,
    });
    await expect(rt.remove('crun')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: `runtime "crun" is not registered in any file (it is found on PATH at ${crunPath}): nothing to remove` });
    await expect(rt.remove('nosuch')).rejects.toMatchObject({ code: 'RUNTIME_NOT_FOUND' });
    await rt.add('ccrt', join(dir, 'bin', 'my-crun'), { setDefault: true });
    await expect(rt.remove('ccrt')).rejects.toMatchObject({ message: expect.stringContaining('is the default runtime in') });
    await rt.setDefault('crun');
    // Removing ours reveals containers.conf's entry again, and says so.
    expect(await rt.remove('ccrt')).toEqual({ file: toml, notes: [`runtime "ccrt" is still defined in ${cc}:2, which is now in force`] });
    expect(rt.profile('ccrt').source).toBe(`${cc}:2`);
    expect(readFileSync(toml, 'utf8')).toBe('default_runtime = "crun"\n');
  });

  it('setDefault needs a runtime that resolves now; an explicit default still wins and the result says so', async () => {
    const rt = runtimes({ TSENGINE_RUNTIME: 'runc' });
    await expect(rt.setDefault('tse-nosuch')).rejects.toMatchObject({ code: 'RUNTIME_NOT_FOUND' });
    expect(await rt.setDefault('crun')).toEqual({ file: toml, notes: ['TSENGINE_RUNTIME=runc is set and still takes precedence over crun'] });
  });

  it('lists a registered binary that is gone as missing, and a shim registration as refused', async () => {
    writeFileSync(json, JSON.stringify({ runtimes: { gone: { path: join(dir, 'bin', 'gone') }, kata: { runtimeType: 'io.containerd.kata.v2' } } }));
    const list = await runtimes().list();
    expect(list.find((r) => r.name === 'gone')).toMatchObject({
      status: 'missing',
      path: join(dir, 'bin', 'gone'),
      source: `${json}:1`,
      problem: `OCI runtime "gone" not found: registered in ${json}:1: ${join(dir, 'bin', 'gone')} does not exist`,
    });
    expect(list.find((r) => r.name === 'kata')).toMatchObject({ status: 'refused', problem: expect.stringContaining('has runtimeType "io.containerd.kata.v2"') });
    // The default is listed even when it resolves to nothing.
    const missingDefault = await runtimes({}, { defaultRuntime: 'tse-nosuch' }).list();
    expect(missingDefault.find((r) => r.name === 'tse-nosuch')).toMatchObject({ isDefault: true, status: 'missing', source: 'options' });
  });

  it('a runtime that does not answer --version is listed, with why', async () => {
    const script = join(dir, 'bin', 'no-version');
    writeFileSync(script, '#!/bin/sh\necho "unknown flag" >&2\nexit 2\n', { mode: 0o755 });
    writeFileSync(toml, `[runtimes.nover]\npath = "${script}"\n`);
    const row = (await runtimes().list()).find((r) => r.name === 'nover');
    expect(row).toMatchObject({ status: 'ok', kind: 'generic', version: undefined, problem: '--version failed: nover failed to report its version: unknown flag' });
  });
});
