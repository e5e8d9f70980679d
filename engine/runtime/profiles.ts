/**
 * Runtime profiles: which binary runs a container and with which global flags. Profiles are data, not
 * subclasses (podman reads `supportsJSON`-style booleans from config lists); one class, OciCliRuntime,
 * drives every runc-compatible CLI with them, and what differs between CLIs is one table (traits.ts).
 *
 * Glossary: *name* = what a container records and the user types (`crun`, `my-runc`); *path* = the absolute
 * binary; *kind* = which known CLI the binary is (traits.ts kindOf), `generic` for any other runc-compatible
 * CLI (a build of your own, registered by name + path, or given by absolute path). youki and kata-runtime
 * are not packaged for Debian 12, so the registration path is tested here with copies of runc and crun
 * under other names, never with youki itself.
 */
import { basename, isAbsolute, join } from 'node:path';
import { EngineError } from '../errors.ts';
import { lookup, searchDirs, unusableReason } from './locate.ts';
import { BUILTIN_RUNTIMES, kindOf, RUNTIME_TRAITS, type RuntimeKind } from './traits.ts';

export type { RuntimeKind } from './traits.ts';

export interface RuntimeProfile {
  /** 'crun', 'runc', 'runsc', or a user's name ('youki', 'my-runc'); also names the state root. */
  readonly name: string;
  /** Absolute path of the binary (as found or given; not symlink-resolved). */
  readonly path: string;
  /** Which known CLI it is (traits.ts kindOf); generic = runc-compatible, nothing more assumed. */
  readonly kind: RuntimeKind;
  /** Extra args before the subcommand: the registration's args, then the user's --runtime-flag values. */
  readonly globalArgs: readonly string[];
  /** --root, one per runtime under our run root: <runRoot>/runtimes/<name>. */
  readonly stateRoot: string;
  /** Takes `--log FILE --log-format json`. */
  readonly supportsJsonLog: boolean;
  /** Extra global args when the container shares the host network namespace (runsc: --network=none). */
  readonly hostNetworkArgs: readonly string[];
  /** Extra global args when the container has a network namespace of its own (see RUNTIME_TRAITS.runsc). */
  readonly privateNetworkArgs?: readonly string[];
  /**
   * Where the name is defined: a config file (`file` or `file:line`), 'options' (EngineOptions.runtimes),
   * 'built-in' (a name of the traits table, found on PATH), 'PATH' (any other name found there) or 'path'
   * (given as an absolute path).
   */
  readonly source: string;
  /** Takes the global `--systemd-cgroup` flag. */
  readonly supportsSystemdCgroup: boolean;
  /** Global args that keep it away from cgroups (rootless on cgroup v1; traits.ts). */
  readonly noCgroupArgs?: readonly string[];
  /** Global `run` args without which linux.seccomp is ignored (traits.ts). */
  readonly seccompArgs?: readonly string[];
  readonly supportsExec: boolean;
  readonly supportsTty: boolean;
  readonly supportsPause: boolean;
  /** The kind's row was measured on this machine (traits.ts); false for generic and for youki, kata, …. */
  readonly verified: boolean;
}

/** A runc-compatible runtime registered by name (EngineOptions.runtimes, config files). */
export interface RuntimeRegistration {
  /** The binary: an absolute path, or a bare name looked up on PATH (docker's daemon.json allows both). */
  readonly path?: string;
  /** Candidates instead of `path` (containers.conf lists), first usable wins; none: look the name up as if unregistered. */
  readonly paths?: readonly string[];
  /** Global args added verbatim before the subcommand (`--systemd-cgroup`). */
  readonly args?: readonly string[];
  /** Default from the kind's traits: `--log`/`--log-format` are runc CLI global flags. */
  readonly supportsJsonLog?: boolean;
  /** Where it was registered (`file` or `file:line`), for messages; default 'options'. */
  readonly source?: string;
  /** A containerd shim v2 type (daemon.json `runtimeType`): kept so that using the name says why it is refused. */
  readonly shimType?: string;
}

export interface ResolveRuntimeOptions {
  readonly runRoot: string;
  /** podman --runtime-flag values: 'debug' → '--debug', 'k=v' → '--k=v'; a value starting with '-' is kept as is. */
  readonly flags?: readonly string[];
  readonly extra?: ReadonlyMap<string, RuntimeRegistration>;
  /** PATH to search; default: this process's PATH. */
  readonly env?: { readonly PATH?: string };
}

export const DEFAULT_RUNTIME = 'crun';

/** A state root is a directory named after the runtime: one path component, no '.' or '..'. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/**
 * Resolves a runtime name or absolute path to a profile. Looks at, in order: an absolute path (named by its
 * basename); a name registered in `extra` (its candidates in order); a name on PATH or in FALLBACK_DIRS
 * (a built-in name by each binary its kind goes by: `kata` → kata-runtime, kata-qemu, kata-fc). Throws
 * RUNTIME_NOT_FOUND (one line, naming where it looked) or INVALID_ARGUMENT (relative path, bad name,
 * containerd shim v2).
 */
export function resolveRuntime(nameOrPath: string, o: ResolveRuntimeOptions): RuntimeProfile {
  if (typeof nameOrPath !== 'string' || nameOrPath === '') {
    throw new EngineError('INVALID_ARGUMENT', `Expected the runtime to be a name or an absolute path, got ${JSON.stringify(nameOrPath)}`);
  }
  refuseShimV2(nameOrPath);
  const dirs = () => searchDirs(o.env === undefined ? process.env['PATH'] : o.env.PATH);
  let name: string;
  let path: string;
  let source: string;
  let registration: RuntimeRegistration | undefined;
  if (nameOrPath.includes('/')) {
    if (!isAbsolute(nameOrPath)) {
      throw new EngineError('INVALID_ARGUMENT', `runtime path must be absolute, got "${nameOrPath}"`);
    }
    path = nameOrPath;
    name = checkRuntimeName(basename(path), nameOrPath);
    source = 'path';
    const why = unusableReason(path);
    if (why !== undefined) throw notFound(nameOrPath, `${path} ${why}`);
  } else {
    name = checkRuntimeName(nameOrPath, nameOrPath);
    registration = o.extra?.get(name);
    if (registration?.shimType !== undefined) throw shimRefused(name, registration.shimType, registration.source ?? 'options');
    const candidates = registration?.paths ?? (registration?.path !== undefined ? [registration.path] : []);
    if (candidates.length > 0) {
      source = registration?.source ?? 'options';
      path = firstUsable(name, candidates, source, dirs);
    } else {
      path = lookupBuiltin(name, dirs());
      source = registration?.source ?? (BUILTIN_RUNTIMES.has(name) ? 'built-in' : 'PATH');
    }
  }
  const kind = kindOf(path);
  const traits = RUNTIME_TRAITS[kind];
  return {
    name,
    path,
    kind,
    globalArgs: [...(registration?.args ?? []), ...(o.flags ?? []).map(flagArg)],
    stateRoot: join(o.runRoot, 'runtimes', name),
    supportsJsonLog: registration?.supportsJsonLog ?? traits.supportsJsonLog,
    hostNetworkArgs: traits.hostNetworkArgs,
    privateNetworkArgs: traits.privateNetworkArgs,
    source,
    supportsSystemdCgroup: traits.supportsSystemdCgroup,
    ...(traits.noCgroupArgs !== undefined ? { noCgroupArgs: traits.noCgroupArgs } : {}),
    ...(traits.seccompArgs !== undefined ? { seccompArgs: traits.seccompArgs } : {}),
    supportsExec: traits.supportsExec,
    supportsTty: traits.supportsTty,
    supportsPause: traits.supportsPause,
    verified: traits.verified,
  };
}

/** An unregistered name on PATH: a built-in name by each binary its kind goes by, any other name as itself. */
function lookupBuiltin(name: string, dirs: readonly string[]): string {
  const kind = BUILTIN_RUNTIMES.get(name);
  const binaries = kind === undefined ? [name] : RUNTIME_TRAITS[kind].binaries;
  const rejected: string[] = [];
  for (const b of binaries) {
    const r = lookup(b, dirs);
    if (r.found !== undefined) return r.found;
    rejected.push(...r.rejected);
  }
  const also = rejected.length > 0 ? ` (${rejected.join('; ')})` : '';
  throw notFound(name, `no executable ${binaries.map((b) => `"${b}"`).join(' or ')} in ${dirs.join(':')}${also}`);
}

/** The first usable candidate: absolute paths as they are, bare names on PATH (docker's `"path": "nvidia-container-runtime"`). */
function firstUsable(name: string, candidates: readonly string[], source: string, dirs: () => string[]): string {
  const reasons: string[] = [];
  for (const c of candidates) {
    if (c.includes('/')) {
      if (!isAbsolute(c)) {
        throw new EngineError('INVALID_ARGUMENT', `runtime "${name}" (${source}): registered path must be absolute or a bare name, got "${c}"`);
      }
      const why = unusableReason(c);
      if (why === undefined) return c;
      reasons.push(`${c} ${why}`);
    } else {
      const r = lookup(c, dirs());
      if (r.found !== undefined) return r.found;
      reasons.push(r.rejected.length > 0 ? r.rejected.join('; ') : `no executable "${c}" on PATH`);
    }
  }
  throw notFound(name, `registered in ${source}: ${reasons.join('; ')}`);
}

/** podman's --runtime-flag form: the flag without its leading dashes. */
export function flagArg(flag: string): string {
  if (typeof flag !== 'string' || flag === '' || flag === '-' || flag === '--') {
    throw new EngineError('INVALID_ARGUMENT', `Expected a runtime flag such as \`debug\` or \`k=v\`, got ${JSON.stringify(flag)}`);
  }
  return flag.startsWith('-') ? flag : `--${flag}`;
}

export function isValidRuntimeName(name: string): boolean {
  return NAME_RE.test(name);
}

export function checkRuntimeName(name: string, given: string): string {
  if (!NAME_RE.test(name)) {
    throw new EngineError(
      'INVALID_ARGUMENT',
      `invalid runtime name "${name}"${name === given ? '' : ` (from "${given}")`}: use letters, digits and _ . + - , starting with a letter or digit`,
    );
  }
  return name;
}

/** What to suggest instead of a containerd shim v2 runtime, by shim type. */
const SHIM_ALTERNATIVES: Readonly<Record<string, string>> = {
  'io.containerd.kata.v2': 'Kata 1.x kata-runtime',
  'io.containerd.runsc.v1': 'runsc',
  'io.containerd.runc.v1': 'runc or crun',
  'io.containerd.runc.v2': 'runc or crun',
  'io.containerd.wasmtime.v1': 'crun built with wasm support',
  'io.containerd.wasmedge.v1': 'crun built with wasm support',
};

function registerInstead(shimType: string): string {
  const e = SHIM_ALTERNATIVES[shimType];
  return `register a runc-compatible binary instead${e !== undefined ? ` (${e})` : ''}: tsengine runtime add NAME /path/to/binary`;
}

/** containerd shim v2 runtimes speak a gRPC API, not the runc CLI: name what works instead. */
export function refuseShimV2(nameOrPath: string): void {
  if (/^io\.containerd\./.test(nameOrPath) || basename(nameOrPath).startsWith('containerd-shim-')) {
    throw new EngineError('INVALID_ARGUMENT', `runtime "${nameOrPath}" is a containerd shim v2 runtime, not a runc-compatible CLI: ${registerInstead(nameOrPath)}`);
  }
}

/** A registration naming a shim type (daemon.json `runtimeType`), refused when the name is used. */
export function shimRefused(name: string, shimType: string, source: string): EngineError {
  return new EngineError(
    'INVALID_ARGUMENT',
    `runtime "${name}" (${source}) has runtimeType "${shimType}", a containerd shim v2 runtime, not a runc-compatible CLI: ${registerInstead(shimType)}`,
  );
}

function notFound(what: string, why: string): EngineError {
  return new EngineError('RUNTIME_NOT_FOUND', `OCI runtime "${what}" not found: ${why}`, {
    hint: 'install it, or register a runc-compatible binary: tsengine runtime add NAME /path/to/binary',
  });
}
