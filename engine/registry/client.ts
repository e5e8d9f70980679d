/**
 * A pull-only client for the OCI distribution API: manifests and blobs, with the auth dance, per-registry
 * scheme memory and redirect handling. One client per engine; it caches pings and tokens, nothing else.
 *
 * Contract: manifests come back as verified bytes (capped at 4 MiB; hashed against a digest reference);
 * blobs come back as a stream the caller verifies while it consumes it (storage's DigestingStream), or as
 * verified bytes through getBlobBytes. Authorization is never sent to another origin on a redirect. Every
 * method rejects with `signal.reason` when its signal aborts. Messages never carry tokens or passwords.
 */
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Dispatcher } from 'undici';
import { type Digest, DigestingStream, isDigest, sha256Digest } from '../../storage/digest.ts';
import { EngineError } from '../errors.ts';
import { MANIFEST_MEDIA_TYPES } from '../image/manifest.ts';
import type { ImageReference } from '../image/reference.ts';
import { Authenticator, type Credentials, type CredentialsLookup } from './auth.ts';
import { type Endpoint, pingRegistry } from './endpoint.ts';
import { isInsecureRegistry } from './insecure-registries.ts';
import { redact } from './redact.ts';
import { defaultDispatchers, discard, engineError, errorDetail, readCapped, type Response, send, type Transport } from './transport.ts';
import { parseWwwAuthenticate } from './www-authenticate.ts';

export type { Credentials, CredentialsLookup };

export interface RegistryClientOptions {
  /** Used for every request (tests, proxies, embedders); default a shared undici Agent. */
  dispatcher?: Dispatcher;
  /** For HTTPS to insecure registries; default: `dispatcher` when one is given, else a shared non-verifying Agent. */
  insecureDispatcher?: Dispatcher;
  /** false: every registry may use HTTPS without verification, then plain HTTP. */
  tlsVerify?: boolean;
  /** Registries (host[:port], *.domain, CIDR) treated as insecure; loopback always is. */
  insecure?: readonly string[];
  /** Called with the registry (`docker.io`, `quay.io`) and the repository being pulled. */
  credentials?: CredentialsLookup;
  userAgent?: string;
}

export const MANIFEST_MAX_BYTES = 4 << 20;
const BLOB_BYTES_DEFAULT_MAX = 16 << 20;
const MAX_REDIRECTS = 5;
const TAG_RE = /^\w[\w.-]{0,127}$/;
const KNOWN_OPTIONS = new Set(['dispatcher', 'insecureDispatcher', 'tlsVerify', 'insecure', 'credentials', 'userAgent']);

interface CallOptions {
  signal?: AbortSignal | undefined;
}

export class RegistryClient {
  readonly #t: Transport;
  readonly #auth: Authenticator;
  readonly #endpoints = new Map<string, Endpoint>();

  constructor(options: RegistryClientOptions = {}) {
    for (const k of Object.keys(options)) {
      if (!KNOWN_OPTIONS.has(k)) throw new EngineError('INVALID_ARGUMENT', `unknown RegistryClient option \`${k}\` (known: ${[...KNOWN_OPTIONS].join(', ')})`);
    }
    const insecure = options.insecure ?? [];
    const tlsVerify = options.tlsVerify;
    this.#t = {
      dispatcher: options.dispatcher ?? defaultDispatchers().verified,
      insecureDispatcher: options.insecureDispatcher ?? options.dispatcher ?? defaultDispatchers().unverified,
      userAgent: options.userAgent ?? 'tsengine',
      isInsecure: (hostPort) => isInsecureRegistry(hostPort, { insecure, tlsVerify }),
      secrets: new Set(),
    };
    this.#auth = new Authenticator(this.#t, options.credentials);
  }

  /**
   * Fetches a manifest or index by tag or digest. When `reference` is a digest the bytes must hash to it.
   * `mediaType` is the Content-Type when it names a manifest type, else the body's own `mediaType`.
   */
  async getManifest(repo: ImageReference, reference: string, o: CallOptions = {}): Promise<{ bytes: Buffer; mediaType: string; digest: Digest }> {
    const byDigest = isDigest(reference);
    if (!byDigest && !TAG_RE.test(reference)) throw new EngineError('INVALID_REFERENCE', `invalid reference format: invalid tag ${JSON.stringify(reference)}`);
    const name = `${repo.registry}/${repo.repository}${byDigest ? '@' : ':'}${reference}`;
    const res = await this.#get(repo, `manifests/${reference}`, { accept: MANIFEST_MEDIA_TYPES.join(', '), signal: o.signal, what: name, follow: true });
    if (res.statusCode === 404) {
      await discard(res);
      throw engineError(this.#t, 'MANIFEST_UNKNOWN', `${name}: manifest unknown`);
    }
    if (res.statusCode !== 200) throw await this.#httpError(res, name, o.signal);
    const tooBig = () => engineError(this.#t, 'MANIFEST_INVALID', `${name}: manifest larger than ${MANIFEST_MAX_BYTES} bytes`);
    if (Number(res.headers['content-length'] ?? 0) > MANIFEST_MAX_BYTES) {
      await discard(res);
      throw tooBig();
    }
    const bytes = await readCapped(res, MANIFEST_MAX_BYTES, tooBig, { signal: o.signal, what: name, t: this.#t });
    const digest = sha256Digest(bytes);
    if (byDigest && digest !== reference) {
      throw engineError(this.#t, 'MANIFEST_INVALID', `${name}: manifest digest mismatch: the registry sent content with digest ${digest}`);
    }
    return { bytes, mediaType: effectiveMediaType(bytes, headerValue(res, 'content-type')), digest };
  }

  /**
   * Opens a blob. The stream carries the registry's bytes as they come; verify them while consuming
   * (DigestingStream). A Content-Length that differs from `desc.size` fails before any byte is read.
   */
  async getBlob(repo: ImageReference, desc: { digest: Digest; size: number }, o: CallOptions = {}): Promise<Readable> {
    if (!isDigest(desc.digest)) throw new EngineError('INVALID_ARGUMENT', `invalid blob digest ${JSON.stringify(desc.digest)}`);
    if (!Number.isSafeInteger(desc.size) || desc.size < 0) throw new EngineError('INVALID_ARGUMENT', `invalid blob size ${JSON.stringify(desc.size)}`);
    const what = `${repo.registry}/${repo.repository}: blob ${desc.digest}`;
    const res = await this.#get(repo, `blobs/${desc.digest}`, { signal: o.signal, what, follow: true });
    if (res.statusCode !== 200) throw await this.#httpError(res, what, o.signal);
    const length = headerValue(res, 'content-length');
    if (length !== undefined && Number(length) !== desc.size) {
      await discard(res);
      throw engineError(this.#t, 'SIZE_MISMATCH', `${what}: the registry sends ${length} bytes, expected ${desc.size}`);
    }
    return this.#relay(res, what, o.signal);
  }

  /** A whole blob in memory, verified (digest and size). For configs: refuses blobs over `maxSize` (16 MiB). */
  async getBlobBytes(repo: ImageReference, desc: { digest: Digest; size: number }, o: CallOptions & { maxSize?: number } = {}): Promise<Buffer> {
    const max = o.maxSize ?? BLOB_BYTES_DEFAULT_MAX;
    if (desc.size > max) throw engineError(this.#t, 'MANIFEST_INVALID', `blob ${desc.digest} is ${desc.size} bytes, more than the ${max} allowed here`);
    const body = await this.getBlob(repo, desc, o);
    const chunks: Buffer[] = [];
    await pipeline(body, new DigestingStream({ digest: desc.digest, size: desc.size, what: `blob ${desc.digest}` }), async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) chunks.push(c);
    });
    return Buffer.concat(chunks);
  }

  async #endpoint(registry: string, signal: AbortSignal | undefined): Promise<Endpoint> {
    const known = this.#endpoints.get(registry);
    if (known !== undefined) return known;
    const ep = await pingRegistry(this.#t, registry, signal);
    this.#endpoints.set(registry, ep);
    return ep;
  }

  /**
   * GET `/v2/<repo>/<path>` with auth: a 401 answers a fresh challenge (or refreshes a refused token) and
   * retries once; a second 401 or a 403 is REGISTRY_AUTH. Redirects are followed when `follow`.
   */
  async #get(repo: ImageReference, path: string, o: { accept?: string; signal: AbortSignal | undefined; what: string; follow: boolean }): Promise<Response> {
    o.signal?.throwIfAborted();
    const ep = await this.#endpoint(repo.registry, o.signal);
    const url = new URL(`/v2/${repo.repository}/${path}`, ep.origin);
    for (let attempt = 0; ; attempt++) {
      const auth = await this.#auth.authorization(repo.registry, repo.repository, ep.challenges, { signal: o.signal, fresh: attempt > 0 });
      const authorization = auth.header;
      let res = await send(this.#t, url, { headers: { accept: o.accept, authorization }, signal: o.signal, what: o.what });
      if (res.statusCode === 401 && attempt === 0) {
        // Worth one more try: we went anonymous and now have a challenge, or a cached token/header was refused.
        const challenges = parseWwwAuthenticate(res.headers['www-authenticate']);
        if (challenges.length > 0) ep.challenges = challenges;
        if (ep.challenges.length > 0 && (authorization === undefined || auth.cached)) {
          await discard(res);
          continue;
        }
      }
      if (o.follow && res.statusCode >= 300 && res.statusCode < 400 && res.statusCode !== 304) {
        res = await this.#follow(res, url, ep.origin, authorization, o);
      }
      if (res.statusCode === 401 || res.statusCode === 403) {
        const detail = await errorDetail(res, this.#t, o.signal);
        throw engineError(this.#t, 'REGISTRY_AUTH', `${o.what}: ${authorization === undefined ? 'authentication required' : 'access denied'} (HTTP ${res.statusCode})${detail ? `: ${detail}` : ''}`, {
          hint: `check that ${repo.registry}/${repo.repository} exists and the credentials for ${repo.registry} (auth.json, ~/.docker/config.json)`,
        });
      }
      return res;
    }
  }

  /** Follows redirects; Authorization goes only back to the registry's own origin. */
  async #follow(first: Response, from: URL, origin: string, authorization: string | undefined, o: { signal: AbortSignal | undefined; what: string }): Promise<Response> {
    let res = first;
    let at = from;
    for (let hops = 0; res.statusCode >= 300 && res.statusCode < 400 && res.statusCode !== 304; hops++) {
      const location = headerValue(res, 'location');
      await discard(res);
      if (hops === MAX_REDIRECTS) throw engineError(this.#t, 'REGISTRY_HTTP', `${o.what}: more than ${MAX_REDIRECTS} redirects`);
      if (location === undefined) throw engineError(this.#t, 'REGISTRY_HTTP', `${o.what}: HTTP ${res.statusCode} without a Location`);
      const to = new URL(location, at);
      if (to.protocol !== 'https:' && to.protocol !== 'http:') throw engineError(this.#t, 'REGISTRY_HTTP', `${o.what}: redirect to a non-HTTP URL`);
      res = await send(this.#t, to, { headers: { authorization: to.origin === origin ? authorization : undefined }, signal: o.signal, what: o.what });
      at = to;
    }
    return res;
  }

  async #httpError(res: Response, what: string, signal: AbortSignal | undefined): Promise<EngineError> {
    const detail = await errorDetail(res, this.#t, signal);
    return engineError(this.#t, 'REGISTRY_HTTP', `${what}: HTTP ${res.statusCode}${detail ? `: ${detail}` : ''}`);
  }

  /** The body as a plain Readable whose errors are ours (REGISTRY_UNREACHABLE) or the abort reason. */
  #relay(res: Response, what: string, signal: AbortSignal | undefined): Readable {
    const out = new PassThrough();
    let bytes = 0;
    res.body.on('data', (c: Buffer) => (bytes += c.length));
    res.body.on('error', (e: unknown) => {
      if (signal?.aborted) out.destroy(signal.reason);
      else out.destroy(engineError(this.#t, 'REGISTRY_UNREACHABLE', `${what}: connection lost after ${bytes} bytes: ${redact(String((e as Error)?.message ?? e), this.#t.secrets)}`, { cause: e }));
    });
    // A consumer that stops early (a digest mismatch, an abort) must not leave the download running.
    out.on('close', () => {
      if (!res.body.destroyed) res.body.destroy();
    });
    res.body.pipe(out);
    return out;
  }
}

function headerValue(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The Content-Type when it names a manifest type, else the body's `mediaType`, else what was sent. */
function effectiveMediaType(bytes: Buffer, contentType: string | undefined): string {
  const header = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (MANIFEST_MEDIA_TYPES.includes(header)) return header;
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    return header; // not JSON: parseManifest will say so with the right error
  }
  const mt = (body as { mediaType?: unknown } | null)?.mediaType;
  return typeof mt === 'string' ? mt : header;
}
