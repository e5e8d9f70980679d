/**
 * Manifests, indexes and image configs from untrusted bytes: parsed, validated strictly, and typed.
 * Accepted: OCI index and manifest, Docker manifest list and schema 2 (image-spec manifest.md,
 * image-index.md, config.md; distribution manifest-v2-2.md). Docker schema 1 is refused with a clear
 * error. Layers: OCI tar / tar+gzip / tar+zstd and Docker rootfs.diff.tar.gzip; foreign and
 * non-distributable layers are refused (they point outside the registry).
 */
import { type Digest, isDigest } from '../../storage/digest.ts';
import { EngineError } from '../errors.ts';
import { formatPlatform, type Platform, platformScore } from './platform.ts';

export const MediaType = {
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  OciLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  OciLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  OciLayerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  DockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

const INDEX_TYPES: ReadonlySet<string> = new Set([MediaType.OciIndex, MediaType.DockerManifestList]);
const IMAGE_TYPES: ReadonlySet<string> = new Set([MediaType.OciManifest, MediaType.DockerManifest]);
const SCHEMA1_TYPES: ReadonlySet<string> = new Set([MediaType.DockerSchema1, MediaType.DockerSchema1Signed]);
const CONFIG_TYPES: ReadonlySet<string> = new Set([MediaType.OciConfig, MediaType.DockerConfig]);
const LAYER_COMPRESSION: ReadonlyMap<string, LayerCompression> = new Map([
  [MediaType.OciLayer, 'none'],
  [MediaType.OciLayerGzip, 'gzip'],
  [MediaType.OciLayerZstd, 'zstd'],
  [MediaType.DockerLayerGzip, 'gzip'],
]);
const FOREIGN_LAYER_TYPES: ReadonlySet<string> = new Set([
  MediaType.OciLayerNondistributable, MediaType.OciLayerNondistributableGzip,
  MediaType.OciLayerNondistributableZstd, MediaType.DockerForeignLayer,
]);
/** Every manifest type a registry may answer with; the Accept header of a manifest request. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [...INDEX_TYPES, ...IMAGE_TYPES, MediaType.DockerSchema1Signed, MediaType.DockerSchema1];

export type LayerCompression = 'none' | 'gzip' | 'zstd';

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: Platform;
  urls?: string[];
  annotations?: Record<string, string>;
}

export type ParsedManifest =
  | { kind: 'index'; mediaType: string; manifests: Descriptor[] }
  | { kind: 'image'; mediaType: string; config: Descriptor; layers: Descriptor[] };

/** How a layer of this media type is compressed; undefined for anything that is not a supported layer. */
export function layerCompression(mediaType: string): LayerCompression | undefined {
  return LAYER_COMPRESSION.get(mediaType);
}

// ---- JSON shape checks: each failure is one line naming the field ----

type Json = Record<string, unknown>;
type What = 'manifest' | 'image config';

function bad(what: What, path: string, msg: string): EngineError {
  return new EngineError('MANIFEST_INVALID', `invalid ${what}: ${path === '' ? '' : `${path}: `}${msg}`);
}
/** A wrong type, or a missing field. */
function wrong(what: What, path: string, expected: string, v: unknown): EngineError {
  return bad(what, path, v === undefined ? `missing (expected ${expected})` : `expected ${expected}, got ${show(v)}`);
}
function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
function asObject(v: unknown, what: What, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw wrong(what, path, 'an object', v);
  return v as Json;
}
function asString(v: unknown, what: What, path: string): string {
  if (typeof v !== 'string') throw wrong(what, path, 'a string', v);
  return v;
}
function optString(v: unknown, what: What, path: string): string | undefined {
  return v === undefined || v === null ? undefined : asString(v, what, path);
}
function asStrings(v: unknown, what: What, path: string): string[] {
  if (!Array.isArray(v)) throw wrong(what, path, 'an array of strings', v);
  return v.map((s, i) => asString(s, what, `${path}[${i}]`));
}
function asStringMap(v: unknown, what: What, path: string): Record<string, string> {
  const o = asObject(v, what, path);
  const out: Record<string, string> = {};
  for (const [k, s] of Object.entries(o)) out[k] = asString(s, what, `${path}.${k}`);
  return out;
}
function asDigest(v: unknown, what: What, path: string): Digest {
  if (typeof v === 'string' && isDigest(v)) return v;
  if (typeof v === 'string' && /^sha(384|512):[0-9a-f]+$/.test(v)) {
    throw new EngineError('MANIFEST_UNSUPPORTED', `${what} ${path}: digest algorithm of ${v.slice(0, v.indexOf(':'))} is not supported (only sha256)`);
  }
  throw wrong(what, path, 'a sha256 digest', v);
}
function asSize(v: unknown, what: What, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw wrong(what, path, 'a non-negative integer', v);
  return v;
}

function parsePlatformField(v: unknown, path: string): Platform {
  const o = asObject(v, 'manifest', path);
  const os = asString(o['os'], 'manifest', `${path}.os`);
  const architecture = asString(o['architecture'], 'manifest', `${path}.architecture`);
  const variant = optString(o['variant'], 'manifest', `${path}.variant`);
  return variant === undefined || variant === '' ? { os, architecture } : { os, architecture, variant };
}

function parseDescriptor(v: unknown, path: string): Descriptor {
  const o = asObject(v, 'manifest', path);
  const d: Descriptor = {
    mediaType: asString(o['mediaType'], 'manifest', `${path}.mediaType`),
    digest: asDigest(o['digest'], 'manifest', `${path}.digest`),
    size: asSize(o['size'], 'manifest', `${path}.size`),
  };
  if (o['platform'] !== undefined) d.platform = parsePlatformField(o['platform'], `${path}.platform`);
  if (o['urls'] !== undefined) d.urls = asStrings(o['urls'], 'manifest', `${path}.urls`);
  if (o['annotations'] !== undefined) d.annotations = asStringMap(o['annotations'], 'manifest', `${path}.annotations`);
  return d;
}

function parseJson(bytes: Uint8Array, what: What): Json {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    throw new EngineError('MANIFEST_INVALID', `invalid ${what}: not JSON: ${(e as Error).message}`, { cause: e });
  }
  return asObject(v, what, '');
}

const SCHEMA1_ERROR = 'manifest schema 1 is not supported: the image was pushed by a pre-2017 client; ask its publisher to push it again as OCI or Docker schema 2';

function baseType(contentType: string | undefined): string | undefined {
  const t = contentType?.split(';')[0]?.trim().toLowerCase();
  return t === '' ? undefined : t;
}

/**
 * The media type of a manifest: the Content-Type when it names a manifest type, else the body's
 * `mediaType`, else a guess from its shape (some registries answer `application/json`). Throws when the
 * two disagree, and for schema 1.
 */
function manifestMediaType(root: Json, contentType: string | undefined): string {
  const header = baseType(contentType);
  const body = typeof root['mediaType'] === 'string' ? root['mediaType'] : undefined;
  if (root['schemaVersion'] === 1 || (header !== undefined && SCHEMA1_TYPES.has(header)) || (body !== undefined && SCHEMA1_TYPES.has(body))) {
    throw new EngineError('MANIFEST_UNSUPPORTED', SCHEMA1_ERROR);
  }
  if (root['schemaVersion'] !== 2) throw bad('manifest', 'schemaVersion', `expected 2, got ${show(root['schemaVersion'])}`);
  const known = header !== undefined && (INDEX_TYPES.has(header) || IMAGE_TYPES.has(header)) ? header : undefined;
  if (body !== undefined && known !== undefined && body !== known) {
    throw bad('manifest', 'mediaType', `the body says ${show(body)} but the registry sent Content-Type ${show(header)}`);
  }
  const type = known ?? body ?? (Array.isArray(root['manifests']) ? MediaType.OciIndex : MediaType.OciManifest);
  if (!INDEX_TYPES.has(type) && !IMAGE_TYPES.has(type)) {
    throw new EngineError('MANIFEST_UNSUPPORTED', `manifest media type ${show(type)} is not supported (not a container image)`);
  }
  return type;
}

/** Parses and validates a manifest or an index; see the module comment for what is accepted. */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined): ParsedManifest {
  const root = parseJson(bytes, 'manifest');
  const mediaType = manifestMediaType(root, contentType);
  if (INDEX_TYPES.has(mediaType)) {
    if (!Array.isArray(root['manifests'])) throw wrong('manifest', 'manifests', 'an array', root['manifests']);
    return { kind: 'index', mediaType, manifests: root['manifests'].map((m, i) => parseDescriptor(m, `manifests[${i}]`)) };
  }
  const config = parseDescriptor(root['config'], 'config');
  if (!CONFIG_TYPES.has(config.mediaType)) {
    throw new EngineError('MANIFEST_UNSUPPORTED', `not a container image: config media type ${show(config.mediaType)} is not an image config`);
  }
  if (!Array.isArray(root['layers'])) throw wrong('manifest', 'layers', 'an array', root['layers']);
  const layers = root['layers'].map((l, i) => {
    const d = parseDescriptor(l, `layers[${i}]`);
    if (FOREIGN_LAYER_TYPES.has(d.mediaType)) {
      throw new EngineError('MANIFEST_UNSUPPORTED', `layers[${i}]: foreign (non-distributable) layer ${d.digest} is not supported`);
    }
    if (!LAYER_COMPRESSION.has(d.mediaType)) {
      throw new EngineError('MANIFEST_UNSUPPORTED', `layers[${i}]: layer media type ${show(d.mediaType)} is not supported`);
    }
    return d;
  });
  return { kind: 'image', mediaType, config, layers };
}

/**
 * Picks the image manifest for `want` from an index: the best match (exact before compatible), skipping
 * attestations and nested indexes. An entry without a platform matches anything, last (containerd).
 */
export function selectPlatform(index: ParsedManifest & { kind: 'index' }, want: Platform): Descriptor {
  let best: Descriptor | undefined;
  let bestScore = 0;
  const available: string[] = [];
  for (const m of index.manifests) {
    if (!IMAGE_TYPES.has(m.mediaType) || m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
    const score = m.platform === undefined ? 1 : platformScore(want, m.platform);
    if (m.platform !== undefined) available.push(formatPlatform(m.platform));
    if (score > bestScore) {
      best = m;
      bestScore = score;
    }
  }
  if (best === undefined) {
    const list = available.length > 0 ? [...new Set(available)].join(', ') : 'none';
    throw new EngineError('PLATFORM_NOT_FOUND', `no matching manifest for ${formatPlatform(want)} in the manifest list entries (available: ${list})`);
  }
  return best;
}

// ---- image config (image-spec config.md) ----

/** The runtime defaults of an image; unknown keys (Healthcheck, OnBuild, Shell…) are kept as they came. */
export interface ContainerConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  [key: string]: unknown;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  comment?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
}

function asObjectSet(v: unknown, path: string): Record<string, object> {
  const o = asObject(v, 'image config', path);
  for (const [k, x] of Object.entries(o)) asObject(x, 'image config', `${path}.${k}`);
  return o as Record<string, object>;
}

function parseContainerConfig(v: unknown): ContainerConfig {
  const o = asObject(v, 'image config', 'config');
  const out: ContainerConfig = {};
  const p = (k: string) => `config.${k}`;
  for (const [k, x] of Object.entries(o)) {
    if (x === null) continue; // docker writes `"Cmd": null` and friends for "unset"
    switch (k) {
      case 'User': case 'WorkingDir': case 'StopSignal':
        out[k] = asString(x, 'image config', p(k));
        break;
      case 'Env': case 'Entrypoint': case 'Cmd':
        out[k] = asStrings(x, 'image config', p(k));
        break;
      case 'Labels':
        out.Labels = asStringMap(x, 'image config', p(k));
        break;
      case 'ExposedPorts': case 'Volumes':
        out[k] = asObjectSet(x, p(k));
        break;
      default:
        out[k] = x;
    }
  }
  return out;
}

function parseHistory(v: unknown, i: number): HistoryEntry {
  const o = asObject(v, 'image config', `history[${i}]`);
  const out: HistoryEntry = {};
  for (const k of ['created', 'created_by', 'author', 'comment'] as const) {
    const s = optString(o[k], 'image config', `history[${i}].${k}`);
    if (s !== undefined) out[k] = s;
  }
  if (o['empty_layer'] !== undefined && o['empty_layer'] !== null) {
    if (typeof o['empty_layer'] !== 'boolean') throw bad('image config', `history[${i}].empty_layer`, `expected a boolean, got ${show(o['empty_layer'])}`);
    out.empty_layer = o['empty_layer'];
  }
  return out;
}

/** Parses and validates an image config; `rootfs.diff_ids` must be sha256 digests. */
export function parseImageConfig(bytes: Uint8Array): ImageConfig {
  const o = parseJson(bytes, 'image config');
  const rootfs = asObject(o['rootfs'], 'image config', 'rootfs');
  if (rootfs['type'] !== 'layers') throw bad('image config', 'rootfs.type', `expected "layers", got ${show(rootfs['type'])}`);
  if (!Array.isArray(rootfs['diff_ids'])) throw wrong('image config', 'rootfs.diff_ids', 'an array', rootfs['diff_ids']);
  const cfg: ImageConfig = {
    architecture: asString(o['architecture'], 'image config', 'architecture'),
    os: asString(o['os'], 'image config', 'os'),
    rootfs: { type: 'layers', diff_ids: rootfs['diff_ids'].map((d, i) => asDigest(d, 'image config', `rootfs.diff_ids[${i}]`)) },
  };
  for (const k of ['created', 'author', 'comment', 'variant'] as const) {
    const s = optString(o[k], 'image config', k);
    if (s !== undefined && s !== '') cfg[k] = s;
  }
  if (o['config'] !== undefined && o['config'] !== null) cfg.config = parseContainerConfig(o['config']);
  if (o['history'] !== undefined && o['history'] !== null) {
    if (!Array.isArray(o['history'])) throw wrong('image config', 'history', 'an array', o['history']);
    cfg.history = o['history'].map(parseHistory);
  }
  return cfg;
}
