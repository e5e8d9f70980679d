// A real OCI distribution registry on 127.0.0.1:0 (node:http; node:https with `tls`) that serves crafted
// manifests and blobs and misbehaves on request — the "misbehaving peer" of STYLE.md §2.6. No mocks: the
// client under test talks HTTP to it. A second plain-HTTP server (the "CDN", another origin) serves blobs
// when `behaviour.redirectBlobs` is on.
//
//   const reg = await startHostileRegistry({ auth: 'bearer', credentials: { username: 'u', password: 'p' } });
//   const img = reg.addImage({ repository: 'library/busybox', tag: '1.38.0-musl', layers: [tarGz] });
//   // img.digest = manifest digest; img.config / img.layers = descriptors; img.manifest = the bytes served
//   const ref = parseReference(`${reg.host}/library/busybox:1.38.0-musl`);
//   reg.behaviour.wrongDigest.add(img.layers[0]!.digest);     // switch a misbehaviour on (plain Sets/Maps)
//   reg.requests                                               // everything received, both servers, in order
//   await reg.close();
//
// Auth modes: 'none'; 'bearer' (401 + `WWW-Authenticate: Bearer realm="<url>/token",service="hostile-registry",
// scope=…`; GET /token checks Basic `credentials` when set, POST /token takes `identityToken` as an OAuth2
// refresh_token; the registry then wants `Authorization: Bearer <token>` whose scope covers the repository);
// 'basic' (every /v2 request wants Basic `credentials`). `revokeTokens()` makes issued tokens fail (401).
// addImage: layers are gzip (1f 8b), zstd (28 b5 2f fd) or plain tar, told apart by their magic; the config
// gets the computed diff_ids (pass `config` to add or override fields); repository defaults to
// 'library/test', platform to linux/amd64, format to 'oci' ('docker' = schema2 media types). addIndex builds
// an OCI index / Docker manifest list from added images. setManifest serves arbitrary bytes (schema 1, junk).
// HTTPS: `tls: selfSignedCert()`. Misbehaviours are per digest (see Behaviour), so one registry can serve
// good and bad blobs side by side.

import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';

export type Digest = `sha256:${string}`;
export interface Descriptor { mediaType: string; digest: Digest; size: number; platform?: PlatformSpec }
export interface PlatformSpec { os: string; architecture: string; variant?: string }

export interface HostileRegistryOptions {
  auth?: 'none' | 'bearer' | 'basic';
  /** Basic mode: required on every request. Bearer mode: required by GET /token (else tokens are anonymous). */
  credentials?: { username: string; password: string };
  /** Bearer mode: the refresh token POST /token accepts. */
  identityToken?: string;
  /** Which field(s) of the token response carry the token. Default 'token'. */
  tokenField?: 'token' | 'access_token' | 'both';
  tokenTtlSeconds?: number;
  /** Serve HTTPS with this key/cert (selfSignedCert() makes one for 127.0.0.1). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface Behaviour {
  /** Blobs/manifests served with other bytes of the same size. */
  wrongDigest: Set<string>;
  /** 'close': full Content-Length, connection dropped after half; 'clean': chunked, ends cleanly after half. */
  truncate: Map<string, 'close' | 'clean'>;
  /** Extra bytes after the blob, announced in Content-Length or sent chunked. */
  extend: Map<string, 'content-length' | 'chunked'>;
  /** Half the blob, then nothing until the client gives up (or close()). */
  stall: Set<string>;
  /** Every blob GET answers 307 to the CDN origin, which serves it without auth. */
  redirectBlobs: boolean;
  /** Manifest and blob requests fail with HTTP 500 whose message quotes the Authorization header. */
  echoAuthorization: boolean;
  /** Exact path → status to answer instead (e.g. '/v2/' → 404). */
  failStatus: Map<string, number>;
}

export interface LoggedRequest {
  server: 'registry' | 'cdn';
  method: string;
  path: string;
  query: Record<string, string[]>;
  headers: IncomingHttpHeaders;
  /** Request body (token POSTs). */
  body: string;
}

export interface AddImageOptions {
  repository?: string;
  /** Omit to reach the image by digest only. */
  tag?: string;
  layers: Buffer[];
  /** Merged over a default config; `rootfs` is filled in unless given. */
  config?: Record<string, unknown>;
  format?: 'oci' | 'docker';
  platform?: PlatformSpec;
}

export interface AddedImage {
  /** The manifest's digest. */
  digest: Digest;
  manifest: Buffer;
  mediaType: string;
  config: Descriptor;
  configBytes: Buffer;
  layers: Descriptor[];
  /** The manifest as an index entry (with platform). */
  descriptor: Descriptor;
}

export interface HostileRegistry {
  /** `http(s)://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`: the registry part of a reference. */
  host: string;
  cdnUrl: string;
  requests: LoggedRequest[];
  behaviour: Behaviour;
  addBlob(bytes: Buffer): { digest: Digest; size: number };
  addImage(o: AddImageOptions): AddedImage;
  addIndex(o: { repository?: string; tag?: string; manifests: AddedImage[]; format?: 'oci' | 'docker' }): { digest: Digest; manifest: Buffer };
  /** Serves crafted bytes under `reference` (tag) and under their digest; returns the digest. */
  setManifest(repository: string, reference: string | undefined, bytes: Buffer, contentType: string): Digest;
  revokeTokens(): void;
  close(): Promise<void>;
}

const SERVICE = 'hostile-registry';
const sha = (b: Buffer | string): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const T = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

function layerInfo(bytes: Buffer, format: 'oci' | 'docker'): { mediaType: string; diffId: Digest } {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    return { mediaType: format === 'docker' ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip', diffId: sha(gunzipSync(bytes)) };
  }
  if (bytes.readUInt32LE(0) === 0xfd2fb528) return { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', diffId: sha(Buffer.from(zstdDecompress(bytes))) };
  return { mediaType: 'application/vnd.oci.image.layer.v1.tar', diffId: sha(bytes) };
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ code, message, detail: null }] });
}

/** A throwaway self-signed certificate for 127.0.0.1 (openssl CLI), for `tls`. */
export function selfSignedCert(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'tsengine-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'pipe' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startHostileRegistry(opts: HostileRegistryOptions = {}): Promise<HostileRegistry> {
  const auth = opts.auth ?? 'none';
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { bytes: Buffer; contentType: string }>(); // `${repo}@${tag|digest}`
  const tokens = new Map<string, { repos: Set<string>; expires: number }>();
  const requests: LoggedRequest[] = [];
  const behaviour: Behaviour = {
    wrongDigest: new Set(), truncate: new Map(), extend: new Map(), stall: new Set(),
    redirectBlobs: false, echoAuthorization: false, failStatus: new Map(),
  };
  let url = '';
  let cdnUrl = '';

  const send = (res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(b.length), ...headers });
    res.end(b);
  };

  /** Serves `bytes` for `digest`, applying the misbehaviours switched on for it. */
  const serve = (req: IncomingMessage, res: ServerResponse, digest: string, bytes: Buffer, contentType: string) => {
    let body = bytes;
    if (behaviour.wrongDigest.has(digest)) {
      body = Buffer.from(bytes);
      if (body.length > 0) body[body.length - 1] = (body[body.length - 1] as number) ^ 0xff;
    }
    const extend = behaviour.extend.get(digest);
    if (extend !== undefined) body = Buffer.concat([body, Buffer.from('and some more bytes than the descriptor says')]);
    const headers = { 'content-type': contentType, 'docker-content-digest': digest };
    const half = body.subarray(0, Math.floor(body.length / 2));
    const truncate = behaviour.truncate.get(digest);
    if (behaviour.stall.has(digest)) {
      res.writeHead(200, { ...headers, 'content-length': String(body.length) });
      res.write(half);
      return;
    }
    if (truncate === 'close') {
      res.writeHead(200, { ...headers, 'content-length': String(body.length) });
      res.write(half, () => res.socket?.destroy());
      return;
    }
    if (truncate === 'clean' || extend === 'chunked') {
      res.writeHead(200, headers); // no Content-Length: chunked
      res.end(req.method === 'HEAD' ? undefined : truncate === 'clean' ? half : body);
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': String(body.length) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const basicOk = (header: string | undefined) =>
    opts.credentials !== undefined && header === `Basic ${Buffer.from(`${opts.credentials.username}:${opts.credentials.password}`).toString('base64')}`;

  const issueToken = (res: ServerResponse, scopes: string[]) => {
    const token = randomBytes(24).toString('base64url');
    const repos = new Set(scopes.map((s) => /^repository:(.+):[a-z,*]+$/.exec(s)?.[1]).filter((r): r is string => r !== undefined));
    const ttl = opts.tokenTtlSeconds ?? 300;
    tokens.set(token, { repos, expires: Date.now() + ttl * 1000 });
    const field = opts.tokenField ?? 'token';
    const body = { ...(field !== 'access_token' ? { token } : {}), ...(field !== 'token' ? { access_token: token } : {}), expires_in: ttl, issued_at: new Date().toISOString() };
    send(res, 200, JSON.stringify(body));
  };

  const tokenEndpoint = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams, body: string) => {
    if (req.method === 'POST') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'refresh_token' || opts.identityToken === undefined || form.get('refresh_token') !== opts.identityToken) {
        send(res, 401, errorBody('UNAUTHORIZED', 'invalid refresh token'));
        return;
      }
      if (form.get('service') !== SERVICE) return send(res, 400, errorBody('DENIED', 'wrong service'));
      return issueToken(res, form.getAll('scope').flatMap((s) => s.split(' ')));
    }
    if (query.get('service') !== SERVICE) return send(res, 400, errorBody('DENIED', 'wrong service'));
    if (opts.credentials !== undefined && !basicOk(req.headers.authorization)) return send(res, 401, errorBody('UNAUTHORIZED', 'authentication required'));
    issueToken(res, query.getAll('scope'));
  };

  /** True when the request may go on; else it has been answered with 401. */
  const authorized = (req: IncomingMessage, res: ServerResponse, repo: string | undefined): boolean => {
    const header = req.headers.authorization;
    if (auth === 'basic') {
      if (basicOk(header)) return true;
      send(res, 401, errorBody('UNAUTHORIZED', 'authentication required'), { 'www-authenticate': `Basic realm="${SERVICE}"` });
      return false;
    }
    if (auth === 'bearer') {
      const t = header?.startsWith('Bearer ') ? tokens.get(header.slice(7)) : undefined;
      if (t !== undefined && t.expires > Date.now() && (repo === undefined || t.repos.has(repo))) return true;
      const scope = repo !== undefined ? `,scope="repository:${repo}:pull"` : '';
      send(res, 401, errorBody('UNAUTHORIZED', 'authentication required'), { 'www-authenticate': `Bearer realm="${url}/token",service="${SERVICE}"${scope}` });
      return false;
    }
    return true;
  };

  const registryHandler = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const failing = behaviour.failStatus.get(u.pathname);
    if (failing !== undefined) return send(res, failing, errorBody('UNKNOWN', `failing on purpose with ${failing}`));
    if (u.pathname === '/token') return tokenEndpoint(req, res, u.searchParams, body);
    if (u.pathname === '/v2/' || u.pathname === '/v2') {
      if (authorized(req, res, undefined)) send(res, 200, '{}');
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(u.pathname);
    if (!m || (req.method !== 'GET' && req.method !== 'HEAD')) return send(res, 404, errorBody('NOT_FOUND', 'no such route'));
    const [repo, kind, ref] = [m[1] ?? '', m[2] ?? '', m[3] ?? ''];
    if (!authorized(req, res, repo)) return;
    if (behaviour.echoAuthorization) return send(res, 500, errorBody('UNKNOWN', `backend failure while checking authorization ${req.headers.authorization ?? '(none)'}`));
    if (kind === 'manifests') {
      const found = manifests.get(`${repo}@${ref}`);
      if (!found) return send(res, 404, errorBody('MANIFEST_UNKNOWN', 'manifest unknown'));
      return serve(req, res, sha(found.bytes), found.bytes, found.contentType);
    }
    const blob = blobs.get(ref);
    if (!blob) return send(res, 404, errorBody('BLOB_UNKNOWN', 'blob unknown to registry'));
    if (behaviour.redirectBlobs) {
      res.writeHead(307, { location: `${cdnUrl}/blobs/${ref}?signature=${randomBytes(6).toString('hex')}`, 'content-length': '0' });
      res.end();
      return;
    }
    serve(req, res, ref, blob, 'application/octet-stream');
  };

  const cdnHandler = (req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/blobs\/([^/?]+)/.exec(req.url ?? '');
    const blob = m ? blobs.get(m[1] as string) : undefined;
    if (!m || !blob) return send(res, 404, '<html>NoSuchKey</html>', { 'content-type': 'text/html' });
    serve(req, res, m[1] as string, blob, 'application/octet-stream');
  };

  const withLog = (server: 'registry' | 'cdn', handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) =>
    (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const u = new URL(req.url ?? '/', 'http://x');
        const query: Record<string, string[]> = {};
        for (const k of new Set(u.searchParams.keys())) query[k] = u.searchParams.getAll(k);
        requests.push({ server, method: req.method ?? '', path: u.pathname, query, headers: req.headers, body });
        handler(req, res, body);
      });
    };

  const registry: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, withLog('registry', registryHandler)) : createHttpServer(withLog('registry', registryHandler));
  const cdn = createHttpServer(withLog('cdn', (req, res) => cdnHandler(req, res)));
  const listen = (s: Server) => new Promise<number>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
  });
  const port = await listen(registry);
  const cdnPort = await listen(cdn);
  url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  cdnUrl = `http://127.0.0.1:${cdnPort}`;

  const addBlob = (bytes: Buffer) => {
    const digest = sha(bytes);
    blobs.set(digest, bytes);
    return { digest, size: bytes.length };
  };
  const setManifest = (repository: string, reference: string | undefined, bytes: Buffer, contentType: string): Digest => {
    const digest = sha(bytes);
    manifests.set(`${repository}@${digest}`, { bytes, contentType });
    if (reference !== undefined) manifests.set(`${repository}@${reference}`, { bytes, contentType });
    return digest;
  };

  return {
    url, host: `127.0.0.1:${port}`, cdnUrl, requests, behaviour, addBlob, setManifest,
    addImage(o) {
      const format = o.format ?? 'oci';
      const platform = o.platform ?? { os: 'linux', architecture: 'amd64' };
      const infos = o.layers.map((l) => layerInfo(l, format));
      const configBytes = Buffer.from(JSON.stringify({
        architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}),
        config: { Cmd: ['sh'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] },
        rootfs: { type: 'layers', diff_ids: infos.map((i) => i.diffId) },
        ...o.config,
      }));
      const config = { mediaType: format === 'docker' ? T.dockerConfig : T.ociConfig, ...addBlob(configBytes) };
      const layers = o.layers.map((l, i) => ({ mediaType: (infos[i] as { mediaType: string }).mediaType, ...addBlob(l) }));
      const mediaType = format === 'docker' ? T.dockerManifest : T.ociManifest;
      const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, config, layers }));
      const digest = setManifest(o.repository ?? 'library/test', o.tag, manifest, mediaType);
      return { digest, manifest, mediaType, config, configBytes, layers, descriptor: { mediaType, digest, size: manifest.length, platform } };
    },
    addIndex(o) {
      const mediaType = o.format === 'docker' ? T.dockerList : T.ociIndex;
      const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests: o.manifests.map((m) => m.descriptor) }));
      return { digest: setManifest(o.repository ?? 'library/test', o.tag, manifest, mediaType), manifest };
    },
    revokeTokens: () => tokens.clear(),
    close: async () => {
      for (const s of [registry, cdn]) {
        s.closeAllConnections();
        await new Promise<void>((resolve, reject) => s.close((e) => (e ? reject(e) : resolve())));
      }
    },
  };
}
