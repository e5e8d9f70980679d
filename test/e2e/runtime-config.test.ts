// Runtimes registered by name through every config source, through the built CLI: tsengine.toml (via
// `runtime add`), a daemon.json-shaped file, containers.conf (named by CONTAINERS_CONF, and found by the
// real default search under a fake XDG_CONFIG_HOME). Each registers `my-crun`, a symlink to the installed
// crun under another name, and runs a real container with it ("runc-compatible path tested with crun;
// youki unavailable here"). Also: precedence between the sources, bad files (125, file:line), containerd
// shims refused, `runtime ls/add/rm/default`, `info`, and a container whose runtime was unregistered.
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAlpineStore } from '../helpers/alpine-store.ts';
import { leftovers } from '../helpers/leftovers.ts';
import { runCli } from '../helpers/run-cli.ts';

const s = useAlpineStore('e2e-rtconf');
const crunPath = (await execa('which', ['crun'], { reject: false })).stdout.trim();

let dir: string;
let myCrun: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tse-e2e-rtconf-'));
  mkdirSync(join(dir, 'bin'));
  myCrun = join(dir, 'bin', 'my-crun');
  if (crunPath !== '') symlinkSync(crunPath, myCrun);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string): string => {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
};
const cli = (args: readonly string[], expectCode: number, env: Record<string, string> = {}) => runCli([...s.g, ...args], { expectCode, env });
/** A one-line `Error: …` on stderr, as every failure prints. */
const oneErrorLine = (stderr: string): string => {
  expect(stderr).toMatch(/^Error: [^\n]+\n$/);
  return stderr.slice('Error: '.length, -1);
};

describe.skipIf(crunPath === '')('runtimes from config files (skipped only if crun is not installed)', () => {
  it('runtime add/ls/default/rm edit tsengine.toml; the registered name runs containers', async () => {
    const env = { TSENGINE_CONFIG: join(dir, 'add', 'tsengine.toml') };
    await cli(['runtime', 'add', 'my-crun', myCrun, '--arg', 'log-level=error'], 0, env);
    expect(readFileSync(env.TSENGINE_CONFIG, 'utf8')).toBe(`[runtimes.my-crun]\npath = "${myCrun}"\nargs = ["--log-level=error"]\n`);
    const ls = await cli(['runtime', 'ls', '--format', '{{.Name}}|{{.Default}}|{{.Path}}|{{.Status}}|{{.Source}}|{{join .Args ","}}'], 0, env);
    expect(ls.stdout.split('\n')).toContain(`my-crun|false|${myCrun}|ok|${env.TSENGINE_CONFIG}:1|--log-level=error`);
    expect(ls.stdout.split('\n')).toContain(`crun|true|${crunPath}|ok|built-in|`);
    // Adding a name again replaces its table (crun 1.8 has no --log-level: the run below needs it gone).
    await cli(['runtime', 'add', 'my-crun', myCrun, '--default'], 0, env);
    expect(readFileSync(env.TSENGINE_CONFIG, 'utf8')).toBe(`default_runtime = "my-crun"\n\n[runtimes.my-crun]\npath = "${myCrun}"\n`);
    expect((await cli(['runtime', 'default'], 0, env)).stdout).toBe('my-crun\n');
    expect((await cli(['run', '--rm', s.alpine, 'sh', '-c', 'exit 3'], 3, env)).stderr).toBe('');

    const table = (await cli(['runtime', 'ls'], 0, env)).stdout.split('\n');
    expect(table[0]).toMatch(/^NAME +DEFAULT +PATH +VERSION +STATUS +SOURCE$/);
    expect(table.find((l) => l.startsWith('my-crun '))).toMatch(new RegExp(`^my-crun +\\* +${myCrun} +crun version \\S+ +ok +${env.TSENGINE_CONFIG}:3$`));
    const names = (await cli(['runtime', 'ls', '-q'], 0, env)).stdout;
    expect(names).toMatch(/^(?:[a-z-]+\n)+$/);
    expect(names.split('\n')).toEqual(expect.arrayContaining(['crun', 'my-crun']));
    const json = JSON.parse((await cli(['runtime', 'ls', '--format', 'json'], 0, env)).stdout) as { Name: string; Default: boolean; Version: string }[];
    expect(json.find((r) => r.Name === 'my-crun')).toMatchObject({ Default: true, Version: expect.stringMatching(/^crun version /) });

    // The default cannot be removed first; once another is the default, it goes, and the next command knows.
    expect(oneErrorLine((await cli(['runtime', 'rm', 'my-crun'], 125, env)).stderr)).toMatch(/^runtime "my-crun" is the default runtime in .*: choose another default first/);
    await cli(['runtime', 'default', 'crun'], 0, env);
    await cli(['runtime', 'rm', 'my-crun'], 0, env);
    expect((await cli(['runtime', 'ls', '-q'], 0, env)).stdout).not.toContain('my-crun');
    expect(readFileSync(env.TSENGINE_CONFIG, 'utf8')).toBe('default_runtime = "crun"\n');
    expect(oneErrorLine((await cli(['run', '--rm', '--runtime', 'my-crun', s.alpine, 'true'], 125, env)).stderr)).toMatch(/^OCI runtime "my-crun" not found: no executable "my-crun" in /);
  });

  it('runtime add refuses a relative path and a containerd shim, with one line, before writing', async () => {
    const env = { TSENGINE_CONFIG: join(dir, 'refuse', 'tsengine.toml') };
    expect(oneErrorLine((await cli(['runtime', 'add', 'x', 'bin/my-crun'], 125, env)).stderr)).toBe('cannot register runtime "x": the path must be absolute, got "bin/my-crun"');
    expect(oneErrorLine((await cli(['runtime', 'add', 'kata', '/usr/bin/containerd-shim-kata-v2'], 125, env)).stderr)).toMatch(
      /is a containerd shim v2 runtime, not a runc-compatible CLI: register a runc-compatible binary instead/,
    );
    expect(() => readFileSync(env.TSENGINE_CONFIG)).toThrow(/ENOENT/);
  });

  it('a daemon.json-shaped file: runtimes + default-runtime; runtimeType entries are refused when used', async () => {
    const dj = file(
      'daemon.json',
      JSON.stringify({ 'log-level': 'warn', 'default-runtime': 'dj-crun', runtimes: { 'dj-crun': { path: myCrun }, kata: { runtimeType: 'io.containerd.kata.v2' } } }, null, 2),
    );
    const env = { TSENGINE_DAEMON_JSON: dj };
    await cli(['run', '--name', 'dj', s.alpine, 'sh', '-c', 'exit 3'], 3, env);
    expect((await cli(['inspect', '-f', '{{.OCIRuntime}}', 'dj'], 0, env)).stdout).toBe('dj-crun\n');
    await cli(['rm', 'dj'], 0, env);
    const refused = oneErrorLine((await cli(['run', '--rm', '--runtime', 'kata', s.alpine, 'true'], 125, env)).stderr);
    expect(refused).toBe(
      `runtime "kata" (${dj}:8) has runtimeType "io.containerd.kata.v2", a containerd shim v2 runtime, not a runc-compatible CLI: register a runc-compatible binary instead (Kata 1.x kata-runtime): tsengine runtime add NAME /path/to/binary`,
    );
    const ls = (await cli(['runtime', 'ls', '--format', '{{.Name}} {{.Status}} {{.Default}}'], 0, env)).stdout.split('\n');
    expect(ls).toEqual(expect.arrayContaining(['kata refused false', 'dj-crun ok true']));
  });

  it('containers.conf named by CONTAINERS_CONF: candidate lists (first usable wins) and runtimes_flags', async () => {
    const cc = file(
      'cc/containers.conf',
      `[containers]\nlog_driver = "k8s-file"\n[engine]\nruntime = "cc-crun"\n[engine.runtimes]\ncc-crun = ["/nowhere/cc-crun", "${myCrun}"]\ncc-flagged = ["${myCrun}"]\n[engine.runtimes_flags]\ncc-flagged = ["tse-no-such-flag"]\n`,
    );
    const env = { CONTAINERS_CONF: cc };
    await cli(['run', '--name', 'cc', s.alpine, 'sh', '-c', 'exit 3'], 3, env);
    expect((await cli(['inspect', '-f', '{{.OCIRuntime}}', 'cc'], 0, env)).stdout).toBe('cc-crun\n');
    await cli(['rm', 'cc'], 0, env);
    // The flag reaches crun (as --tse-no-such-flag), which rejects it: crun ends its usage error with this line.
    const r = await cli(['run', '--rm', '--runtime', 'cc-flagged', s.alpine, 'true'], 125, env);
    expect(oneErrorLine(r.stderr)).toBe("cc-flagged: Try `my-crun --help' or `my-crun --usage' for more information.");
  });

  it('containers.conf found by the default search: the user file under $XDG_CONFIG_HOME', async () => {
    const xdg = join(dir, 'xdg');
    const user = file('xdg/containers/containers.conf', `[engine.runtimes]\nxdg-crun = ["${myCrun}"]\n`);
    const env = { CONTAINERS_CONF: '', XDG_CONFIG_HOME: xdg };
    await cli(['run', '--rm', '--runtime', 'xdg-crun', s.alpine, 'sh', '-c', 'exit 3'], 3, env);
    const ls = (await cli(['runtime', 'ls', '--format', '{{.Name}} {{.Source}}'], 0, env)).stdout.split('\n');
    expect(ls).toContain(`xdg-crun ${user}:2`);
  });

  it('precedence: --runtime > TSENGINE_RUNTIME > tsengine.toml > daemon.json > containers.conf > crun', async () => {
    const toml = file('prec/tsengine.toml', `default_runtime = "t-crun"\n[runtimes.t-crun]\npath = "${myCrun}"\n[runtimes.shared]\npath = "${myCrun}"\n`);
    const dj = file('prec/daemon.json', JSON.stringify({ 'default-runtime': 'from-json', runtimes: { shared: { path: '/nowhere/json' } } }));
    const cc = file('prec/containers.conf', '[engine]\nruntime = "from-cc"\n[engine.runtimes]\nshared = ["/nowhere/cc"]\n');
    const all = { TSENGINE_CONFIG: toml, TSENGINE_DAEMON_JSON: dj, CONTAINERS_CONF: cc };
    const def = async (env: Record<string, string>, global: string[] = []) => (await runCli([...s.g, ...global, 'runtime', 'default'], { expectCode: 0, env })).stdout;
    expect(await def(all, ['--runtime', 'runc'])).toBe('runc\n');
    expect(await def({ ...all, TSENGINE_RUNTIME: 'runsc' }, ['--runtime', 'runc'])).toBe('runc\n');
    expect(await def({ ...all, TSENGINE_RUNTIME: 'runsc' })).toBe('runsc\n');
    expect(await def(all)).toBe('t-crun\n');
    expect(await def({ ...all, TSENGINE_CONFIG: '/dev/null' })).toBe('from-json\n');
    expect(await def({ ...all, TSENGINE_CONFIG: '/dev/null', TSENGINE_DAEMON_JSON: '/dev/null' })).toBe('from-cc\n');
    expect(await def({})).toBe('crun\n');
    // A name in several sources is the highest one's, and it really runs.
    const ls = (await cli(['runtime', 'ls', '--format', '{{.Name}} {{.Path}} {{.Source}}'], 0, all)).stdout.split('\n');
    expect(ls).toContain(`shared ${myCrun} ${toml}:4`);
    await cli(['run', '--name', 'prec', s.alpine, 'sh', '-c', 'exit 3'], 3, all);
    expect((await cli(['inspect', '-f', '{{.OCIRuntime}}', 'prec'], 0, all)).stdout).toBe('t-crun\n');
    await cli(['rm', 'prec'], 0, all);
  });

  it('a bad file is one 125 line naming file:line; commands that resolve no runtime do not read it', async () => {
    const toml = file('bad/tsengine.toml', '[runtimes.a]\npath = "/a"\nargz = ["x"]\n');
    expect(oneErrorLine((await cli(['run', '--rm', s.alpine, 'true'], 125, { TSENGINE_CONFIG: toml })).stderr)).toBe(
      `${toml}:3: runtimes.a: unknown key "argz" (known: path, args, runtimeArgs, runtimeType, options)`,
    );
    const syntax = file('bad/syntax.toml', 'default_runtime = "a\n');
    expect(oneErrorLine((await cli(['runtime', 'ls'], 125, { TSENGINE_CONFIG: syntax })).stderr)).toMatch(new RegExp(`^${syntax}:1:\\d+: `));
    const dj = file('bad/daemon.json', '{\n  "runtimes": {\n    "a": {"path": "/a"},,\n  }\n}\n');
    expect(oneErrorLine((await cli(['info'], 125, { TSENGINE_DAEMON_JSON: dj })).stderr)).toMatch(new RegExp(`^${dj}:3:\\d+: `));
    const cc = file('bad/containers.conf', '[engine]\nruntime = 3\n');
    expect(oneErrorLine((await cli(['create', s.alpine], 125, { CONTAINERS_CONF: cc })).stderr)).toBe(`${cc}:2: engine.runtime: expected a runtime name`);
    await cli(['ps', '-a'], 0, { TSENGINE_CONFIG: toml, CONTAINERS_CONF: cc, TSENGINE_DAEMON_JSON: dj });
    await cli(['images'], 0, { TSENGINE_CONFIG: toml });
  });

  it('a container whose runtime was unregistered: listed, inspected, removed (with a warning); start says how to fix it', async () => {
    const env = { TSENGINE_CONFIG: join(dir, 'gone', 'tsengine.toml') };
    await cli(['runtime', 'add', 'gone-crun', myCrun], 0, env);
    const id = (await cli(['run', '-d', '--name', 'gone', '--runtime', 'gone-crun', s.alpine, 'true'], 0, env)).stdout.trim();
    await cli(['wait', 'gone'], 0, env);
    await cli(['runtime', 'rm', 'gone-crun'], 0, env);
    expect((await cli(['ps', '-a', '--format', '{{.Names}} {{.Runtime}} {{.State}}'], 0, env)).stdout).toContain('gone gone-crun exited\n');
    expect((await cli(['inspect', '-f', '{{.OCIRuntime}} {{.State.Status}} {{.State.ExitCode}}', 'gone'], 0, env)).stdout).toBe('gone-crun exited 0\n');
    const start = oneErrorLine((await cli(['start', 'gone'], 125, env)).stderr);
    expect(start).toMatch(/^cannot start container gone: OCI runtime "gone-crun" not found: no executable "gone-crun" in [^ ]+; register it again \(tsengine runtime add gone-crun \/path\/to\/binary\), or remove the container$/);
    const rm = await cli(['rm', 'gone'], 0, env);
    expect(rm.stdout).toBe('gone\n');
    expect(rm.stderr).toBe('Warning: OCI runtime "gone-crun" is not available (unregistered or not installed): its containers are removed without it\n');
    const left = leftovers(s.t.root, s.t.runRoot);
    expect(JSON.stringify(left)).not.toContain(id);
    expect(existsSync(join(s.t.runRoot, 'containers', id))).toBe(false);
  });

  it('info: the default runtime and every known one, the store; YAML, json and Go templates', async () => {
    const toml = file('info/tsengine.toml', `default_runtime = "my-crun"\n[runtimes.my-crun]\npath = "${myCrun}"\n`);
    const env = { TSENGINE_CONFIG: toml };
    const f = await cli(['info', '--format', '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}} {{.Host.OCIRuntime.DefaultFrom}} {{.Store.GraphRoot}}'], 0, env);
    expect(f.stdout).toBe(`my-crun ${myCrun} ${toml}:1 ${s.t.root}\n`);
    const yaml = (await cli(['info'], 0, env)).stdout;
    expect(yaml).toContain(`  ociRuntime:\n    name: my-crun\n    path: ${myCrun}\n    version: crun version `);
    expect(yaml).toContain(`store:\n  graphRoot: ${s.t.root}\n  runRoot: ${s.t.runRoot}\n`);
    const json = JSON.parse((await cli(['system', 'info', '--format', 'json'], 0, env)).stdout) as {
      host: { ociRuntime: { name: string }; ociRuntimes: Record<string, { path: string; source: string }>; security: { rootless: boolean } };
      store: { configFiles: string[] };
      version: { Version: string };
    };
    expect(json.host.ociRuntime.name).toBe('my-crun');
    expect(json.host.ociRuntimes['my-crun']).toMatchObject({ path: myCrun, source: `${toml}:2` });
    expect(json.host.ociRuntimes['crun']).toMatchObject({ path: crunPath, source: 'built-in' });
    expect(json.host.security.rootless).toBe(false);
    expect(json.store.configFiles).toContain(toml);
    expect(json.version.Version).toBe('0.1.0');
  });
});

