/**
 * EngineOptions in, a frozen, fully defaulted ResolvedEngineOptions out: the one place that reads the
 * environment and the effective uid. Validation of each option sits here, next to its default.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Dispatcher } from 'undici';
import { EngineError } from './errors.ts';
import type { Credentials } from './registry/client.ts';
import { defaultRunDir, identityFacts } from './rootless/paths.ts';

export interface RegistryOptions {
  /** undici Dispatcher for every registry request (proxies, tests, custom TLS). */
  readonly dispatcher?: Dispatcher;
  /** Registries (`host[:port]`) that may be reached without TLS verification, or over plain http. */
  readonly insecure?: readonly string[];
  /** false: every registry is treated as insecure (podman's --tls-verify=false). */
  readonly tlsVerify?: boolean;
  /** Credentials for a registry; when absent, the usual auth files are read (REGISTRY_AUTH_FILE, …). */
  readonly credentials?: (registry: string) => Promise<Credentials | undefined>;
  /** An auth.json to read instead of the default search (podman's --authfile). */
  readonly authFile?: string;
  /** A registries.conf to read instead of the default search (CONTAINERS_REGISTRIES_CONF). */
  readonly registriesConf?: string;
  /**
   * A PEM file of certificate authorities trusted for registry TLS on top of node's own roots, read when a
   * registry is first contacted. Default: env TSENGINE_EXTRA_CA_CERTS, which the `tsengine` launcher sets
   * from NODE_EXTRA_CA_CERTS (node would load that file at every start-up, ~40 ms for a system bundle,
   * although only pulls make TLS connections). Not used with `dispatcher`.
   */
  readonly caFile?: string;
}

export interface EngineOptions {
  /** Store directory. Default /var/lib/tsengine as root, $XDG_DATA_HOME/tsengine rootless; env TSENGINE_ROOT. */
  readonly root?: string;
  /** Run-state directory. Default /run/tsengine as root, $XDG_RUNTIME_DIR/tsengine rootless; env TSENGINE_RUNROOT. */
  readonly runRoot?: string;
  readonly registry?: RegistryOptions;
  /**
   * Runtime for containers created without one: a name (crun, runc, runsc, a registered name) or a path.
   * Overrides env TSENGINE_RUNTIME, then the config files (engine/runtime/runtime-config.ts); else crun.
   */
  readonly defaultRuntime?: string;
  /** Extra global runtime flags, podman's --runtime-flag form (`debug`, `k=v`). */
  readonly runtimeFlags?: readonly string[];
  /**
   * runc-compatible runtimes registered by name (youki, kata-runtime, a build of your own), above every
   * config file. `path`: absolute, or a bare name on PATH; a list: the first usable wins.
   */
  readonly runtimes?: Readonly<Record<string, { readonly path: string | readonly string[]; readonly args?: readonly string[] }>>;
  /** A tsengine.toml to read (and for `runtimes.add/remove/setDefault`, write) instead of the search; env TSENGINE_CONFIG. */
  readonly configFile?: string;
  /** A daemon.json-shaped file to read instead of the search (/etc/docker/daemon.json, …); env TSENGINE_DAEMON_JSON. */
  readonly daemonJson?: string;
  /** The environment to read XDG_*, HOME and the config-file variables from. Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface ResolvedEngineOptions {
  readonly root: string;
  readonly runRoot: string;
  /** The user is not root on the host (whether or not this process is in the user namespace yet). */
  readonly rootless: boolean;
  readonly euid: number;
  /** The user's uid/gid on the host (inside the user namespace euid is 0; these stay the user's). */
  readonly hostUid: number;
  readonly hostGid: number;
  /** This process runs inside a user namespace (rootless: the holder's, joined; see engine/rootless/). */
  readonly inUserNamespace: boolean;
  /** Rootless: the namespace holder exits after this many idle seconds (env TSENGINE_USERNS_IDLE_SECONDS, default 60; 0: never). */
  readonly userNamespaceIdleSeconds: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly registry: RegistryOptions;
  /** EngineOptions.defaultRuntime as given; the default in force comes from engine.runtimes.default(). */
  readonly defaultRuntime: string | undefined;
  readonly runtimeFlags: readonly string[];
  readonly runtimes: ReadonlyMap<string, { readonly path: string | readonly string[]; readonly args?: readonly string[] }>;
  readonly configFile: string | undefined;
  readonly daemonJson: string | undefined;
}

const KNOWN = new Set(['root', 'runRoot', 'registry', 'env', 'defaultRuntime', 'runtimeFlags', 'runtimes', 'configFile', 'daemonJson']);

function checkPath(name: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') {
    throw new EngineError('INVALID_ARGUMENT', `Expected \`${name}\` to be a non-empty path, got ${JSON.stringify(v)}`);
  }
  return resolve(v);
}

export function resolveEngineOptions(o: EngineOptions = {}): ResolvedEngineOptions {
  for (const k of Object.keys(o)) {
    if (!KNOWN.has(k)) throw new EngineError('INVALID_ARGUMENT', `unknown engine option \`${k}\``);
  }
  const env = o.env ?? process.env;
  const { euid, hostUid, hostGid, inUserNamespace } = identityFacts();
  const rootless = euid !== 0 || inUserNamespace;
  const home = env['HOME'] ?? homedir();
  const dataHome = env['XDG_DATA_HOME'] && isAbsolute(env['XDG_DATA_HOME']) ? env['XDG_DATA_HOME'] : join(home, '.local', 'share');
  const idle = env['TSENGINE_USERNS_IDLE_SECONDS'];
  const userNamespaceIdleSeconds = idle === undefined || idle === '' ? 60 : Number(idle);
  if (!Number.isSafeInteger(userNamespaceIdleSeconds) || userNamespaceIdleSeconds < 0) {
    throw new EngineError('INVALID_ARGUMENT', `Expected TSENGINE_USERNS_IDLE_SECONDS to be a non-negative integer, got ${JSON.stringify(idle)}`);
  }
  const root = checkPath('root', o.root) ?? checkPath('TSENGINE_ROOT', env['TSENGINE_ROOT']) ??
    (rootless ? join(dataHome, 'tsengine') : '/var/lib/tsengine');
  const runRoot = checkPath('runRoot', o.runRoot) ?? checkPath('TSENGINE_RUNROOT', env['TSENGINE_RUNROOT']) ??
    (rootless ? defaultRunDir(env, hostUid) : '/run/tsengine');
  const registry = { ...(o.registry ?? {}) };
  const caFile = registry.caFile ?? (env['TSENGINE_EXTRA_CA_CERTS'] || undefined);
  if (caFile !== undefined) {
    if (typeof caFile !== 'string' || caFile === '') throw new EngineError('INVALID_ARGUMENT', `Expected \`registry.caFile\` to be a path, got ${JSON.stringify(caFile)}`);
    Object.assign(registry, { caFile });
  }
  if (registry.tlsVerify !== undefined && typeof registry.tlsVerify !== 'boolean') {
    throw new EngineError('INVALID_ARGUMENT', `Expected \`registry.tlsVerify\` to be a boolean, got ${JSON.stringify(registry.tlsVerify)}`);
  }
  const defaultRuntime = o.defaultRuntime;
  if (defaultRuntime !== undefined && (typeof defaultRuntime !== 'string' || defaultRuntime === '')) {
    throw new EngineError('INVALID_ARGUMENT', `Expected \`defaultRuntime\` to be a runtime name or path, got ${JSON.stringify(defaultRuntime)}`);
  }
  const runtimes = new Map(Object.entries(o.runtimes ?? {}));
  for (const [name, r] of runtimes) {
    const paths: readonly unknown[] = typeof r?.path === 'string' ? [r.path] : Array.isArray(r?.path) ? r.path : [undefined];
    if (paths.length === 0 || !paths.every((p) => typeof p === 'string' && p !== '' && (isAbsolute(p) || !p.includes('/')))) {
      throw new EngineError('INVALID_ARGUMENT', `runtime "${name}": Expected \`path\` to be an absolute path or a name on PATH (or a list of them), got ${JSON.stringify(r?.path)}`);
    }
  }
  for (const k of ['configFile', 'daemonJson'] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'string' || v === '')) throw new EngineError('INVALID_ARGUMENT', `Expected \`${k}\` to be a path, got ${JSON.stringify(v)}`);
  }
  return Object.freeze({
    root,
    runRoot,
    rootless,
    euid,
    hostUid,
    hostGid,
    inUserNamespace,
    userNamespaceIdleSeconds,
    env,
    registry: Object.freeze(registry),
    defaultRuntime,
    runtimeFlags: [...(o.runtimeFlags ?? [])],
    runtimes,
    configFile: o.configFile === undefined ? undefined : resolve(o.configFile),
    daemonJson: o.daemonJson === undefined ? undefined : resolve(o.daemonJson),
  });
}
