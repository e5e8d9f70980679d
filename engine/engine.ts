/**
 * The Engine wires the facades together; it holds no logic of its own. Open one per store; several
 * engines (in one process or many) may share a store: SQLite transactions and owner-tagged pending
 * layers keep them apart.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { startupSnapshot } from 'node:v8';
import { isErrno } from '../storage/errors.ts';
import { Store } from '../storage/index.ts';
import { builtFile } from '../storage/package-root.ts';
import { Containers } from './container/containers.ts';
import { Images } from './image/images.ts';
import { Runtimes } from './runtime/runtimes.ts';
import { type RunOptions, type RunResult, runContainer } from './run.ts';
import { EngineError } from './errors.ts';
import { systemInfo, type SystemInfo } from './info.ts';
import { Conformance } from './runtime/conformance/conformance.ts';
import { loadRegistriesConf, type RegistriesConf } from './image/short-names.ts';
import { type DetachKeysSetting, loadDetachKeys } from './config/detach-keys.ts';
import { type EngineOptions, type ResolvedEngineOptions, resolveEngineOptions } from './options.ts';
import type { RegistryClient } from './registry/client.ts';
import { userNamespaceRequired } from './rootless/enter.ts';
import { explainUnmappedId } from './rootless/explain.ts';
import { rootlessIds } from './rootless/ids.ts';
import { findSlirp4netns } from './container/slirp4netns.ts';
import { Volumes } from './volume/volumes.ts';
import { loadStorageConf, type StorageConf } from './config/storage-conf.ts';
import { lookup, searchDirs } from './runtime/locate.ts';

export class Engine {
  readonly options: ResolvedEngineOptions;
  readonly images: Images;
  readonly containers: Containers;
  /** Named and anonymous volumes (`volume create/ls/inspect/rm/prune`). */
  readonly volumes: Volumes;
  /** The OCI runtimes: registered (config files, options) and built in, the default, `runtime add/rm/default`. */
  readonly runtimes: Runtimes;
  /** The runtime conformance suite (`tsengine runtime check`). */
  readonly conformance: Conformance;
  readonly #store: Store;
  #registry: Promise<RegistryClient> | undefined;
  /** Connection pools this engine made (none when the embedder injected a dispatcher); closed by close(). */
  #agents: { close(): Promise<void> }[] = [];
  #registriesConf: RegistriesConf | undefined;
  #detachKeys: { setting: DetachKeysSetting | undefined } | undefined;
  #storageConf: StorageConf | undefined;
  #closed = false;

  private constructor(options: ResolvedEngineOptions, store: Store) {
    this.options = options;
    this.#store = store;
    // The facades reach the store through this getter: after close() every call fails with ENGINE_CLOSED.
    const engine = this;
    this.images = new Images({
      get store() {
        return engine.#openStore();
      },
      removeContainer: (id) => this.containers.remove(id, { force: true }),
      registry: () => (this.#registry ??= this.#makeRegistryClient()),
      registriesConf: () => this.#conf(),
      ...(options.rootless ? { explain: (e: unknown) => explainUnmappedId(e, options) } : {}),
    });
    // Config files are read when a runtime is first resolved, not here: `ps`, `images` never read them.
    this.runtimes = new Runtimes({
      runRoot: options.runRoot,
      flags: options.runtimeFlags,
      path: options.env['PATH'],
      config: {
        env: options.env,
        euid: configUid(options),
        ...(options.configFile !== undefined ? { configFile: options.configFile } : {}),
        ...(options.daemonJson !== undefined ? { daemonJson: options.daemonJson } : {}),
        ...(options.defaultRuntime !== undefined ? { defaultRuntime: options.defaultRuntime } : {}),
        runtimes: options.runtimes,
      },
    });
    let slirp: { path: string | undefined } | undefined;
    this.containers = new Containers({
      get store() {
        return engine.#openStore();
      },
      root: options.root,
      runRoot: options.runRoot,
      registriesConf: () => this.#conf(),
      defaultRuntime: () => this.runtimes.default().name,
      runtime: (name) => this.runtimes.get(name),
      exitCommand: (id) => [...cleanupCommand(), '--root', options.root, '--runroot', options.runRoot, id],
      xattrNamespace: options.rootless ? 'user' : 'trusted',
      overlay: () => {
        const conf = this.#storage();
        return { mountProgram: conf.mountProgram, mountOptions: conf.mountOptions, findFuseOverlayfs: () => findFuseOverlayfs(options.env['PATH']) };
      },
      rootless: rootlessIds(options),
      slirp4netns: () => (slirp ??= { path: findSlirp4netns(options.env['PATH']) }).path,
    });
    this.volumes = new Volumes({
      get store() {
        return engine.#openStore();
      },
    });
    this.conformance = new Conformance({
      get store() {
        return engine.#openStore();
      },
      runRoot: options.runRoot,
      rootless: options.rootless,
      xattrNamespace: options.rootless ? 'user' : 'trusted',
      registriesConf: () => this.#conf(),
      // The resolution containers get: config files, EngineOptions.runtimes, PATH.
      resolve: (name) => this.runtimes.profile(name),
    });
  }

  /** Validates options, opens (creating) the store, and sweeps what killed processes left behind. */
  static async open(options: EngineOptions = {}): Promise<Engine> {
    const resolved = resolveEngineOptions(options);
    if (resolved.rootless && !resolved.inUserNamespace) throw userNamespaceRequired();
    mkdirSync(resolved.runRoot, { recursive: true, mode: 0o700 });
    const store = Store.open({ root: resolved.root, xattrNamespace: resolved.rootless ? 'user' : 'trusted' });
    const engine = new Engine(resolved, store);
    try {
      await engine.containers.sweep();
      store.volumes.sweep();
    } catch (e) {
      store.close();
      throw e;
    }
    return engine;
  }

  /**
   * docker's `run`: pulls the image per `pull` (default: when missing), creates the container, starts it
   * and waits for it. A non-zero exit code is a result; see RunOptions.signal for cancellation.
   */
  run(o: RunOptions): Promise<RunResult> {
    return runContainer(this.images, this.containers, o);
  }

  /** podman's `info`: host, default and known runtimes, store, registries, versions. */
  async info(o: { signal?: AbortSignal } = {}): Promise<SystemInfo> {
    const { root, runRoot, rootless } = this.options;
    return systemInfo({ root, runRoot, rootless, runtimes: this.runtimes, containers: this.containers, images: this.images, registriesConf: () => this.#conf(), slirp4netns: findSlirp4netns(this.options.env['PATH']), storageConf: this.#storage(), fuseOverlayfs: findFuseOverlayfs(this.options.env['PATH']) }, o);
  }

  /** storage.conf (engine/config/storage-conf.ts), read once, when a container is first started or by info. */
  #storage(): StorageConf {
    return (this.#storageConf ??= loadStorageConf(this.options.env, this.options.rootless));
  }

  /**
   * containers.conf `[engine] detach_keys`, the default for attaching front ends (`keys: ''` disables
   * detaching); undefined when no file sets it. Read on first call, once per Engine.
   */
  configuredDetachKeys(): DetachKeysSetting | undefined {
    this.#detachKeys ??= { setting: loadDetachKeys(this.options.env, configUid(this.options)) };
    return this.#detachKeys.setting;
  }

  #conf(): RegistriesConf {
    if (this.#registriesConf) return this.#registriesConf;
    const env = { ...this.options.env };
    if (this.options.registry.registriesConf !== undefined) env['CONTAINERS_REGISTRIES_CONF'] = this.options.registry.registriesConf;
    this.#registriesConf = loadRegistriesConf(env as Parameters<typeof loadRegistriesConf>[0], configUid(this.options));
    return this.#registriesConf;
  }

  /** undici is imported only by verbs that talk to a registry: it is a large share of start-up time. */
  async #makeRegistryClient(): Promise<RegistryClient> {
    const [{ RegistryClient }, { credentialsFromAuthFiles }, { createDispatchers }] = await Promise.all([
      import('./registry/client.ts'),
      import('./registry/credentials.ts'),
      import('./registry/transport.ts'),
    ]);
    const r = this.options.registry;
    // Our own pools, so close() can end their keep-alive sockets (they would hold a CLI's exit back).
    let pools = {};
    if (!r.dispatcher) {
      const { verified, unverified } = createDispatchers(r.caFile);
      this.#agents.push(verified, unverified);
      pools = { dispatcher: verified, insecureDispatcher: unverified };
    }
    return new RegistryClient({
      ...(r.dispatcher ? { dispatcher: r.dispatcher } : pools),
      ...(r.tlsVerify !== undefined ? { tlsVerify: r.tlsVerify } : {}),
      insecure: [...(r.insecure ?? []), ...this.#conf().insecure],
      credentials: r.credentials ?? credentialsFromAuthFiles(this.options.env, r.authFile, configUid(this.options)),
      userAgent: 'tsengine/0.1',
    });
  }

  #openStore(): Store {
    if (this.#closed) throw new EngineError('ENGINE_CLOSED', `this engine (root ${this.options.root}) is closed: open another with Engine.open()`);
    return this.#store;
  }

  /** Finishes cleanups under way, lets go of running containers' monitors, closes the store. Idempotent. */
  async close(): Promise<void> {
    await this.containers.close();
    this.#closed = true;
    this.#store.close();
    const agents = this.#agents.splice(0);
    await Promise.all(agents.map((a) => a.close()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** fuse-overlayfs on PATH (or the usual system directories), absolute; undefined when not installed. */
function findFuseOverlayfs(pathVar: string | undefined): string | undefined {
  return lookup('fuse-overlayfs', searchDirs(pathVar)).found;
}

/**
 * The uid whose config files apply (rootless: $XDG_CONFIG_HOME/…, /run/containers/UID): the host user's,
 * also inside the user namespace where our euid is 0.
 */
function configUid(o: ResolvedEngineOptions): number {
  return o.rootless ? o.hostUid : o.euid;
}

/**
 * The program a container's monitor runs after the container exits (cmd/cleanup-main.ts: unmount, drop
 * runtime state, --rm). It is part of this package; from sources (tests) it is the built copy under dist/.
 * It runs from the CLI's start-up snapshot (scripts/bundle.mjs) when that was built by this very node: a
 * cleanup then costs ~50 ms of CPU instead of ~100, on every container exit.
 */
function cleanupCommand(): string[] {
  const entry = builtFile('cmd/cleanup-main.js');
  const blob = builtFile('cmd/tsengine.blob');
  return snapshotFits(blob) ? [process.execPath, '--snapshot-blob', blob, entry] : [process.execPath, entry];
}

let fits: boolean | undefined;
// The snapshot's warm-up starts containers: what it found must not be frozen into every later call.
if (startupSnapshot.isBuildingSnapshot()) startupSnapshot.addSerializeCallback(() => (fits = undefined));

/** The snapshot's sidecar names the node that built it; any other node would refuse the blob. */
function snapshotFits(blob: string): boolean {
  if (fits !== undefined) return fits;
  try {
    const built = JSON.parse(readFileSync(`${blob}.json`, 'utf8')) as { execPath?: unknown; version?: unknown };
    fits = built.execPath === process.execPath && built.version === process.version && statSync(blob).mtimeMs >= statSync(process.execPath).mtimeMs;
  } catch (e) {
    // No snapshot was built (or it was removed): the plain entry works anywhere.
    if (!isErrno(e, 'ENOENT')) throw e;
    fits = false;
  }
  return fits;
}
