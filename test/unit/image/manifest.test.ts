import { describe, expect, it } from 'vitest';
import { layerCompression, MediaType, parseImageConfig, parseManifest, type ParsedManifest, selectPlatform } from '../../../engine/image/manifest.ts';
import type { Platform } from '../../../engine/image/platform.ts';
import type { Digest } from '../../../storage/digest.ts';

const d = (c: string): Digest => `sha256:${c.repeat(64)}`;
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

const ociManifest = {
  schemaVersion: 2,
  mediaType: MediaType.OciManifest,
  config: { mediaType: MediaType.OciConfig, digest: d('c'), size: 462 },
  layers: [{ mediaType: MediaType.OciLayerGzip, digest: d('1'), size: 886160, annotations: { a: 'b' } }],
};
const dockerManifest = {
  schemaVersion: 2,
  mediaType: MediaType.DockerManifest,
  config: { mediaType: MediaType.DockerConfig, digest: d('c'), size: 1 },
  layers: [{ mediaType: MediaType.DockerLayerGzip, digest: d('2'), size: 0 }],
};
const entry = (c: string, platform?: Platform, extra: object = {}) => ({
  mediaType: MediaType.OciManifest, digest: d(c), size: 608, ...(platform ? { platform } : {}), ...extra,
});
const index = (manifests: object[], mediaType: string = MediaType.OciIndex) => ({ schemaVersion: 2, mediaType, manifests });

describe('parseManifest accepts', () => {
  it.each<[string, unknown, string | undefined, ParsedManifest]>([
    ['an OCI manifest', ociManifest, MediaType.OciManifest, {
      kind: 'image', mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: d('c'), size: 462 },
      layers: [{ mediaType: MediaType.OciLayerGzip, digest: d('1'), size: 886160, annotations: { a: 'b' } }],
    }],
    ['a Docker schema 2 manifest', dockerManifest, MediaType.DockerManifest, {
      kind: 'image', mediaType: MediaType.DockerManifest,
      config: { mediaType: MediaType.DockerConfig, digest: d('c'), size: 1 },
      layers: [{ mediaType: MediaType.DockerLayerGzip, digest: d('2'), size: 0 }],
    }],
    ['an OCI index', index([entry('a', { os: 'linux', architecture: 'amd64' })]), MediaType.OciIndex, {
      kind: 'index', mediaType: MediaType.OciIndex,
      manifests: [{ mediaType: MediaType.OciManifest, digest: d('a'), size: 608, platform: { os: 'linux', architecture: 'amd64' } }],
    }],
    ['a Docker manifest list', index([entry('a', { os: 'linux', architecture: 'arm', variant: 'v7' })], MediaType.DockerManifestList), MediaType.DockerManifestList, {
      kind: 'index', mediaType: MediaType.DockerManifestList,
      manifests: [{ mediaType: MediaType.OciManifest, digest: d('a'), size: 608, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }],
    }],
    ['Content-Type with parameters', ociManifest, `${MediaType.OciManifest}; charset=utf-8`, {
      kind: 'image', mediaType: MediaType.OciManifest, config: ociManifest.config, layers: ociManifest.layers,
    }],
    ['a generic Content-Type (body mediaType decides)', dockerManifest, 'application/json', {
      kind: 'image', mediaType: MediaType.DockerManifest, config: dockerManifest.config, layers: dockerManifest.layers,
    }],
    ['no Content-Type and no mediaType: an index by shape', { schemaVersion: 2, manifests: [] }, undefined, { kind: 'index', mediaType: MediaType.OciIndex, manifests: [] }],
    ['no Content-Type and no mediaType: a manifest by shape', { ...ociManifest, mediaType: undefined }, undefined, {
      kind: 'image', mediaType: MediaType.OciManifest, config: ociManifest.config, layers: ociManifest.layers,
    }],
    ['zero layers, uncompressed and zstd layers', { ...ociManifest, layers: [
      { mediaType: MediaType.OciLayer, digest: d('3'), size: 10 }, { mediaType: MediaType.OciLayerZstd, digest: d('4'), size: 11, urls: ['https://x'] },
    ] }, MediaType.OciManifest, {
      kind: 'image', mediaType: MediaType.OciManifest, config: ociManifest.config, layers: [
        { mediaType: MediaType.OciLayer, digest: d('3'), size: 10 }, { mediaType: MediaType.OciLayerZstd, digest: d('4'), size: 11, urls: ['https://x'] },
      ],
    }],
  ])('%s', (_name, body, contentType, want) => {
    expect(parseManifest(json(body), contentType)).toEqual(want);
  });
});

describe('parseManifest refuses', () => {
  const schema1 = 'manifest schema 1 is not supported: the image was pushed by a pre-2017 client; ask its publisher to push it again as OCI or Docker schema 2';
  it.each<[string, Buffer, string | undefined, string, string]>([
    ['schema 1 by Content-Type', json({ schemaVersion: 1, name: 'x' }), MediaType.DockerSchema1Signed, 'MANIFEST_UNSUPPORTED', schema1],
    ['schema 1 by body', json({ schemaVersion: 1, fsLayers: [] }), 'application/json', 'MANIFEST_UNSUPPORTED', schema1],
    ['not JSON', Buffer.from('{"schemaVersion":'), undefined, 'MANIFEST_INVALID', 'invalid manifest: not JSON: Unexpected end of JSON input'],
    ['a JSON array', json([1]), undefined, 'MANIFEST_INVALID', 'invalid manifest: expected an object, got [1]'],
    ['schemaVersion 3', json({ ...ociManifest, schemaVersion: 3 }), undefined, 'MANIFEST_INVALID', 'invalid manifest: schemaVersion: expected 2, got 3'],
    ['header and body disagree', json(ociManifest), MediaType.DockerManifest, 'MANIFEST_INVALID',
      `invalid manifest: mediaType: the body says "${MediaType.OciManifest}" but the registry sent Content-Type "${MediaType.DockerManifest}"`],
    ['an artifact manifest type', json({ schemaVersion: 2, mediaType: 'application/vnd.oci.artifact.manifest.v1+json' }), undefined, 'MANIFEST_UNSUPPORTED',
      'manifest media type "application/vnd.oci.artifact.manifest.v1+json" is not supported (not a container image)'],
    ['a missing config', json({ ...ociManifest, config: undefined }), undefined, 'MANIFEST_INVALID', 'invalid manifest: config: missing (expected an object)'],
    ['a short digest', json({ ...ociManifest, config: { ...ociManifest.config, digest: 'sha256:abc' } }), undefined, 'MANIFEST_INVALID',
      'invalid manifest: config.digest: expected a sha256 digest, got "sha256:abc"'],
    ['a sha512 digest', json({ ...ociManifest, config: { ...ociManifest.config, digest: `sha512:${'a'.repeat(128)}` } }), undefined, 'MANIFEST_UNSUPPORTED',
      'manifest config.digest: digest algorithm of sha512 is not supported (only sha256)'],
    ['a negative size', json({ ...ociManifest, layers: [{ ...ociManifest.layers[0], size: -1 }] }), undefined, 'MANIFEST_INVALID',
      'invalid manifest: layers[0].size: expected a non-negative integer, got -1'],
    ['a fractional size', json({ ...ociManifest, layers: [{ ...ociManifest.layers[0], size: 1.5 }] }), undefined, 'MANIFEST_INVALID',
      'invalid manifest: layers[0].size: expected a non-negative integer, got 1.5'],
    ['a size given as text', json({ ...ociManifest, config: { ...ociManifest.config, size: '462' } }), undefined, 'MANIFEST_INVALID',
      'invalid manifest: config.size: expected a non-negative integer, got "462"'],
    ['layers not an array', json({ ...ociManifest, layers: {} }), undefined, 'MANIFEST_INVALID', 'invalid manifest: layers: expected an array, got {}'],
    ['a layer without mediaType', json({ ...ociManifest, layers: [{ digest: d('1'), size: 1 }] }), undefined, 'MANIFEST_INVALID',
      'invalid manifest: layers[0].mediaType: missing (expected a string)'],
    ['a non-string annotation', json({ ...ociManifest, layers: [{ ...ociManifest.layers[0], annotations: { a: 1 } }] }), undefined, 'MANIFEST_INVALID',
      'invalid manifest: layers[0].annotations.a: expected a string, got 1'],
    ['a foreign layer', json({ ...dockerManifest, layers: [{ mediaType: MediaType.DockerForeignLayer, digest: d('9'), size: 5, urls: ['https://x'] }] }), undefined,
      'MANIFEST_UNSUPPORTED', `layers[0]: foreign (non-distributable) layer ${d('9')} is not supported`],
    ['a non-distributable layer', json({ ...ociManifest, layers: [{ mediaType: MediaType.OciLayerNondistributableGzip, digest: d('9'), size: 5 }] }), undefined,
      'MANIFEST_UNSUPPORTED', `layers[0]: foreign (non-distributable) layer ${d('9')} is not supported`],
    ['an unknown layer type', json({ ...ociManifest, layers: [{ mediaType: 'application/x-tar', digest: d('9'), size: 5 }] }), undefined,
      'MANIFEST_UNSUPPORTED', 'layers[0]: layer media type "application/x-tar" is not supported'],
    ['a non-image config', json({ ...ociManifest, config: { ...ociManifest.config, mediaType: 'application/vnd.cncf.helm.config.v1+json' } }), undefined,
      'MANIFEST_UNSUPPORTED', 'not a container image: config media type "application/vnd.cncf.helm.config.v1+json" is not an image config'],
    ['manifests not an array', json({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: null }), undefined, 'MANIFEST_INVALID',
      'invalid manifest: manifests: expected an array, got null'],
    ['a platform without os', json(index([entry('a', { architecture: 'amd64' } as Platform)])), undefined, 'MANIFEST_INVALID',
      'invalid manifest: manifests[0].platform.os: missing (expected a string)'],
  ])('%s', (_name, bytes, contentType, code, message) => {
    expect(() => parseManifest(bytes, contentType)).toThrow(expect.objectContaining({ code, message }));
  });
});

describe('layerCompression', () => {
  it.each([
    [MediaType.OciLayer, 'none'], [MediaType.OciLayerGzip, 'gzip'], [MediaType.OciLayerZstd, 'zstd'],
    [MediaType.DockerLayerGzip, 'gzip'], [MediaType.DockerForeignLayer, undefined],
  ])('%s → %s', (mt, want) => {
    expect(layerCompression(mt)).toBe(want);
  });
});

describe('selectPlatform', () => {
  const amd64 = entry('1', { os: 'linux', architecture: 'amd64' });
  const arm64 = entry('2', { os: 'linux', architecture: 'arm64' });
  const arm64v8 = entry('3', { os: 'linux', architecture: 'arm64', variant: 'v8' });
  const armv6 = entry('4', { os: 'linux', architecture: 'arm', variant: 'v6' });
  const armv7 = entry('5', { os: 'linux', architecture: 'arm', variant: 'v7' });
  const attestation = entry('6', { os: 'unknown', architecture: 'unknown' }, { annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } });
  const attestationAmd64 = entry('7', { os: 'linux', architecture: 'amd64' }, { annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } });
  const nested = { ...entry('8', { os: 'linux', architecture: 'amd64' }), mediaType: MediaType.OciIndex };
  const noPlatform = entry('9');
  const windows = entry('a', { os: 'windows', architecture: 'amd64' });
  const idx = (...m: object[]) => parseManifest(json(index(m)), undefined) as ParsedManifest & { kind: 'index' };

  it.each<[string, object[], Platform, string]>([
    ['amd64', [arm64, amd64], { os: 'linux', architecture: 'amd64' }, d('1')],
    ['arm64 v8 from an entry without variant', [amd64, arm64], { os: 'linux', architecture: 'arm64', variant: 'v8' }, d('2')],
    ['arm64 exact variant first', [arm64, arm64v8], { os: 'linux', architecture: 'arm64', variant: 'v8' }, d('2')],
    ['arm v7 exact', [armv6, armv7], { os: 'linux', architecture: 'arm', variant: 'v7' }, d('5')],
    ['arm v7 falls back to v6', [amd64, armv6], { os: 'linux', architecture: 'arm', variant: 'v7' }, d('4')],
    ['attestations and nested indexes skipped', [attestationAmd64, nested, attestation, amd64], { os: 'linux', architecture: 'amd64' }, d('1')],
    ['a platform match beats an entry without platform', [noPlatform, amd64], { os: 'linux', architecture: 'amd64' }, d('1')],
    ['an entry without platform matches anything', [windows, noPlatform], { os: 'linux', architecture: 'amd64' }, d('9')],
  ])('%s', (_name, manifests, want, digest) => {
    expect(selectPlatform(idx(...manifests), want).digest).toBe(digest);
  });

  it.each<[object[], Platform, string]>([
    [[amd64, arm64v8, attestation, amd64], { os: 'linux', architecture: 's390x' },
      'no matching manifest for linux/s390x in the manifest list entries (available: linux/amd64, linux/arm64/v8)'],
    [[armv7], { os: 'linux', architecture: 'arm', variant: 'v6' }, 'no matching manifest for linux/arm/v6 in the manifest list entries (available: linux/arm/v7)'],
    [[], { os: 'linux', architecture: 'amd64' }, 'no matching manifest for linux/amd64 in the manifest list entries (available: none)'],
  ])('%j for %j → PLATFORM_NOT_FOUND', (manifests, want, message) => {
    expect(() => selectPlatform(idx(...manifests), want)).toThrow(expect.objectContaining({ code: 'PLATFORM_NOT_FOUND', message }));
  });
});

describe('parseImageConfig', () => {
  const busybox = {
    config: { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    created: '2026-05-13T02:21:49Z',
    history: [{ created: '2026-05-13T02:21:49Z', created_by: 'BusyBox 1.38.0 (musl), Alpine 3.23.5' }],
    rootfs: { type: 'layers', diff_ids: [d('0')] },
    architecture: 'amd64',
    os: 'linux',
  };

  it.each<[string, object, object]>([
    ['the busybox fixture config', busybox, busybox],
    ['docker nulls dropped, unknown keys kept', {
      ...busybox, variant: 'v8', author: 'me', comment: '',
      config: { Cmd: null, Entrypoint: ['/init'], Labels: { a: 'b' }, ExposedPorts: { '80/tcp': {} }, Healthcheck: { Test: ['NONE'] }, User: '1000', Volumes: null },
      history: [{ created_by: 'x', empty_layer: true, comment: null }],
    }, {
      ...busybox, variant: 'v8', author: 'me',
      config: { Entrypoint: ['/init'], Labels: { a: 'b' }, ExposedPorts: { '80/tcp': {} }, Healthcheck: { Test: ['NONE'] }, User: '1000' },
      history: [{ created_by: 'x', empty_layer: true }],
    }],
    ['no config, no history, no layers', { architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } },
      { architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }],
  ])('%s', (_name, input, want) => {
    expect(parseImageConfig(json(input))).toEqual(want);
  });

  it.each<[string, object, string]>([
    ['a bad diff_id', { ...busybox, rootfs: { type: 'layers', diff_ids: ['sha256:00'] } }, 'invalid image config: rootfs.diff_ids[0]: expected a sha256 digest, got "sha256:00"'],
    ['no rootfs', { ...busybox, rootfs: undefined }, 'invalid image config: rootfs: missing (expected an object)'],
    ['another rootfs type', { ...busybox, rootfs: { type: 'snapshot', diff_ids: [] } }, 'invalid image config: rootfs.type: expected "layers", got "snapshot"'],
    ['diff_ids not an array', { ...busybox, rootfs: { type: 'layers' } }, 'invalid image config: rootfs.diff_ids: missing (expected an array)'],
    ['no architecture', { ...busybox, architecture: undefined }, 'invalid image config: architecture: missing (expected a string)'],
    ['Env as a string', { ...busybox, config: { Env: 'A=1' } }, 'invalid image config: config.Env: expected an array of strings, got "A=1"'],
    ['a numeric Cmd element', { ...busybox, config: { Cmd: ['sh', 1] } }, 'invalid image config: config.Cmd[1]: expected a string, got 1'],
    ['a non-string label', { ...busybox, config: { Labels: { a: true } } }, 'invalid image config: config.Labels.a: expected a string, got true'],
    ['history not an array', { ...busybox, history: {} }, 'invalid image config: history: expected an array, got {}'],
    ['empty_layer as text', { ...busybox, history: [{ empty_layer: 'yes' }] }, 'invalid image config: history[0].empty_layer: expected a boolean, got "yes"'],
  ])('refuses %s', (_name, input, message) => {
    expect(() => parseImageConfig(json(input))).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID', message }));
  });
});
