import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authFilePaths, credentialsFromAuthFiles, normalizeAuthKey } from '../../../engine/registry/credentials.ts';

let dir: string;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const write = (path: string, doc: unknown) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
};
const p = (rel: string) => join(dir, rel);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsengine-auth-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('authFilePaths', () => {
  it.each<[string, Record<string, string>, string | undefined, number | undefined, [string, boolean][]]>([
    ['all defaults', { HOME: '/h' }, undefined, 1000, [
      ['/run/containers/1000/auth.json', false], ['/h/.config/containers/auth.json', false], ['/h/.docker/config.json', false], ['/h/.dockercfg', true],
    ]],
    ['XDG and DOCKER_CONFIG', { HOME: '/h', XDG_RUNTIME_DIR: '/run/user/5', XDG_CONFIG_HOME: '/cfg', DOCKER_CONFIG: '/dc' }, undefined, undefined, [
      ['/run/user/5/containers/auth.json', false], ['/cfg/containers/auth.json', false], ['/dc/config.json', false], ['/h/.dockercfg', true],
    ]],
    ['REGISTRY_AUTH_FILE alone', { HOME: '/h', REGISTRY_AUTH_FILE: '/a.json' }, undefined, 0, [['/a.json', false]]],
    ['authFile wins over REGISTRY_AUTH_FILE', { HOME: '/h', REGISTRY_AUTH_FILE: '/a.json' }, '/b.json', 0, [['/b.json', false]]],
    ['no HOME, no euid', {}, undefined, undefined, []],
  ])('%s', (_name, env, authFile, euid, want) => {
    expect(authFilePaths(env, authFile, euid).map((f) => [f.path, f.legacy])).toEqual(want);
  });
});

describe('normalizeAuthKey', () => {
  it.each<[string, boolean, string]>([
    ['docker.io', false, 'docker.io'],
    ['registry-1.docker.io', false, 'docker.io'],
    ['https://index.docker.io/v1/', false, 'docker.io'],
    ['http://localhost:5000/v2/', false, 'localhost:5000'],
    ['quay.io/ns/repo', false, 'quay.io/ns/repo'],
    ['quay.io/v1/', true, 'quay.io'],
  ])('%s (legacy %s) → %s', (key, legacy, want) => {
    expect(normalizeAuthKey(key, legacy)).toBe(want);
  });
});

describe('credentialsFromAuthFiles', () => {
  const env = () => ({ HOME: p('home'), XDG_RUNTIME_DIR: p('run') });

  it.each<[string, Record<string, unknown>, string, string | undefined, { username: string; password: string } | undefined]>([
    ['a host key', { 'quay.io': { auth: b64('u:p') } }, 'quay.io', 'ns/repo', { username: 'u', password: 'p' }],
    ['the repository key first', { 'quay.io': { auth: b64('host:1') }, 'quay.io/ns': { auth: b64('ns:2') }, 'quay.io/ns/repo': { auth: b64('repo:3') } },
      'quay.io', 'ns/repo', { username: 'repo', password: '3' }],
    ['then the namespace key', { 'quay.io': { auth: b64('host:1') }, 'quay.io/ns': { auth: b64('ns:2') } }, 'quay.io', 'ns/other', { username: 'ns', password: '2' }],
    ['a path in the first argument', { 'quay.io/ns': { auth: b64('ns:2') } }, 'quay.io/ns/repo', undefined, { username: 'ns', password: '2' }],
    ['docker login\'s Hub key', { 'https://index.docker.io/v1/': { auth: b64('hub:pw') } }, 'docker.io', 'library/busybox', { username: 'hub', password: 'pw' }],
    ['registry-1.docker.io for Hub', { 'registry-1.docker.io': { auth: b64('hub:pw') } }, 'docker.io', undefined, { username: 'hub', password: 'pw' }],
    ['a URL key with a port', { 'http://127.0.0.1:5000': { auth: b64('l:p') } }, '127.0.0.1:5000', 'a', { username: 'l', password: 'p' }],
    ['a password with colons', { 'quay.io': { auth: b64('u:p:a:s:s') } }, 'quay.io', undefined, { username: 'u', password: 'p:a:s:s' }],
    ['an identity token', { 'quay.io': { auth: b64('u:p'), identitytoken: 'idt' } }, 'quay.io', undefined, { username: '<token>', password: 'idt' }],
    ['an empty entry (a credential helper keeps it)', { 'quay.io': {} }, 'quay.io', undefined, undefined],
    ['no entry', { 'quay.io': { auth: b64('u:p') } }, 'ghcr.io', undefined, undefined],
    ['a namespaced key does not match another namespace', { 'quay.io/ns': { auth: b64('u:p') } }, 'quay.io', 'other/x', undefined],
    ['the port is part of the host', { 'quay.io': { auth: b64('u:p') } }, 'quay.io:443', undefined, undefined],
  ])('%s', async (_name, auths, registry, repository, want) => {
    write(p('run/containers/auth.json'), { auths });
    expect(await credentialsFromAuthFiles(env())(registry, repository)).toEqual(want);
  });

  it('takes the first file with an entry, in the documented order', async () => {
    write(p('home/.config/containers/auth.json'), { auths: { 'quay.io': { auth: b64('xdg:1') } } });
    write(p('home/.docker/config.json'), { auths: { 'quay.io': { auth: b64('docker:2') }, 'ghcr.io': { auth: b64('docker:3') } } });
    write(p('home/.dockercfg'), { 'https://gitlab.example:5050/v1/': { auth: b64('legacy:4'), email: 'x@y' } });
    const lookup = credentialsFromAuthFiles(env());
    expect(await lookup('quay.io')).toEqual({ username: 'xdg', password: '1' });
    expect(await lookup('ghcr.io')).toEqual({ username: 'docker', password: '3' });
    expect(await lookup('gitlab.example:5050', 'g/p')).toEqual({ username: 'legacy', password: '4' });
  });

  it('reads the file at each call', async () => {
    const lookup = credentialsFromAuthFiles(env());
    expect(await lookup('quay.io')).toBeUndefined();
    write(p('run/containers/auth.json'), { auths: { 'quay.io': { auth: b64('late:1') } } });
    expect(await lookup('quay.io')).toEqual({ username: 'late', password: '1' });
  });

  it('an explicit auth file is the only one read', async () => {
    write(p('home/.docker/config.json'), { auths: { 'quay.io': { auth: b64('docker:2') } } });
    write(p('explicit.json'), { auths: { 'ghcr.io': { auth: b64('e:1') } } });
    const lookup = credentialsFromAuthFiles({ ...env(), REGISTRY_AUTH_FILE: p('explicit.json') });
    expect(await lookup('ghcr.io')).toEqual({ username: 'e', password: '1' });
    expect(await lookup('quay.io')).toBeUndefined();
    expect(await credentialsFromAuthFiles(env(), p('explicit.json'))('quay.io')).toBeUndefined();
  });

  it.each<[string, string, string]>([
    ['invalid JSON', '{"auths": {"quay.io": {"auth": "c2VjcmV0OnB3"', 'invalid JSON'],
    ['a JSON array', '[]', 'expected a JSON object'],
    ['auths not an object', '{"auths": []}', 'auths: expected an object'],
    ['an entry not an object', '{"auths": {"quay.io": "x"}}', 'auths.quay.io: expected an object'],
    ['auth not base64', '{"auths": {"quay.io": {"auth": "not base64!"}}}', 'auths.quay.io.auth: not base64'],
    ['auth without a colon', `{"auths": {"quay.io": {"auth": "${b64('nocolon')}"}}}`, 'auths.quay.io.auth: expected base64 of "user:password"'],
  ])('refuses %s', async (_name, text, detail) => {
    const file = p('run/containers/auth.json');
    write(file, text);
    const err = await credentialsFromAuthFiles(env())('quay.io').then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFIG_INVALID', message: `${file}: ${detail}` });
    expect(String((err as Error).message)).not.toContain('secret');
  });
});
