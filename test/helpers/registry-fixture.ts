// A real CNCF distribution registry (`docker-registry serve`, 2.8) on 127.0.0.1, fed from ../shared/fixtures
// with real clients (skopeo, umoci, buildah). Started once per vitest run by test/helpers/global-setup.ts and
// handed to tests with `inject('registry')`; usable on its own (benchmarks) through startRegistryFixture().
//
// What is pushed (HOST = 127.0.0.1:PORT):
//   HOST/library/busybox:1.38.0-musl        OCI image index: linux/amd64 + linux/arm64/v8 (fixture manifests,
//                                           byte for byte); per-arch tags HOST/library/busybox:{amd64,arm64}
//   HOST/library/busybox-amd64:1.38.0-musl  the amd64 OCI manifest alone
//   HOST/library/alpine:3.20.3              Docker schema2 manifest (built with umoci from the minirootfs)
//   HOST/library/alpine-oci:3.20.3          the same image as an OCI manifest
//   HOST/library/alpine:3.20.3-arm64        Docker schema2, arm64 (from the aarch64 minirootfs)
//   HOST/library/alpine-multi:3.20.3        Docker manifest list (schema2 entries): amd64 + arm64/v8
//
// Lifetime: the registry runs under `setpriv --pdeathsig KILL`, so the kernel kills it the moment the process
// that spawned it (vitest's main process) dies, however it dies (SIGKILL included). Normal teardown stops it
// with SIGTERM and removes its temp dir; temp dirs left by killed runs are removed by the next run (each holds
// an owner.pid file; a dir whose owner is gone is swept).
//
// Side effect outside the temp dir that cannot be avoided: skopeo/buildah running as root keep their blob-info
// cache in /var/lib/containers/cache (containers/image has no knob for it). Nothing touches the system's image
// store: buildah runs with its own --root/--runroot under the temp dir and the vfs driver.

import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { request } from 'undici';

export interface RegistryInfo {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** absolute path of the fixture root (TSENGINE_FIXTURES or <repo>/../shared/fixtures) */
  fixtures: string;
  /** every `ref` is a full reference including the host, e.g. `127.0.0.1:PORT/library/alpine:3.20.3` */
  images: {
    /** OCI image index, linux/amd64 + linux/arm64/v8; digest = the index's digest */
    busyboxIndex: { ref: string; digest: string };
    /** `library/busybox-amd64:1.38.0-musl`: the amd64 OCI manifest alone (also the index's amd64 entry) */
    busyboxAmd64: { ref: string; manifestDigest: string };
    /** `library/busybox:arm64`: the arm64/v8 OCI manifest (also the index's arm64 entry) */
    busyboxArm64: { ref: string; manifestDigest: string };
    /** Docker schema2 manifest (application/vnd.docker.distribution.manifest.v2+json), linux/amd64 */
    alpine: { ref: string; digest: string };
    /** the same image as an OCI manifest (application/vnd.oci.image.manifest.v1+json) */
    alpineOci: { ref: string; digest: string };
    /** Docker schema2 manifest, linux/arm64/v8 */
    alpineArm64: { ref: string; digest: string };
    /** Docker manifest list (application/vnd.docker.distribution.manifest.list.v2+json): alpine + alpineArm64 */
    alpineList: { ref: string; digest: string };
  };
}


export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

const ACCEPT_ALL = Object.values(MEDIA_TYPES).join(', ');
const TMP_PREFIX = 'tsengine-registry-';
const ALPINE_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export function fixturesRoot(): string {
  return path.resolve(process.env['TSENGINE_FIXTURES'] ?? path.join(repoRoot, '..', 'shared', 'fixtures'));
}

export interface RegistryFixture extends AsyncDisposable {
  info: RegistryInfo;
  /** the temp dir holding the registry's storage, config, log and the built layouts */
  dir: string;
  stop(): Promise<void>;
}

/** Starts an empty registry (no fixtures pushed). */
export async function startRegistry(dir: string): Promise<{ host: string; stop: () => Promise<void> }> {
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const config = path.join(dir, 'config.yml');
    // The port may be taken between freePort() and the registry's bind, possibly by another test run's
    // registry: a per-start token in a response header tells ours apart.
    const token = randomBytes(12).toString('hex');
    await writeFile(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: error',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${path.join(dir, 'storage')}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: ${host}`,
        '  headers:',
        `    X-Tsengine-Fixture: [${token}]`,
        '',
      ].join('\n'),
    );
    const logFile = path.join(dir, 'registry.log');
    // setpriv (util-linux) sets PR_SET_PDEATHSIG then execs the registry: the kernel SIGKILLs it when we die.
    const child = execa('setpriv', ['--pdeathsig', 'KILL', '--', 'docker-registry', 'serve', config], {
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: { file: logFile, append: true }, // the registry logs to stderr
      reject: false,
      cleanup: true,
    });
    let exited = false;
    void child.then(() => {
      exited = true;
    });
    const stop = async (): Promise<void> => {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await child;
      clearTimeout(timer);
    };
    const deadline = Date.now() + 10_000;
    while (!exited && Date.now() < deadline) {
      try {
        const res = await request(`http://${host}/v2/`, { headersTimeout: 1000, bodyTimeout: 1000 });
        await res.body.dump();
        if (res.statusCode === 200 && res.headers['x-tsengine-fixture'] === token) return { host, stop };
      } catch {
        // not listening yet
      }
      await sleep(25);
    }
    await stop();
    lastError = (await readFile(logFile, 'utf8').catch(() => '')).slice(-2000);
  }
  throw new Error(`docker-registry did not come up on 127.0.0.1 (5 attempts); log tail:\n${lastError}`);
}

/** Starts the registry and pushes every fixture image. Stop it with `stop()` (or `await using`). */
export async function startRegistryFixture(): Promise<RegistryFixture> {
  const fixtures = fixturesRoot();
  const busybox = path.join(fixtures, 'oci', 'busybox-1.38.0-musl');
  const rootfs = (arch: string) => path.join(fixtures, 'rootfs', `alpine-minirootfs-3.20.3-${arch}.tar.gz`);
  for (const p of [path.join(busybox, 'amd64'), path.join(busybox, 'arm64v8'), rootfs('x86_64'), rootfs('aarch64')]) {
    await access(p).catch(() => {
      throw new Error(`fixture missing: ${p} (set TSENGINE_FIXTURES or put shared/ beside the checkout)`);
    });
  }

  await sweepStaleDirs();
  const dir = await mkdtemp(path.join(os.tmpdir(), TMP_PREFIX));
  await writeFile(path.join(dir, 'owner.pid'), `${process.pid}\n`);
  const tmp = path.join(dir, 'tmp');
  await mkdir(tmp);
  // Keep the tools' scratch files in our dir; never read a user's registry credentials.
  const env = { TMPDIR: tmp, REGISTRY_AUTH_FILE: path.join(dir, 'auth.json') };
  await writeFile(env.REGISTRY_AUTH_FILE, '{"auths":{}}\n');

  let stopRegistry: (() => Promise<void>) | undefined;
  const cleanup = async (): Promise<void> => {
    await stopRegistry?.();
    stopRegistry = undefined;
    await rm(dir, { recursive: true, force: true });
  };

  try {
    // Building the alpine layouts needs no registry: start both at once.
    const alpineAmd64Layout = buildAlpineLayout(dir, rootfs('x86_64'), 'amd64', env);
    const alpineArm64Layout = buildAlpineLayout(dir, rootfs('aarch64'), 'arm64', env);
    // Don't leave an unhandled rejection behind if the registry fails first.
    alpineAmd64Layout.catch(() => undefined);
    alpineArm64Layout.catch(() => undefined);

    const registry = await startRegistry(dir);
    stopRegistry = registry.stop;
    const host = registry.host;
    const d = (repoTag: string) => `docker://${host}/${repoTag}`;

    const copy = (src: string, dest: string, format: 'oci' | 'v2s2') =>
      run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', '--format', format, src, d(dest)], env);

    const pushBusybox = async (): Promise<void> => {
      await Promise.all([
        copy(`oci:${path.join(busybox, 'amd64')}`, 'library/busybox:amd64', 'oci'),
        copy(`oci:${path.join(busybox, 'arm64v8')}`, 'library/busybox:arm64', 'oci'),
        copy(`oci:${path.join(busybox, 'amd64')}`, 'library/busybox-amd64:1.38.0-musl', 'oci'),
      ]);
      await pushList(dir, 'busybox', env, 'oci', d('library/busybox:1.38.0-musl'), [
        { src: d('library/busybox:amd64'), arch: 'amd64' },
        { src: d('library/busybox:arm64'), arch: 'arm64', variant: 'v8' },
      ]);
    };
    const pushAlpine = async (): Promise<void> => {
      const amd64 = `oci:${await alpineAmd64Layout}:3.20.3`;
      const arm64 = `oci:${await alpineArm64Layout}:3.20.3`;
      await Promise.all([
        copy(amd64, 'library/alpine:3.20.3', 'v2s2'),
        copy(amd64, 'library/alpine-oci:3.20.3', 'oci'),
        copy(arm64, 'library/alpine:3.20.3-arm64', 'v2s2'),
      ]);
      await pushList(dir, 'alpine', env, 'v2s2', d('library/alpine-multi:3.20.3'), [
        { src: d('library/alpine:3.20.3'), arch: 'amd64' },
        { src: d('library/alpine:3.20.3-arm64'), arch: 'arm64', variant: 'v8' },
      ]);
    };
    await Promise.all([pushBusybox(), pushAlpine()]);

    const digest = (repo: string, tag: string, mediaType: string) => manifestDigest(host, repo, tag, mediaType);
    const [busyboxIndex, busyboxAmd64, busyboxArm64, alpine, alpineOci, alpineArm64, alpineList] = await Promise.all([
      digest('library/busybox', '1.38.0-musl', MEDIA_TYPES.ociIndex),
      digest('library/busybox-amd64', '1.38.0-musl', MEDIA_TYPES.ociManifest),
      digest('library/busybox', 'arm64', MEDIA_TYPES.ociManifest),
      digest('library/alpine', '3.20.3', MEDIA_TYPES.dockerManifest),
      digest('library/alpine-oci', '3.20.3', MEDIA_TYPES.ociManifest),
      digest('library/alpine', '3.20.3-arm64', MEDIA_TYPES.dockerManifest),
      digest('library/alpine-multi', '3.20.3', MEDIA_TYPES.dockerList),
    ]);

    const info: RegistryInfo = {
      host,
      url: `http://${host}`,
      fixtures,
      images: {
        busyboxIndex: { ref: `${host}/library/busybox:1.38.0-musl`, digest: busyboxIndex },
        busyboxAmd64: { ref: `${host}/library/busybox-amd64:1.38.0-musl`, manifestDigest: busyboxAmd64 },
        busyboxArm64: { ref: `${host}/library/busybox:arm64`, manifestDigest: busyboxArm64 },
        alpine: { ref: `${host}/library/alpine:3.20.3`, digest: alpine },
        alpineOci: { ref: `${host}/library/alpine-oci:3.20.3`, digest: alpineOci },
        alpineArm64: { ref: `${host}/library/alpine:3.20.3-arm64`, digest: alpineArm64 },
        alpineList: { ref: `${host}/library/alpine-multi:3.20.3`, digest: alpineList },
      },
    };
    return { info, dir, stop: cleanup, [Symbol.asyncDispose]: cleanup };
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
}

// One registry per vitest process, shared by every project that asks for it (each project may load the
// global-setup module in its own module runner, so the shared state lives on globalThis).
interface Shared {
  refs: number;
  fixture: Promise<RegistryFixture>;
}
const SHARED = Symbol.for('tsengine.test.registryFixture');
type WithShared = typeof globalThis & { [SHARED]?: Shared };

export async function acquireRegistryFixture(): Promise<RegistryInfo> {
  const g = globalThis as WithShared;
  let shared = g[SHARED];
  if (!shared) {
    shared = { refs: 0, fixture: startRegistryFixture() };
    g[SHARED] = shared;
    shared.fixture.catch(() => {
      if (g[SHARED] === shared) delete g[SHARED];
    });
  }
  shared.refs++;
  return (await shared.fixture).info;
}

export async function releaseRegistryFixture(): Promise<void> {
  const g = globalThis as WithShared;
  const shared = g[SHARED];
  if (!shared) return;
  if (--shared.refs > 0) return;
  delete g[SHARED];
  await (await shared.fixture).stop();
}

// ---------------------------------------------------------------------------------------------------------

async function run(cmd: string, args: string[], env: Record<string, string>): Promise<string> {
  const r = await execa(cmd, args, { env, stdin: 'ignore', reject: false });
  if (r.exitCode !== 0 || r.failed) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.exitCode ?? r.signal}):\n${r.stderr}\n${r.stdout}`);
  }
  return r.stdout;
}

/** The umoci recipe of shared/fixtures/README.md, plus --config.workingdir /. Returns the layout dir (tag 3.20.3). */
async function buildAlpineLayout(dir: string, rootfsTar: string, arch: 'amd64' | 'arm64', env: Record<string, string>) {
  const layout = path.join(dir, 'layouts', `alpine-${arch}`);
  const bundle = path.join(dir, 'bundles', `alpine-${arch}`);
  await mkdir(path.dirname(layout), { recursive: true });
  await mkdir(path.dirname(bundle), { recursive: true });
  const image = `${layout}:3.20.3`;
  await run('umoci', ['init', '--layout', layout], env);
  await run('umoci', ['new', '--image', image], env);
  await run('umoci', ['unpack', '--image', image, bundle], env);
  await run('tar', ['-xzf', rootfsTar, '-C', path.join(bundle, 'rootfs')], env);
  await run('umoci', ['repack', '--image', image, bundle], env);
  const archArgs = arch === 'amd64' ? [] : ['--architecture', 'arm64'];
  await run(
    'umoci',
    ['config', '--image', image, ...archArgs, '--config.cmd', '/bin/sh', '--config.env', ALPINE_ENV, '--config.workingdir', '/'],
    env,
  );
  await run('umoci', ['gc', '--layout', layout], env);
  await rm(bundle, { recursive: true, force: true });
  return layout;
}

/** buildah manifest create/add/push --all, in an isolated vfs store under dir. */
async function pushList(
  dir: string,
  name: string,
  env: Record<string, string>,
  format: 'oci' | 'v2s2',
  dest: string,
  entries: { src: string; arch: string; variant?: string }[],
): Promise<void> {
  const store = path.join(dir, 'buildah', name);
  const b = ['--root', path.join(store, 'root'), '--runroot', path.join(store, 'run'), '--storage-driver', 'vfs'];
  const list = `localhost/tsengine-fixture-${name}`;
  await run('buildah', [...b, 'manifest', 'create', list], env);
  for (const e of entries) {
    const platform = ['--os', 'linux', '--arch', e.arch, ...(e.variant ? ['--variant', e.variant] : [])];
    await run('buildah', [...b, 'manifest', 'add', '--tls-verify=false', ...platform, list, e.src], env);
  }
  await run('buildah', [...b, 'manifest', 'push', '--quiet', '--all', '--format', format, '--tls-verify=false', list, dest], env);
}

/** GETs a manifest, checks its media type, and returns the sha256 of its bytes (checked against the header). */
export async function manifestDigest(host: string, repo: string, ref: string, mediaType: string): Promise<string> {
  const res = await request(`http://${host}/v2/${repo}/manifests/${ref}`, { headers: { accept: ACCEPT_ALL } });
  const body = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode !== 200) throw new Error(`GET ${repo}:${ref}: HTTP ${res.statusCode}: ${body.toString()}`);
  const type = String(res.headers['content-type'] ?? '');
  if (type !== mediaType) throw new Error(`${repo}:${ref} is ${type}, expected ${mediaType}`);
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const header = res.headers['docker-content-digest'];
  if (header !== digest) throw new Error(`${repo}:${ref}: Docker-Content-Digest ${String(header)} != ${digest}`);
  return digest;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** Removes temp dirs of earlier runs whose owner process is gone (their registries died with it). */
async function sweepStaleDirs(): Promise<void> {
  const base = os.tmpdir();
  const names = await readdir(base).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => n.startsWith(TMP_PREFIX))
      .map(async (n) => {
        const d = path.join(base, n);
        const pid = Number.parseInt(await readFile(path.join(d, 'owner.pid'), 'utf8').catch(() => ''), 10);
        if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) return;
        await rm(d, { recursive: true, force: true }).catch(() => undefined);
      }),
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
