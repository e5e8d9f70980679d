import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatReference } from '../../../engine/image/reference.ts';
import { isBlocked, loadRegistriesConf, type RegistriesConf, resolveShortName } from '../../../engine/image/short-names.ts';

let root: string;
let home: string;
const write = (path: string, text: string) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
};
const sys = (p: string) => join(root, p);
const user = (p: string) => join(home, '.config/containers', p);
const load = (euid = 1000, env: Record<string, string> = {}) => loadRegistriesConf({ HOME: home, ...env }, euid, { rootPrefix: root });

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tsengine-regconf-'));
  home = join(root, 'home');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('loadRegistriesConf', () => {
  it('reads nothing when there are no files', () => {
    expect(load()).toEqual({ aliases: new Map(), unqualifiedSearchRegistries: [], insecure: [], blocked: [], files: [], registries: [] });
  });

  it('merges /usr/share → /etc → user; a later search list replaces, aliases merge', () => {
    write(sys('usr/share/containers/registries.conf'), 'unqualified-search-registries = ["a.io"]\n[aliases]\n"x" = "a.io/x"\n"y" = "a.io/y"\n');
    write(sys('etc/containers/registries.conf'), 'unqualified-search-registries = ["b.io", "c.io:5000"]\n[aliases]\n"y" = "b.io/y"\n');
    write(user('registries.conf'), '[aliases]\n"z" = "quay.io/z"\n');
    const conf = load();
    expect(conf.files).toEqual([sys('usr/share/containers/registries.conf'), sys('etc/containers/registries.conf'), user('registries.conf')]);
    expect(conf.unqualifiedSearchRegistries).toEqual(['b.io', 'c.io:5000']);
    expect([...conf.aliases]).toEqual([['x', 'a.io/x'], ['y', 'b.io/y'], ['z', 'quay.io/z']]);
  });

  it('uses $XDG_CONFIG_HOME for the user file', () => {
    write(join(root, 'xdg/containers/registries.conf'), 'unqualified-search-registries = ["xdg.io"]\n');
    write(user('registries.conf'), 'unqualified-search-registries = ["home.io"]\n');
    expect(load(1000, { XDG_CONFIG_HOME: join(root, 'xdg') }).unqualifiedSearchRegistries).toEqual(['xdg.io']);
  });

  it('applies drop-ins by name across directories; a higher directory shadows the same name', () => {
    write(sys('etc/containers/registries.conf'), 'unqualified-search-registries = ["main.io"]\n');
    write(sys('usr/share/containers/registries.conf.d/20-b.conf'), 'unqualified-search-registries = ["usr-b.io"]\n');
    write(sys('usr/share/containers/registries.conf.d/30-c.conf'), 'unqualified-search-registries = ["usr-c.io"]\n');
    write(sys('etc/containers/registries.conf.d/30-c.conf'), '[aliases]\n"c" = "etc.io/c"\n');
    write(sys('etc/containers/registries.conf.d/10-a.conf'), 'unqualified-search-registries = ["etc-a.io"]\n');
    write(sys('etc/containers/registries.conf.d/99-z.conf.bak'), 'not = [toml');
    write(user('registries.conf.d/05-user.conf'), '[aliases]\n"c" = "user.io/c"\n');
    const conf = load();
    expect(conf.files).toEqual([
      sys('etc/containers/registries.conf'),
      user('registries.conf.d/05-user.conf'),
      sys('etc/containers/registries.conf.d/10-a.conf'),
      sys('usr/share/containers/registries.conf.d/20-b.conf'),
      sys('etc/containers/registries.conf.d/30-c.conf'),
    ]);
    expect(conf.unqualifiedSearchRegistries).toEqual(['usr-b.io']);
    expect(conf.aliases.get('c')).toBe('etc.io/c');
  });

  it.each([
    [1000, ['registries.rootless.conf.d/r.conf', 'registries.rootless.conf.d/1000/u.conf']],
    [0, ['registries.rootful.conf.d/f.conf']],
  ])('euid %i reads its own drop-in directories', (euid, want) => {
    for (const f of ['registries.rootless.conf.d/r.conf', 'registries.rootless.conf.d/1000/u.conf', 'registries.rootful.conf.d/f.conf']) {
      write(sys(`etc/containers/${f}`), '');
    }
    expect(load(euid).files).toEqual(want.map((f) => sys(`etc/containers/${f}`)));
  });

  it('an empty alias removes one set earlier', () => {
    write(sys('etc/containers/registries.conf'), '[aliases]\n"busybox" = "docker.io/library/busybox"\n"keep" = "quay.io/keep"\n');
    write(sys('etc/containers/registries.conf.d/x.conf'), '[aliases]\n"busybox" = ""\n');
    expect([...load().aliases]).toEqual([['keep', 'quay.io/keep']]);
  });

  it('merges [[registry]] by prefix; collects insecure hosts and blocked prefixes', () => {
    write(sys('etc/containers/registries.conf'), [
      '[[registry]]', 'location = "127.0.0.1:5000"', 'insecure = true',
      '[[registry]]', 'location = "reg.example.com/ns/"', 'insecure = false',
      '[[registry]]', 'prefix = "*.bad.example"', 'blocked = true',
      '[[registry]]', 'prefix = "docker.io/evil"', 'location = "docker.io/evil"', 'blocked = true',
      '[[registry.mirror]]', 'location = "mirror.example.com"',
    ].join('\n'));
    write(sys('etc/containers/registries.conf.d/local.conf'), '[[registry]]\nlocation = "reg.example.com/ns"\ninsecure = true\n');
    const conf = load();
    expect(conf.insecure).toEqual(['127.0.0.1:5000', 'reg.example.com']);
    expect(conf.blocked).toEqual(['*.bad.example', 'docker.io/evil']);
    expect(conf.registries).toEqual([
      { prefix: '127.0.0.1:5000', location: '127.0.0.1:5000', insecure: true, blocked: false },
      { prefix: 'reg.example.com/ns', location: 'reg.example.com/ns', insecure: true, blocked: false },
      { prefix: '*.bad.example', location: '', insecure: false, blocked: true },
      { prefix: 'docker.io/evil', location: 'docker.io/evil', insecure: false, blocked: true },
    ]);
  });

  it('reads the v1 format in a main file', () => {
    write(sys('etc/containers/registries.conf'), '[registries.search]\nregistries = ["docker.io", "quay.io"]\n[registries.insecure]\nregistries = ["10.0.0.1:5000"]\n[registries.block]\nregistries = ["evil.io"]\n');
    const conf = load();
    expect(conf.unqualifiedSearchRegistries).toEqual(['docker.io', 'quay.io']);
    expect(conf.insecure).toEqual(['10.0.0.1:5000']);
    expect(conf.blocked).toEqual(['evil.io']);
  });

  it('ignores unknown keys', () => {
    write(sys('etc/containers/registries.conf'), 'short-name-mode = "enforcing"\ncredential-helpers = ["pass"]\nfuture-key = 1\n[future]\nx = 2\n');
    expect(load().files).toHaveLength(1);
  });

  it('$CONTAINERS_REGISTRIES_CONF replaces the search and disables drop-ins', () => {
    write(sys('etc/containers/registries.conf'), 'unqualified-search-registries = ["etc.io"]\n');
    write(sys('etc/containers/registries.conf.d/a.conf'), '[aliases]\n"a" = "etc.io/a"\n');
    const only = join(root, 'only.conf');
    write(only, 'unqualified-search-registries = ["only.io"]\n');
    const conf = load(1000, { CONTAINERS_REGISTRIES_CONF: only });
    expect(conf.files).toEqual([only]);
    expect(conf.unqualifiedSearchRegistries).toEqual(['only.io']);
    expect(conf.aliases.size).toBe(0);
  });

  it('$CONTAINERS_REGISTRIES_CONF must exist', () => {
    const missing = join(root, 'missing.conf');
    expect(() => load(1000, { CONTAINERS_REGISTRIES_CONF: missing })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: `${missing}: no such file` }));
  });

  it.each([
    ['bad TOML', 'a = 1\nunqualified-search-registries = ["x"\n', ':3:1: expected comma or end of structure'],
    ['a duplicate key', 'a = 1\na = 2\n', ':2:1: trying to redefine an already defined table or value'],
    ['a search entry with a scheme', 'unqualified-search-registries = ["https://quay.io"]\n', ': invalid unqualified-search-registries entry "https://quay.io": expected host[:port]'],
    ['a search list of numbers', 'unqualified-search-registries = [1]\n', ': unqualified-search-registries: expected an array of strings'],
    ['an alias with a tag', '[aliases]\n"busybox:1" = "docker.io/library/busybox"\n', ': invalid short name "busybox:1": must be a name without registry, tag or digest'],
    ['an alias name with a registry', '[aliases]\n"quay.io/x" = "docker.io/library/busybox"\n', ': invalid short name "quay.io/x": must be a name without registry, tag or digest'],
    ['an alias to a short name', '[aliases]\n"busybox" = "library/busybox"\n', ': invalid alias "library/busybox": must contain registry and repository, and no tag or digest'],
    ['an alias target with a tag', '[aliases]\n"busybox" = "docker.io/library/busybox:1"\n', ': invalid alias "docker.io/library/busybox:1": must contain registry and repository, and no tag or digest'],
    ['an uppercase alias target', '[aliases]\n"x" = "quay.io/X"\n', ': alias "x": invalid reference format: repository name (X) must be lowercase'],
    ['a location with a scheme', '[[registry]]\nlocation = "http://x.io"\n', ': registry[0].location: invalid location "http://x.io": URI schemes are not supported'],
    ['a registry without location', '[[registry]]\ninsecure = true\n', ': registry[0]: both location and prefix are unset'],
    ['insecure as text', '[[registry]]\nlocation = "x.io"\ninsecure = "yes"\n', ': registry[0].insecure: expected a boolean'],
    ['v1 mixed with v2', '[registries.search]\nregistries = ["a.io"]\n[[registry]]\nlocation = "x.io"\n', ': mixing the v1 and v2 formats is not supported'],
  ])('refuses %s with file:line:col or file: message', (_name, text, suffix) => {
    const file = sys('etc/containers/registries.conf');
    write(file, text);
    expect(() => load()).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: `${file}${suffix}` }));
  });

  it('refuses the v1 format in a drop-in', () => {
    const file = sys('etc/containers/registries.conf.d/old.conf');
    write(file, '[registries.search]\nregistries = ["a.io"]\n');
    expect(() => load()).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: `${file}: drop-in files must use the v2 format ([registries.*] tables are v1)` }));
  });
});

describe('resolveShortName', () => {
  const conf = (o: Partial<RegistriesConf> = {}): RegistriesConf => ({
    aliases: new Map(), unqualifiedSearchRegistries: [], insecure: [], blocked: [], files: [], ...o,
  });
  const D = `sha256:${'b'.repeat(64)}`;
  const aliases = new Map([['busybox', 'docker.io/library/busybox'], ['library/busybox', 'quay.io/mirror/busybox'], ['ctr', 'localhost:5000/team/ctr']]);

  it.each<[string, RegistriesConf, string[], string | undefined]>([
    ['quay.io/a/b:1', conf({ aliases, unqualifiedSearchRegistries: ['x.io'] }), ['quay.io/a/b:1'], undefined],
    ['localhost/foo', conf({ unqualifiedSearchRegistries: ['x.io'] }), ['localhost/foo:latest'], undefined],
    ['busybox', conf({ aliases, unqualifiedSearchRegistries: ['x.io'] }), ['docker.io/library/busybox:latest'], undefined],
    ['busybox:1.36', conf({ aliases }), ['docker.io/library/busybox:1.36'], undefined],
    [`busybox:1.36@${D}`, conf({ aliases }), [`docker.io/library/busybox:1.36@${D}`], undefined],
    [`ctr@${D}`, conf({ aliases }), [`localhost:5000/team/ctr@${D}`], undefined],
    ['library/busybox', conf({ aliases }), ['quay.io/mirror/busybox:latest'], undefined],
    ['foo/bar:1', conf({ unqualifiedSearchRegistries: ['quay.io', 'docker.io', '127.0.0.1:5000'] }),
      ['quay.io/foo/bar:1', 'docker.io/foo/bar:1', '127.0.0.1:5000/foo/bar:1'], undefined],
    ['alpine', conf({ unqualifiedSearchRegistries: ['docker.io'] }), ['docker.io/library/alpine:latest'], undefined],
    ['foo', conf(), ['docker.io/library/foo:latest'], 'Resolved "foo" as docker.io/library/foo (no unqualified-search-registries configured)'],
    ['foo:1.2', conf(), ['docker.io/library/foo:1.2'], 'Resolved "foo:1.2" as docker.io/library/foo:1.2 (no unqualified-search-registries configured)'],
    ['org/app', conf(), ['docker.io/org/app:latest'], 'Resolved "org/app" as docker.io/org/app (no unqualified-search-registries configured)'],
  ])('%s', (text, c, candidates, note) => {
    const r = resolveShortName(text, c);
    expect(r.candidates.map(formatReference)).toEqual(candidates);
    expect(r.note).toBe(note);
  });

  it.each(['Foo', 'foo::', ''])('refuses %j', (text) => {
    expect(() => resolveShortName(text, conf())).toThrow(expect.objectContaining({ code: 'INVALID_REFERENCE' }));
  });
});

describe('isBlocked', () => {
  const registries = [
    { prefix: 'docker.io', location: 'docker.io', insecure: false, blocked: true },
    { prefix: 'docker.io/library', location: 'docker.io/library', insecure: false, blocked: false },
    { prefix: '*.bad.example', location: '', insecure: false, blocked: true },
  ];
  const c: RegistriesConf = { aliases: new Map(), unqualifiedSearchRegistries: [], insecure: [], blocked: ['docker.io', '*.bad.example'], files: [], registries };
  it.each([
    [{ registry: 'docker.io', repository: 'someone/app' }, true],
    [{ registry: 'docker.io', repository: 'library/busybox' }, false],
    [{ registry: 'docker.io', repository: 'libraryx/busybox' }, true],
    [{ registry: 'x.bad.example', repository: 'a' }, true],
    [{ registry: 'bad.example', repository: 'a' }, false],
    [{ registry: 'quay.io', repository: 'a' }, false],
  ])('%j → %s', (ref, want) => {
    expect(isBlocked(ref, c)).toBe(want);
  });
});
