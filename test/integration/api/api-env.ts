// For the API tests (test/integration/api/): engine options on a fresh store with no host configuration
// (registries.conf, containers.conf, tsengine.toml, daemon.json all read as empty). Not a test file.
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { Engine } from '../../../engine/index.ts';
import { makeTmpRoots, type TmpRoots } from '../../helpers/tmp-root.ts';

export const env: Record<string, string> = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: process.env['HOME'] ?? '/root',
  CONTAINERS_REGISTRIES_CONF: '/dev/null',
  CONTAINERS_CONF: '/dev/null',
  TSENGINE_CONFIG: '/dev/null',
  TSENGINE_DAEMON_JSON: '/dev/null',
};

export function optionsFor(t: TmpRoots): { root: string; runRoot: string; env: Record<string, string> } {
  return { root: t.root, runRoot: t.runRoot, env };
}

/** A gzip layer holding one file (a distinct body per layer, so distinct digests). */
export async function layerOf(name: string, body: string): Promise<Buffer> {
  const p = pack();
  p.entry({ name, mode: 0o644, mtime: new Date(1_700_000_000_000) }, body);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

/** The error a call rejects (or throws) with; fails the test when it resolves. */
export async function errorOf(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** A fresh store under `label` with `image` pulled: what a file's beforeAll opens. */
export async function openWithImage(label: string, image: string): Promise<{ t: TmpRoots; engine: Engine }> {
  const t = makeTmpRoots(label);
  const engine = await Engine.open(optionsFor(t));
  await engine.images.pull(image);
  return { t, engine };
}

/** A file's afterAll: every container removed (forced), the engine closed, the store deleted. */
export async function closeAndRemove(engine: Engine, t: TmpRoots): Promise<void> {
  for (const c of await engine.containers.list({ all: true })) await engine.containers.remove(c.id, { force: true });
  await engine.close();
  t.cleanup();
}
