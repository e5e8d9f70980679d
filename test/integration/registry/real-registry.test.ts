// RegistryClient against the real CNCF distribution registry of the test run (test/helpers/registry-fixture.ts),
// fed by skopeo/umoci/buildah: every manifest kind it holds, platform selection, verified blobs.
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { MediaType, parseImageConfig, parseManifest, selectPlatform } from '../../../engine/image/manifest.ts';
import { parsePlatform } from '../../../engine/image/platform.ts';
import { parseReference } from '../../../engine/image/reference.ts';
import { RegistryClient } from '../../../engine/registry/client.ts';
import { DigestingStream } from '../../../storage/digest.ts';
import { getRegistry } from '../../helpers/registry.ts';

const registry = getRegistry();
const agent = new Agent();
afterAll(() => agent.close());
const client = new RegistryClient({ dispatcher: agent });

describe('the fixture registry', () => {
  it.each([
    ['busyboxIndex', registry.images.busyboxIndex.ref, MediaType.OciIndex, 'linux/arm64', 'sha256:3cb83a1fb0a5d7064741699ec39f3276d393df432c7c287e8486154465910a89'],
    ['busyboxIndex', registry.images.busyboxIndex.ref, MediaType.OciIndex, 'linux/amd64', 'sha256:a34ce92094b7b100a98fbd21411a92825f6827b1bc5f6918c253516c90556998'],
    ['alpineList', registry.images.alpineList.ref, MediaType.DockerManifestList, 'linux/arm64/v8', registry.images.alpineArm64.digest],
    ['alpine', registry.images.alpine.ref, MediaType.DockerManifest, 'linux/amd64', registry.images.alpine.digest],
    ['alpineOci', registry.images.alpineOci.ref, MediaType.OciManifest, 'linux/amd64', registry.images.alpineOci.digest],
  ])('%s for %s: manifest, config and layers verify', async (_name, text, topType, platform, imageDigest) => {
    const ref = parseReference(text);
    const top = await client.getManifest(ref, ref.tag ?? 'latest');
    expect(top.mediaType).toBe(topType);
    let manifest = top;
    let parsed = parseManifest(top.bytes, top.mediaType);
    if (parsed.kind === 'index') {
      manifest = await client.getManifest(ref, selectPlatform(parsed, parsePlatform(platform)).digest);
      parsed = parseManifest(manifest.bytes, manifest.mediaType);
    }
    expect(manifest.digest).toBe(imageDigest);
    if (parsed.kind !== 'image') throw new Error('expected an image manifest');
    const config = parseImageConfig(await client.getBlobBytes(ref, parsed.config));
    expect(`${config.os}/${config.architecture}`).toBe(platform.split('/').slice(0, 2).join('/'));
    expect(config.rootfs.diff_ids).toHaveLength(parsed.layers.length);
    for (const l of parsed.layers) {
      let bytes = 0;
      await pipeline(await client.getBlob(ref, l), new DigestingStream({ digest: l.digest, size: l.size }), new Writable({
        write(c: Buffer, _e, cb) { bytes += c.length; cb(); },
      }));
      expect(bytes).toBe(l.size);
    }
  });
});
