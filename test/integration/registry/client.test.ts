// RegistryClient against test/helpers/hostile-registry.ts: a real HTTP(S) server on 127.0.0.1 that serves
// crafted bytes and misbehaves on request. Nothing here leaves loopback.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { Agent, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaType, parseManifest, selectPlatform } from '../../../engine/image/manifest.ts';
import { type ImageReference, parseReference } from '../../../engine/image/reference.ts';
import { type Credentials, RegistryClient, type RegistryClientOptions } from '../../../engine/registry/client.ts';
import { DigestingStream } from '../../../storage/digest.ts';
import { type HostileRegistry, type HostileRegistryOptions, selfSignedCert, startHostileRegistry } from '../../helpers/hostile-registry.ts';
import { fixturesRoot } from '../../helpers/registry-fixture.ts';

const BUSYBOX_LAYER = 'sha256:5c3b447848a98e48dce106cb3e6acbd4fb6f9b26ee778798137349ce01f4d3c1';
const busyboxLayer = () => readFileSync(join(fixturesRoot(), 'oci/busybox-1.38.0-musl/amd64/blobs/sha256', BUSYBOX_LAYER.slice(7)));
const layer = (n = 4096) => gzipSync(randomBytes(n));

const open: HostileRegistry[] = [];
const agents: Dispatcher[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

async function start(o: HostileRegistryOptions = {}): Promise<HostileRegistry> {
  const reg = await startHostileRegistry(o);
  open.push(reg);
  return reg;
}
/** A client with its own Agent, so no test shares connections or TLS state with another. */
function client(o: Omit<RegistryClientOptions, 'dispatcher' | 'insecureDispatcher'> = {}): RegistryClient {
  const dispatcher = new Agent();
  const insecureDispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  agents.push(dispatcher, insecureDispatcher);
  return new RegistryClient({ dispatcher, insecureDispatcher, ...o });
}
const creds = (c: Credentials | undefined) => async () => c;
const ref = (reg: HostileRegistry, name: string): ImageReference => parseReference(`${reg.host}/${name}`);
const errorOf = (p: Promise<unknown>) => p.then((v) => { throw new Error(`expected a rejection, got ${String(v)}`); }, (e: unknown) => e);

/** Streams a blob through storage's verifier, as pull does; returns the bytes. */
async function readVerified(stream: NodeJS.ReadableStream, digest: string, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(stream, new DigestingStream({ digest: digest as `sha256:${string}`, size, what: `blob ${digest}` }), new Writable({
    write(c: Buffer, _e, cb) { chunks.push(c); cb(); },
  }));
  return Buffer.concat(chunks);
}
const count = (reg: HostileRegistry, path: string | RegExp, server: 'registry' | 'cdn' = 'registry') =>
  reg.requests.filter((r) => r.server === server && (typeof path === 'string' ? r.path === path : path.test(r.path))).length;

describe('open registry (plain HTTP on loopback)', () => {
  it('fetches a manifest, its config and a real layer, verified; pings once', async () => {
    const reg = await start();
    const img = reg.addImage({ repository: 'library/busybox', tag: '1.38.0-musl', layers: [busyboxLayer()] });
    const c = client();
    const r = ref(reg, 'library/busybox:1.38.0-musl');
    const m = await c.getManifest(r, '1.38.0-musl');
    expect(m).toEqual({ bytes: img.manifest, mediaType: MediaType.OciManifest, digest: img.digest });
    const parsed = parseManifest(m.bytes, m.mediaType);
    expect(parsed).toMatchObject({ kind: 'image', config: img.config, layers: [{ digest: BUSYBOX_LAYER, size: 886160 }] });
    expect(await c.getBlobBytes(r, img.config)).toEqual(img.configBytes);
    const l = img.layers[0]!;
    expect((await readVerified(await c.getBlob(r, l), l.digest, l.size)).length).toBe(886160);
    expect(await c.getManifest(r, img.digest)).toEqual(m);
    expect(count(reg, '/v2/')).toBe(1);
    expect(reg.requests.every((q) => q.headers['user-agent'] === 'tsengine' && q.headers.authorization === undefined)).toBe(true);
  });

  it('asks for every manifest type and picks a platform from an index', async () => {
    const reg = await start();
    const amd64 = reg.addImage({ layers: [layer()], platform: { os: 'linux', architecture: 'amd64' } });
    const arm64 = reg.addImage({ layers: [layer()], platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, format: 'docker' });
    const index = reg.addIndex({ tag: 'multi', manifests: [amd64, arm64], format: 'docker' });
    const c = client();
    const r = ref(reg, 'library/test:multi');
    const top = await c.getManifest(r, 'multi');
    expect(top).toMatchObject({ digest: index.digest, mediaType: MediaType.DockerManifestList });
    const parsed = parseManifest(top.bytes, top.mediaType);
    if (parsed.kind !== 'index') throw new Error('expected an index');
    const chosen = selectPlatform(parsed, { os: 'linux', architecture: 'arm64' });
    expect(chosen.digest).toBe(arm64.digest);
    expect(await c.getManifest(r, chosen.digest)).toMatchObject({ digest: arm64.digest, mediaType: MediaType.DockerManifest });
    const accept = reg.requests.find((q) => q.path.endsWith('/manifests/multi'))?.headers.accept;
    expect(accept?.split(', ')).toEqual([MediaType.OciIndex, MediaType.DockerManifestList, MediaType.OciManifest, MediaType.DockerManifest,
      MediaType.DockerSchema1Signed, MediaType.DockerSchema1]);
  });

  it('takes the media type from the body when the Content-Type is generic', async () => {
    const reg = await start();
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }));
    reg.setManifest('a/b', 'v1', bytes, 'application/json; charset=utf-8');
    expect((await client().getManifest(ref(reg, 'a/b'), 'v1')).mediaType).toBe(MediaType.OciIndex);
  });

  it('returns schema 1 bytes; parseManifest refuses them', async () => {
    const reg = await start();
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'old/image', tag: 'latest', fsLayers: [], history: [], signatures: [] }));
    reg.setManifest('old/image', 'latest', bytes, MediaType.DockerSchema1Signed);
    const m = await client().getManifest(ref(reg, 'old/image'), 'latest');
    expect(m.mediaType).toBe(MediaType.DockerSchema1Signed);
    expect(() => parseManifest(m.bytes, m.mediaType)).toThrow(expect.objectContaining({ code: 'MANIFEST_UNSUPPORTED', message: expect.stringMatching(/^manifest schema 1 is not supported: /) }));
  });

  it.each([
    ['a tag', 'nope', (h: string) => `${h}/library/nope:nope: manifest unknown`],
    ['a digest', `sha256:${'0'.repeat(64)}`, (h: string) => `${h}/library/nope@sha256:${'0'.repeat(64)}: manifest unknown`],
  ])('404 for %s → MANIFEST_UNKNOWN', async (_n, reference, message) => {
    const reg = await start();
    expect(await errorOf(client().getManifest(ref(reg, 'library/nope'), reference))).toMatchObject({ code: 'MANIFEST_UNKNOWN', message: message(reg.host) });
  });

  it('a manifest that does not hash to the digest asked for → MANIFEST_INVALID', async () => {
    const reg = await start();
    const img = reg.addImage({ layers: [layer()] });
    reg.behaviour.wrongDigest.add(img.digest);
    const e = await errorOf(client().getManifest(ref(reg, 'library/test'), img.digest));
    expect(e).toMatchObject({ code: 'MANIFEST_INVALID', message: expect.stringMatching(new RegExp(`^${reg.host}/library/test@${img.digest}: manifest digest mismatch: the registry sent content with digest sha256:[0-9a-f]{64}$`)) });
  });

  it('a manifest over 4 MiB → MANIFEST_INVALID', async () => {
    const reg = await start();
    reg.setManifest('big/one', 'v1', Buffer.alloc((4 << 20) + 1, 0x20), MediaType.OciManifest);
    expect(await errorOf(client().getManifest(ref(reg, 'big/one'), 'v1'))).toMatchObject({ code: 'MANIFEST_INVALID', message: `${reg.host}/big/one:v1: manifest larger than 4194304 bytes` });
  });

  it('a 404 blob → REGISTRY_HTTP with the status and the registry\'s message', async () => {
    const reg = await start();
    const d = { digest: `sha256:${'1'.repeat(64)}` as const, size: 3 };
    expect(await errorOf(client().getBlob(ref(reg, 'library/test'), d))).toMatchObject({
      code: 'REGISTRY_HTTP', message: `${reg.host}/library/test: blob ${d.digest}: HTTP 404: blob unknown to registry`,
    });
  });

  it.each<[string, (reg: HostileRegistry, d: string) => void, string, RegExp]>([
    ['wrong bytes', (reg, d) => reg.behaviour.wrongDigest.add(d), 'DIGEST_MISMATCH', /^blob sha256:\w+: digest mismatch, got sha256:\w+$/],
    ['a truncated body, connection dropped', (reg, d) => reg.behaviour.truncate.set(d, 'close'), 'REGISTRY_UNREACHABLE',
      /^127\.0\.0\.1:\d+\/library\/test: blob sha256:\w+: connection lost after 2048 bytes: other side closed$/],
    ['a truncated body, clean end', (reg, d) => reg.behaviour.truncate.set(d, 'clean'), 'SIZE_MISMATCH', /^blob sha256:\w+: got 2048 bytes, expected 4096$/],
    ['a longer body, announced', (reg, d) => reg.behaviour.extend.set(d, 'content-length'), 'SIZE_MISMATCH',
      /^127\.0\.0\.1:\d+\/library\/test: blob sha256:\w+: the registry sends 4140 bytes, expected 4096$/],
    ['a longer body, chunked', (reg, d) => reg.behaviour.extend.set(d, 'chunked'), 'SIZE_MISMATCH', /^blob sha256:\w+: more than the expected 4096 bytes$/],
  ])('%s → %s, streamed or in memory', async (_n, misbehave, code, message) => {
    const reg = await start();
    const blob = reg.addBlob(randomBytes(4096));
    misbehave(reg, blob.digest);
    const c = client();
    const r = ref(reg, 'library/test');
    expect(await errorOf(c.getBlobBytes(r, blob))).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(await errorOf(c.getBlob(r, blob).then((s) => readVerified(s, blob.digest, blob.size)))).toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it('getBlobBytes refuses a blob over maxSize before fetching it', async () => {
    const reg = await start();
    const blob = reg.addBlob(randomBytes(100));
    expect(await errorOf(client().getBlobBytes(ref(reg, 'a/b'), blob, { maxSize: 99 }))).toMatchObject({
      code: 'MANIFEST_INVALID', message: `blob ${blob.digest} is 100 bytes, more than the 99 allowed here`,
    });
    expect(count(reg, /blobs/)).toBe(0);
  });

  it('honours an aborted signal: before, during the ping, and mid-stream', async () => {
    const reg = await start();
    const blob = reg.addBlob(randomBytes(1 << 20));
    reg.behaviour.stall.add(blob.digest);
    const c = client();
    const r = ref(reg, 'library/test');
    const before = AbortSignal.abort(new Error('stop before'));
    expect(await errorOf(c.getManifest(r, 'latest', { signal: before }))).toBe(before.reason);
    expect(reg.requests).toHaveLength(0);
    const ac = new AbortController();
    const stream = await c.getBlob(r, blob, { signal: ac.signal });
    const reading = errorOf(readVerified(stream, blob.digest, blob.size));
    setTimeout(() => ac.abort(new Error('user pressed ^C')), 50);
    expect(await reading).toBe(ac.signal.reason);
  });

  it('a closed port → REGISTRY_UNREACHABLE after trying https and http', async () => {
    const reg = await start();
    const host = reg.host;
    await reg.close();
    open.splice(0);
    const e = await errorOf(client().getManifest(parseReference(`${host}/a/b`), 'latest'));
    expect(e).toMatchObject({ code: 'REGISTRY_UNREACHABLE', message: expect.stringMatching(new RegExp(`^pinging registry ${host}: https: https://${host}: .*ECONNREFUSED.*; http: http://${host}: .*ECONNREFUSED`)) });
  });

  it('a /v2/ that is not a registry → REGISTRY_HTTP', async () => {
    const reg = await start();
    reg.behaviour.failStatus.set('/v2/', 404);
    const e = await errorOf(client().getManifest(ref(reg, 'a/b'), 'latest'));
    expect(e).toMatchObject({ code: 'REGISTRY_HTTP', message: expect.stringMatching(new RegExp(`^pinging registry ${reg.host}: https: https://${reg.host}: TLS: wrong version number; http: HTTP 404 from http://${reg.host}/v2/: failing on purpose with 404$`)) });
  });

  it('refuses bad arguments', async () => {
    expect(() => new RegistryClient({ tlsverify: false } as RegistryClientOptions)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^unknown RegistryClient option `tlsverify`/) }));
    const c = client();
    expect(await errorOf(c.getManifest(parseReference('127.0.0.1:1/a'), 'bad tag'))).toMatchObject({ code: 'INVALID_REFERENCE', message: 'invalid reference format: invalid tag "bad tag"' });
  });
});

describe('bearer token auth', () => {
  it('pings, fetches an anonymous token for the repository, reuses it', async () => {
    const reg = await start({ auth: 'bearer' });
    const img = reg.addImage({ repository: 'library/busybox', tag: 'latest', layers: [layer()] });
    const c = client();
    const r = ref(reg, 'library/busybox');
    await c.getManifest(r, 'latest');
    await c.getBlobBytes(r, img.config);
    await c.getBlobBytes(r, img.layers[0]!);
    expect(reg.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      'GET /v2/', 'GET /token', 'GET /v2/library/busybox/manifests/latest', `GET /v2/library/busybox/blobs/${img.config.digest}`,
      `GET /v2/library/busybox/blobs/${img.layers[0]!.digest}`,
    ]);
    const token = reg.requests[1]!;
    expect(token.query).toEqual({ service: ['hostile-registry'], scope: ['repository:library/busybox:pull'] });
    expect(token.headers.authorization).toBeUndefined();
    expect(reg.requests.slice(2).every((q) => q.headers.authorization?.startsWith('Bearer '))).toBe(true);
    reg.addImage({ repository: 'other/repo', tag: 'latest', layers: [layer()] });
    await c.getManifest(ref(reg, 'other/repo'), 'latest');
    expect(reg.requests.filter((q) => q.path === '/token').map((q) => q.query['scope'])).toEqual([['repository:library/busybox:pull'], ['repository:other/repo:pull']]);
  });

  it.each<[string, Credentials | undefined, string, RegExp]>([
    ['no credentials', undefined, 'REGISTRY_AUTH', /: anonymous access refused \(HTTP 401\): authentication required$/],
    ['wrong credentials', { username: 'u', password: 'wrong-password' }, 'REGISTRY_AUTH', /: credentials refused \(HTTP 401\): authentication required$/],
  ])('a token service that wants credentials, given %s → %s', async (_n, given, code, message) => {
    const reg = await start({ auth: 'bearer', credentials: { username: 'u', password: 'p4ssw0rd' } });
    reg.addImage({ tag: 'latest', layers: [layer()] });
    const e = await errorOf(client({ credentials: creds(given) }).getManifest(ref(reg, 'library/test'), 'latest'));
    expect(e).toMatchObject({ code, message: expect.stringMatching(message) });
    expect((e as Error).message).toMatch(/^getting a token for 127\.0\.0\.1:\d+\/library\/test: /);
    expect((e as Error).message).not.toContain('wrong-password');
  });

  it.each(['token', 'access_token', 'both'] as const)('sends Basic credentials to the token service (answer in %s)', async (tokenField) => {
    const reg = await start({ auth: 'bearer', credentials: { username: 'u', password: 'p4ssw0rd' }, tokenField });
    const img = reg.addImage({ tag: 'latest', layers: [layer()] });
    const seen: [string, string | undefined][] = [];
    const c = client({ credentials: async (registry, repository) => { seen.push([registry, repository]); return { username: 'u', password: 'p4ssw0rd' }; } });
    expect((await c.getManifest(ref(reg, 'library/test'), 'latest')).digest).toBe(img.digest);
    const token = reg.requests.find((q) => q.path === '/token')!;
    expect(token.headers.authorization).toBe(`Basic ${Buffer.from('u:p4ssw0rd').toString('base64')}`);
    expect(token.query['account']).toEqual(['u']);
    expect(seen).toEqual([[reg.host, 'library/test']]);
  });

  it('exchanges an identity token with POST (OAuth2 refresh_token grant)', async () => {
    const reg = await start({ auth: 'bearer', identityToken: 'refresh-me-123' });
    const img = reg.addImage({ tag: 'latest', layers: [layer()] });
    const c = client({ credentials: creds({ username: '<token>', password: 'refresh-me-123' }) });
    expect((await c.getManifest(ref(reg, 'library/test'), 'latest')).digest).toBe(img.digest);
    const token = reg.requests.find((q) => q.path === '/token')!;
    expect(token.method).toBe('POST');
    expect(Object.fromEntries(new URLSearchParams(token.body))).toEqual({
      grant_type: 'refresh_token', refresh_token: 'refresh-me-123', client_id: 'tsengine', scope: 'repository:library/test:pull', service: 'hostile-registry',
    });
    const bad = await errorOf(client({ credentials: creds({ username: '<token>', password: 'stale-token-456' }) }).getManifest(ref(reg, 'library/test'), 'latest'));
    expect(bad).toMatchObject({ code: 'REGISTRY_AUTH', message: expect.stringMatching(/credentials refused \(HTTP 401\): invalid refresh token$/) });
    expect((bad as Error).message).not.toContain('stale-token-456');
  });

  it('a refused token is refreshed once, then the request is retried', async () => {
    const reg = await start({ auth: 'bearer' });
    const img = reg.addImage({ tag: 'latest', layers: [layer()] });
    const c = client();
    const r = ref(reg, 'library/test');
    await c.getManifest(r, 'latest');
    reg.revokeTokens();
    expect(await c.getBlobBytes(r, img.config)).toEqual(img.configBytes);
    expect(count(reg, '/token')).toBe(2);
    expect(count(reg, `/v2/library/test/blobs/${img.config.digest}`)).toBe(2);
  });

  it('a fresh token that is refused is not fetched again', async () => {
    const reg = await start({ auth: 'bearer', tokenTtlSeconds: -1 });
    reg.addImage({ tag: 'latest', layers: [layer()] });
    const e = await errorOf(client().getManifest(ref(reg, 'library/test'), 'latest'));
    expect(e).toMatchObject({ code: 'REGISTRY_AUTH', message: `${reg.host}/library/test:latest: access denied (HTTP 401): authentication required` });
    expect(reg.requests.map((q) => q.path)).toEqual(['/v2/', '/token', '/v2/library/test/manifests/latest']);
  });

  it('follows a blob redirect to another origin without the Authorization header', async () => {
    const reg = await start({ auth: 'bearer' });
    const img = reg.addImage({ tag: 'latest', layers: [layer(100_000)] });
    reg.behaviour.redirectBlobs = true;
    const c = client();
    const r = ref(reg, 'library/test');
    await c.getManifest(r, 'latest');
    const l = img.layers[0]!;
    expect((await readVerified(await c.getBlob(r, l), l.digest, l.size)).length).toBe(l.size);
    const atRegistry = reg.requests.find((q) => q.server === 'registry' && q.path.endsWith(l.digest))!;
    expect(atRegistry.headers.authorization).toMatch(/^Bearer /);
    const atCdn = reg.requests.filter((q) => q.server === 'cdn');
    expect(atCdn.map((q) => q.path)).toEqual([`/blobs/${l.digest}`]);
    expect(atCdn[0]!.headers.authorization).toBeUndefined();
    expect(atCdn[0]!.query['signature']).toHaveLength(1);
  });

  it('keeps tokens out of error messages', async () => {
    const reg = await start({ auth: 'bearer' });
    reg.addImage({ tag: 'latest', layers: [layer()] });
    reg.behaviour.echoAuthorization = true;
    const e = await errorOf(client().getManifest(ref(reg, 'library/test'), 'latest'));
    const sent = reg.requests.at(-1)!.headers.authorization!.slice('Bearer '.length);
    expect(e).toMatchObject({ code: 'REGISTRY_HTTP', message: `${reg.host}/library/test:latest: HTTP 500: backend failure while checking authorization Bearer [redacted]` });
    expect((e as Error).message).not.toContain(sent);
  });
});

describe('basic auth', () => {
  it('sends Basic credentials on every request', async () => {
    const reg = await start({ auth: 'basic', credentials: { username: 'alice', password: 's3cr3t-pw' } });
    const img = reg.addImage({ tag: 'latest', layers: [layer()] });
    const c = client({ credentials: creds({ username: 'alice', password: 's3cr3t-pw' }) });
    const r = ref(reg, 'library/test');
    await c.getManifest(r, 'latest');
    await c.getBlobBytes(r, img.config);
    const basic = `Basic ${Buffer.from('alice:s3cr3t-pw').toString('base64')}`;
    expect(reg.requests.map((q) => [q.path, q.headers.authorization])).toEqual([
      ['/v2/', undefined], ['/v2/library/test/manifests/latest', basic], [`/v2/library/test/blobs/${img.config.digest}`, basic],
    ]);
  });

  it.each<[string, Credentials | undefined, RegExp]>([
    ['none', undefined, /: authentication required \(HTTP 401\): authentication required$/],
    ['wrong ones', { username: 'alice', password: 'bad-password' }, /: access denied \(HTTP 401\): authentication required$/],
  ])('with %s credentials → REGISTRY_AUTH, no secret in the message', async (_n, given, message) => {
    const reg = await start({ auth: 'basic', credentials: { username: 'alice', password: 's3cr3t-pw' } });
    reg.addImage({ tag: 'latest', layers: [layer()] });
    const e = await errorOf(client({ credentials: creds(given) }).getManifest(ref(reg, 'library/test'), 'latest'));
    expect(e).toMatchObject({ code: 'REGISTRY_AUTH', message: expect.stringMatching(message) });
    expect((e as Error).message).not.toMatch(/bad-password|YWxpY2U6YmFkLXBhc3N3b3Jk/);
  });
});

describe('HTTPS', () => {
  it('a self-signed loopback registry is used over HTTPS without verification, also for the token realm', async () => {
    const reg = await start({ auth: 'bearer', tls: selfSignedCert() });
    const img = reg.addImage({ tag: 'latest', layers: [layer()] });
    const c = client();
    const r = ref(reg, 'library/test');
    expect((await c.getManifest(r, 'latest')).digest).toBe(img.digest);
    expect(await c.getBlobBytes(r, img.config)).toEqual(img.configBytes);
    expect(reg.url).toMatch(/^https:/);
    expect(reg.requests.map((q) => q.path)).toEqual(['/v2/', '/token', '/v2/library/test/manifests/latest', `/v2/library/test/blobs/${img.config.digest}`]);
  });

  it('uses the injected dispatcher for every request', async () => {
    const reg = await start({ tls: selfSignedCert() });
    reg.addImage({ tag: 'latest', layers: [layer()] });
    const seen: string[] = [];
    const recording = new Agent({ connect: { rejectUnauthorized: false } }).compose((dispatch) => (opts, handler) => {
      seen.push(`${String(opts.origin)}${opts.path}`);
      return dispatch(opts, handler);
    });
    agents.push(recording);
    await new RegistryClient({ dispatcher: recording }).getManifest(ref(reg, 'library/test'), 'latest');
    expect(seen).toEqual([`${reg.url}/v2/`, `${reg.url}/v2/library/test/manifests/latest`]);
  });

  it('an injected verifying dispatcher refuses the self-signed certificate, and plain HTTP finds no server', async () => {
    const reg = await start({ tls: selfSignedCert() });
    const verifying = new Agent();
    agents.push(verifying);
    const e = await errorOf(new RegistryClient({ dispatcher: verifying }).getManifest(ref(reg, 'library/test'), 'latest'));
    expect(e).toMatchObject({ code: 'REGISTRY_UNREACHABLE', message: expect.stringMatching(/^pinging registry 127\.0\.0\.1:\d+: https: .*self-signed certificate.*; http: /) });
  });
});
