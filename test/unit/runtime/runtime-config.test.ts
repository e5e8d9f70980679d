// Runtime config from every source (tsengine.toml, daemon.json, containers.conf, EngineOptions), read from
// real files in a temp tree (`rootPrefix` stands in for /): each format, the search order of each, and the
// precedence between them: options > TSENGINE_RUNTIME (default only) > tsengine.toml > daemon.json >
// containers.conf > built-in crun.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRuntimeConfig, type RuntimeConfigInput } from '../../../engine/runtime/runtime-config.ts';
import { tsengineTomlFiles } from '../../../engine/runtime/tsengine-toml.ts';
import { daemonJsonFiles } from '../../../engine/runtime/daemon-json.ts';
import { configInvalidMessage } from '../../helpers/config-invalid.ts';

let root: string;
let home: string;
const write = (path: string, text: string): string => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
};
const sys = (p: string) => join(root, p);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tse-unit-rtconf-'));
  home = join(root, 'home');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Loads as root with the temp tree as /, unless told otherwise. */
function load(o: Partial<RuntimeConfigInput> & { env?: RuntimeConfigInput['env'] } = {}) {
  return loadRuntimeConfig({ euid: 0, rootPrefix: root, ...o, env: { HOME: home, ...(o.env ?? {}) } });
}

describe('with no files', () => {
  it('knows no names and defaults to crun, built in', () => {
    const c = load();
    expect(c).toMatchObject({ defaultRuntime: { name: 'crun', file: 'built-in' }, files: [], writableFile: sys('etc/tsengine/tsengine.toml') });
    expect(c.entries.size).toBe(0);
  });
});

describe('tsengine.toml', () => {
  it('reads runtimes (path or candidate list, args or runtimeArgs) and default_runtime, with lines', () => {
    const f = write(
      sys('etc/tsengine/tsengine.toml'),
      [
        '# our runtimes',
        'default_runtime = "youki"',
        '',
        '[runtimes.youki]',
        'path = "/opt/youki/bin/youki"',
        'args = ["--systemd-cgroup"]',
        '',
        '[runtimes."my.runc"]',
        'path = ["/nowhere/runc", "runc"]',
        'runtimeArgs = ["--debug"]',
        '',
      ].join('\n'),
    );
    const c = load();
    expect(c.defaultRuntime).toEqual({ name: 'youki', file: f, line: 2 });
    expect(c.entries.get('youki')).toEqual({ name: 'youki', paths: ['/opt/youki/bin/youki'], args: ['--systemd-cgroup'], file: f, line: 4, sourceKind: 'tsengine.toml' });
    expect(c.entries.get('my.runc')).toMatchObject({ paths: ['/nowhere/runc', 'runc'], args: ['--debug'], line: 8 });
    expect(c.files).toEqual([f]);
  });

  it('merges /usr/share then /etc by name; rootless adds the user file, which is the one edited', () => {
    write(sys('usr/share/tsengine/tsengine.toml'), 'default_runtime = "a"\n[runtimes.a]\npath = "/usr/a"\n[runtimes.b]\npath = "/usr/b"\n');
    write(sys('etc/tsengine/tsengine.toml'), '[runtimes.b]\npath = "/etc/b"\n');
    write(join(home, '.config/tsengine/tsengine.toml'), 'default-runtime = "b"\n[runtimes.a]\npath = "/home/a"\n');
    const asRoot = load();
    expect([asRoot.entries.get('a')?.paths, asRoot.entries.get('b')?.paths, asRoot.defaultRuntime.name]).toEqual([['/usr/a'], ['/etc/b'], 'a']);
    const rootless = load({ euid: 1000 });
    expect([rootless.entries.get('a')?.paths, rootless.entries.get('b')?.paths, rootless.defaultRuntime.name]).toEqual([['/home/a'], ['/etc/b'], 'b']);
    expect(rootless.writableFile).toBe(join(home, '.config/tsengine/tsengine.toml'));
    expect(tsengineTomlFiles({ HOME: home, XDG_CONFIG_HOME: join(root, 'xdg') }, 1000, undefined, root).writable).toBe(join(root, 'xdg/tsengine/tsengine.toml'));
  });

  it('TSENGINE_CONFIG (or configFile) replaces the search and may not exist yet', () => {
    write(sys('etc/tsengine/tsengine.toml'), '[runtimes.a]\npath = "/etc/a"\n');
    const mine = write(join(root, 'mine.toml'), '[runtimes.b]\npath = "/mine/b"\n');
    expect([...load({ env: { TSENGINE_CONFIG: mine } }).entries.keys()]).toEqual(['b']);
    expect(load({ configFile: mine, env: { TSENGINE_CONFIG: '/nowhere.toml' } }).writableFile).toBe(mine);
    const fresh = load({ env: { TSENGINE_CONFIG: join(root, 'not-yet.toml') } });
    expect([fresh.entries.size, fresh.files, fresh.writableFile]).toEqual([0, [], join(root, 'not-yet.toml')]);
  });

  it('a runtimeType entry is kept as refused; the runc shim with BinaryName is that binary', () => {
    write(
      sys('etc/tsengine/tsengine.toml'),
      '[runtimes.kata]\nruntimeType = "io.containerd.kata.v2"\n[runtimes.nvidia]\nruntimeType = "io.containerd.runc.v2"\noptions = { BinaryName = "/usr/bin/nvidia-container-runtime" }\n',
    );
    const c = load();
    expect(c.entries.get('kata')).toMatchObject({ paths: [], shimType: 'io.containerd.kata.v2' });
    expect(c.entries.get('nvidia')).toMatchObject({ paths: ['/usr/bin/nvidia-container-runtime'] });
    expect(c.entries.get('nvidia')?.shimType).toBeUndefined();
  });

  it('errors name file:line (and column for syntax), one line each; unknown keys are errors here', () => {
    const f = sys('etc/tsengine/tsengine.toml');
    const cases: [string, string][] = [
      ['default_runtime = "a"\n[runtimes.a]\npath = "/a"\narg = ["x"]\n', `${f}:4: runtimes.a: unknown key "arg" (known: path, args, runtimeArgs, runtimeType, options)`],
      ['defualt_runtime = "a"\n', `${f}:1: unknown key "defualt_runtime" (known: default_runtime, default-runtime, runtimes)`],
      ['[runtimes.a]\npath = "bin/a"\n', `${f}:2: runtimes.a.path "bin/a" must be an absolute path or a bare name looked up on PATH`],
      ['[runtimes.a]\nargs = ["x"]\n', `${f}:1: runtimes.a.path: expected a path or a non-empty list of paths`],
      ['[runtimes.a]\npath = "/a"\nargs = "x"\n', `${f}:3: runtimes.a.args: expected an array of strings`],
      ['[runtimes.a]\npath = "/a"\nruntimeType = "io.containerd.kata.v2"\n', `${f}:2: runtimes.a: runtimeType cannot be used with path`],
      ['[runtimes."a/b"]\npath = "/a"\n', `${f}:1: runtimes: invalid runtime name "a/b": use letters, digits and _ . + -`],
      ['x = [\n', `${f}:2:1: invalid value`],
    ];
    for (const [text, message] of cases) {
      write(f, text);
      expect(configInvalidMessage(() => load())).toBe(message);
    }
  });
});

describe('daemon.json', () => {
  it('reads runtimes and default-runtime, ignores every other key, refuses shims when used', () => {
    const f = write(
      join(root, 'daemon.json'),
      JSON.stringify(
        {
          'log-driver': 'json-file',
          'default-runtime': 'youki',
          runtimes: {
            youki: { path: '/usr/local/bin/youki', runtimeArgs: ['--debug'], somethingNew: 1 },
            nvidia: { path: 'nvidia-container-runtime' },
            kata: { runtimeType: 'io.containerd.kata.v2', options: { TypeUrl: 'x' } },
          },
        },
        null,
        2,
      ),
    );
    const c = load({ env: { TSENGINE_DAEMON_JSON: f } });
    expect(c.defaultRuntime).toEqual({ name: 'youki', file: f, line: 3 });
    expect(c.entries.get('youki')).toEqual({ name: 'youki', paths: ['/usr/local/bin/youki'], args: ['--debug'], file: f, line: 5, sourceKind: 'daemon.json' });
    expect(c.entries.get('nvidia')?.paths).toEqual(['nvidia-container-runtime']);
    expect(c.entries.get('kata')).toMatchObject({ shimType: 'io.containerd.kata.v2', line: 15 });
  });

  it('root reads /etc/docker/daemon.json then /etc/tsengine/daemon.json (ours wins); rootless the user dirs; /dev/null is empty', () => {
    write(sys('etc/docker/daemon.json'), '{"default-runtime": "runc", "runtimes": {"a": {"path": "/docker/a"}, "b": {"path": "/docker/b"}}}');
    write(sys('etc/tsengine/daemon.json'), '{"runtimes": {"b": {"path": "/ours/b"}}}');
    const c = load();
    expect([c.entries.get('a')?.paths, c.entries.get('b')?.paths, c.defaultRuntime.name]).toEqual([['/docker/a'], ['/ours/b'], 'runc']);
    expect(daemonJsonFiles({ XDG_CONFIG_HOME: '/x' }, 1000, undefined, root).files).toEqual(['/x/docker/daemon.json', sys('etc/tsengine/daemon.json'), '/x/tsengine/daemon.json']);
    expect(load({ env: { TSENGINE_DAEMON_JSON: '/dev/null' } }).entries.size).toBe(0);
  });

  it('a syntax error names file:line:col; a named file must exist', () => {
    const f = write(join(root, 'd.json'), '{\n  "runtimes": {\n    "a": { "path": "/a", }\n  }\n}\n');
    expect(configInvalidMessage(() => load({ env: { TSENGINE_DAEMON_JSON: f } }))).toBe(`${f}:3:26: Expected double-quoted property name`);
    const bad = write(join(root, 'e.json'), '{"runtimes": {"a": {"runtimeArgs": ["x"]}}}');
    expect(configInvalidMessage(() => load({ env: { TSENGINE_DAEMON_JSON: bad } }))).toBe(`${bad}:1: runtimes.a: expected "path" (a string) or "runtimeType"`);
    expect(configInvalidMessage(() => load({ env: { TSENGINE_DAEMON_JSON: join(root, 'none.json') } }))).toBe(`${join(root, 'none.json')}: no such file`);
  });
});

describe('containers.conf', () => {
  const conf = (engine: string) => `[containers]\nlog_driver = "k8s-file"\n\n[engine]\n${engine}\n[machine]\ncpus = 2\n`;

  it('reads [engine] runtime, [engine.runtimes] and [engine.runtimes_flags] (podman form → --flag); other keys ignored', () => {
    const f = write(
      sys('usr/share/containers/containers.conf'),
      conf('runtime = "runsc"\nevents_logger = "file"\n[engine.runtimes]\nrunsc = ["/nowhere/runsc", "/usr/bin/runsc"]\n[engine.runtimes_flags]\nrunsc = ["network=none", "--debug"]\ncrun = ["debug"]\n'),
    );
    const c = load();
    expect(c.defaultRuntime).toEqual({ name: 'runsc', file: f, line: 5 });
    expect(c.entries.get('runsc')).toEqual({ name: 'runsc', paths: ['/nowhere/runsc', '/usr/bin/runsc'], args: ['--network=none', '--debug'], file: f, line: 8, sourceKind: 'containers.conf' });
    // Flags alone: the name is looked up as usual, with these args.
    expect(c.entries.get('crun')).toMatchObject({ paths: [], args: ['--debug'] });
  });

  it('merges /usr/share → /etc → user → drop-ins (by name, lexical) → CONTAINERS_CONF_OVERRIDE, key by key', () => {
    write(sys('usr/share/containers/containers.conf'), conf('runtime = "a"\n[engine.runtimes]\na = ["/usr/a"]\nb = ["/usr/b"]\n'));
    write(sys('etc/containers/containers.conf'), conf('[engine.runtimes]\nb = ["/etc/b"]\n'));
    write(join(home, '.config/containers/containers.conf'), conf('runtime = "b"\n'));
    write(sys('etc/containers/containers.conf.d/10-a.conf'), '[engine.runtimes_flags]\na = ["debug"]\n');
    write(sys('usr/share/containers/containers.rootful.conf.d/20-b.conf'), '[engine.runtimes]\nb = ["/dropin/b"]\n');
    const over = write(join(root, 'override.conf'), '[engine]\nruntime = "c"\n');
    const c = load();
    expect(c.entries.get('a')).toMatchObject({ paths: ['/usr/a'], args: ['--debug'] });
    expect(c.entries.get('b')?.paths).toEqual(['/dropin/b']);
    expect(c.defaultRuntime.name).toBe('b');
    expect(load({ env: { CONTAINERS_CONF_OVERRIDE: over } }).defaultRuntime.name).toBe('c');
    // Rootless: the rootful drop-in dir is not read.
    expect(load({ euid: 1000 }).entries.get('b')?.paths).toEqual(['/etc/b']);
  });

  it('uses $XDG_CONFIG_HOME for the user file', () => {
    write(join(root, 'xdg/containers/containers.conf'), conf('runtime = "xdg"\n'));
    write(join(home, '.config/containers/containers.conf'), conf('runtime = "home"\n'));
    expect(load({ env: { XDG_CONFIG_HOME: join(root, 'xdg') } }).defaultRuntime.name).toBe('xdg');
  });

  it('CONTAINERS_CONF replaces the search and its drop-ins; it must exist', () => {
    write(sys('etc/containers/containers.conf'), conf('runtime = "etc"\n'));
    write(sys('etc/containers/containers.conf.d/a.conf'), '[engine]\nruntime = "dropin"\n');
    const only = write(join(root, 'only.conf'), conf('[engine.runtimes]\nx = ["/x"]\n'));
    const c = load({ env: { CONTAINERS_CONF: only } });
    expect([c.defaultRuntime.name, [...c.entries.keys()], c.files]).toEqual(['crun', ['x'], [only]]);
    expect(load().defaultRuntime.name).toBe('dropin');
    expect(configInvalidMessage(() => load({ env: { CONTAINERS_CONF: join(root, 'none.conf') } }))).toBe(`${join(root, 'none.conf')}: no such file`);
  });

  it('a wrong type in a key we read names file:line; bad TOML names file:line:col', () => {
    const f = write(sys('etc/containers/containers.conf'), conf('[engine.runtimes]\nyouki = "/usr/bin/youki"\n'));
    expect(configInvalidMessage(() => load())).toBe(`${f}:6: engine.runtimes.youki: expected an array of strings`);
    write(f, '[engine]\nruntime = crun\n');
    expect(configInvalidMessage(() => load())).toBe(`${f}:2:11: invalid value`);
  });
});

describe('precedence: options > tsengine.toml > daemon.json > containers.conf > built-in', () => {
  function everySource(): { toml: string; json: string; cc: string } {
    const toml = write(join(root, 't.toml'), 'default_runtime = "from-toml"\n[runtimes.shared]\npath = "/toml/shared"\n[runtimes.t]\npath = "/toml/t"\n');
    const json = write(join(root, 'd.json'), '{"default-runtime": "from-json", "runtimes": {"shared": {"path": "/json/shared", "runtimeArgs": ["--json"]}, "d": {"path": "/json/d"}}}');
    const cc = write(
      join(root, 'c.conf'),
      '[engine]\nruntime = "from-cc"\n[engine.runtimes]\nshared = ["/cc/shared"]\nc = ["/cc/c"]\n[engine.runtimes_flags]\nshared = ["cc"]\n',
    );
    return { toml, json, cc };
  }

  it('for each name, the highest source that names it defines it entirely (path and args never mix)', () => {
    const { toml, json, cc } = everySource();
    const env = { TSENGINE_CONFIG: toml, TSENGINE_DAEMON_JSON: json, CONTAINERS_CONF: cc };
    const c = load({ env, runtimes: new Map([['opt', { path: '/opt/o' }]]) });
    expect(c.entries.get('shared')).toMatchObject({ paths: ['/toml/shared'], args: [], file: toml });
    expect(c.definitions.get('shared')?.map((e) => e.file)).toEqual([toml, json, cc]);
    expect(Object.fromEntries([...c.entries].map(([k, e]) => [k, e.sourceKind]))).toEqual({
      opt: 'options',
      shared: 'tsengine.toml',
      t: 'tsengine.toml',
      d: 'daemon.json',
      c: 'containers.conf',
    });
    expect(c.files).toEqual([cc, json, toml]);
    // Without our file, daemon.json's entry (with its args) is in force; without it, containers.conf's.
    expect(load({ env: { ...env, TSENGINE_CONFIG: '/dev/null' } }).entries.get('shared')).toMatchObject({ paths: ['/json/shared'], args: ['--json'] });
    expect(load({ env: { ...env, TSENGINE_CONFIG: '/dev/null', TSENGINE_DAEMON_JSON: '/dev/null' } }).entries.get('shared')).toMatchObject({
      paths: ['/cc/shared'],
      args: ['--cc'],
    });
  });

  it('the default: options (--runtime) > TSENGINE_RUNTIME > tsengine.toml > daemon.json > containers.conf > crun', () => {
    const { toml, json, cc } = everySource();
    const env = { TSENGINE_CONFIG: toml, TSENGINE_DAEMON_JSON: json, CONTAINERS_CONF: cc };
    expect(load({ env: { ...env, TSENGINE_RUNTIME: 'from-env' }, defaultRuntime: 'from-flag' }).defaultRuntime).toEqual({ name: 'from-flag', file: 'options' });
    expect(load({ env: { ...env, TSENGINE_RUNTIME: 'from-env' } }).defaultRuntime).toEqual({ name: 'from-env', file: 'TSENGINE_RUNTIME' });
    expect(load({ env }).defaultRuntime).toMatchObject({ name: 'from-toml', file: toml });
    expect(load({ env: { ...env, TSENGINE_CONFIG: '/dev/null' } }).defaultRuntime).toMatchObject({ name: 'from-json', file: json });
    expect(load({ env: { ...env, TSENGINE_CONFIG: '/dev/null', TSENGINE_DAEMON_JSON: '/dev/null' } }).defaultRuntime).toMatchObject({ name: 'from-cc', file: cc });
    expect(load({ env: { TSENGINE_CONFIG: '/dev/null', TSENGINE_DAEMON_JSON: '/dev/null', CONTAINERS_CONF: '/dev/null' } }).defaultRuntime).toEqual({
      name: 'crun',
      file: 'built-in',
    });
  });
});
