/**
 * Runtime profiles: which binary runs a container and with which global flags. Profiles are data, not
 * subclasses (podman reads `supportsJSON`-style booleans from config lists); one class, OciCliRuntime,
 * drives every runc-compatible CLI with them.
 *
 * Glossary: *name* = what a container records and the user types (`crun`, `my-runc`); *path* = the absolute
 * binary; *kind* = which known CLI the binary is (by the basename of its resolved path), `generic` for any
 * other runc-compatible CLI (youki, kata-runtime, a build of your own: registered by name + path, or given
 * by absolute path). youki and kata-runtime are not packaged for Debian 12, so the generic path is tested
 * here with copies of runc and crun under other names, never with youki itself.
 */
import { realpathSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { EngineError } from '../errors.ts';
import { lookup, searchDirs, unusableReason } from './locate.ts';

export type RuntimeKind = 'runc' | 'crun' | 'runsc' | 'generic';

export interface RuntimeProfile {
  /** 'crun', 'runc', 'runsc', or a user's name ('youki', 'my-runc'); also names the state root. */
  readonly name: string;
  /** Absolute path of the binary (as found or given; not symlink-resolved). */
  readonly path: string;
  /** Which known CLI it is, by the basename of the resolved path; generic = runc-compatible. */
  readonly kind: RuntimeKind;
  /** Extra args before the subcommand: the registration's args, then the user's --runtime-flag values. */
  readonly globalArgs: readonly string[];
  /** --root, one per runtime under our run root: <runRoot>/runtimes/<name>. */
  readonly stateRoot: string;
  /** Takes `--log FILE --log-format json`. */
  readonly supportsJsonLog: boolean;
  /** Extra global args when the container shares the host network namespace (runsc: --network=none). */
  readonly hostNetworkArgs: readonly string[];
  /** Extra global args when the container has a network namespace of its own (see KIND_TRAITS.runsc). */
  readonly privateNetworkArgs?: readonly string[];
}

/** A runc-compatible runtime registered by name (EngineOptions.runtimes). */
export interface RuntimeRegistration {
  readonly path: string;
  /** Global args added verbatim before the subcommand (`--systemd-cgroup`). */
  readonly args?: readonly string[];
  /** Default true: `--log`/`--log-format` are runc CLI global flags (youki and kata-runtime take them too). */
  readonly supportsJsonLog?: boolean;
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

interface KindTraits {
  readonly supportsJsonLog: boolean;
  readonly hostNetworkArgs: readonly string[];
  readonly privateNetworkArgs: readonly string[];
}

/** What differs between the known CLIs, as data. Measured with runc 1.1.5, crun 1.8.1, runsc 2022-12-19. */
const KIND_TRAITS: Readonly<Record<RuntimeKind, KindTraits>> = {
  runc: { supportsJsonLog: true, hostNetworkArgs: [], privateNetworkArgs: [] },
  crun: { supportsJsonLog: true, hostNetworkArgs: [], privateNetworkArgs: [] },
  runsc: {
    supportsJsonLog: true,
    // runsc's default network mode ("sandbox") refuses the host network namespace.
    hostNetworkArgs: ['--network=none'],
    // runsc 2022-12 decides "am I in the root netns?" by whether /proc/sys/net/core/rmem_default exists. On
    // newer kernels (6.18 here) that sysctl exists in every netns, so "sandbox" mode fails in a private netns
    // too: `cannot run with network enabled in root network namespace` (also with a pre-created netns
    // path). Our private netns has only loopback, which --network=none gives as well. Retire this when
    // runsc is upgraded or the engine sets up interfaces in the netns (then runsc needs "sandbox" mode).
    privateNetworkArgs: ['--network=none'],
  },
  generic: { supportsJsonLog: true, hostNetworkArgs: [], privateNetworkArgs: [] },
};

const KNOWN_KINDS: ReadonlySet<string> = new Set(['runc', 'crun', 'runsc']);
/** A state root is a directory named after the runtime: one path component, no '.' or '..'. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/**
 * Resolves a runtime name or absolute path to a profile. Looks at, in order: an absolute path (named by its
 * basename); a name registered in `extra`; a name on PATH or in FALLBACK_DIRS. Throws RUNTIME_NOT_FOUND
 * (one line, naming where it looked) or INVALID_ARGUMENT (relative path, bad name, containerd shim v2 name).
 */
export function resolveRuntime(nameOrPath: string, o: ResolveRuntimeOptions): RuntimeProfile {
  if (typeof nameOrPath !== 'string' || nameOrPath === '') {
    throw new EngineError('INVALID_ARGUMENT', `Expected the runtime to be a name or an absolute path, got ${JSON.stringify(nameOrPath)}`);
  }
  refuseShimV2(nameOrPath);
  let name: string;
  let path: string;
  let registration: RuntimeRegistration | undefined;
  if (nameOrPath.includes('/')) {
    if (!isAbsolute(nameOrPath)) {
      throw new EngineError('INVALID_ARGUMENT', `runtime path must be absolute, got "${nameOrPath}"`);
    }
    path = nameOrPath;
    name = checkName(basename(path), nameOrPath);
    const why = unusableReason(path);
    if (why !== undefined) throw notFound(nameOrPath, `${path} ${why}`);
  } else {
    name = checkName(nameOrPath, nameOrPath);
    registration = o.extra?.get(name);
    if (registration !== undefined) {
      if (!isAbsolute(registration.path)) {
        throw new EngineError('INVALID_ARGUMENT', `runtime "${name}": registered path must be absolute, got "${registration.path}"`);
      }
      path = registration.path;
      const why = unusableReason(path);
      if (why !== undefined) throw notFound(name, `registered path ${path} ${why}`);
    } else {
      const dirs = searchDirs(o.env === undefined ? process.env['PATH'] : o.env.PATH);
      const r = lookup(name, dirs);
      if (r.found === undefined) {
        const also = r.rejected.length > 0 ? ` (${r.rejected.join('; ')})` : '';
        throw notFound(name, `no executable "${name}" in ${dirs.join(':')}${also}`);
      }
      path = r.found;
    }
  }
  const kind = kindOf(path);
  const traits = KIND_TRAITS[kind];
  return {
    name,
    path,
    kind,
    globalArgs: [...(registration?.args ?? []), ...(o.flags ?? []).map(flagArg)],
    stateRoot: join(o.runRoot, 'runtimes', name),
    supportsJsonLog: registration?.supportsJsonLog ?? traits.supportsJsonLog,
    hostNetworkArgs: traits.hostNetworkArgs,
    privateNetworkArgs: traits.privateNetworkArgs,
  };
}

/** The known CLI a binary is, by the basename of its resolved path (a symlink `my-runc` → runc is runc). */
function kindOf(path: string): RuntimeKind {
  const base = basename(realpathSync(path));
  return KNOWN_KINDS.has(base) ? (base as RuntimeKind) : 'generic';
}

/** podman's --runtime-flag form: the flag without its leading dashes. */
function flagArg(flag: string): string {
  if (typeof flag !== 'string' || flag === '' || flag === '-' || flag === '--') {
    throw new EngineError('INVALID_ARGUMENT', `Expected a runtime flag such as \`debug\` or \`k=v\`, got ${JSON.stringify(flag)}`);
  }
  return flag.startsWith('-') ? flag : `--${flag}`;
}

function checkName(name: string, given: string): string {
  if (!NAME_RE.test(name)) {
    throw new EngineError(
      'INVALID_ARGUMENT',
      `invalid runtime name "${name}"${name === given ? '' : ` (from "${given}")`}: use letters, digits and _ . + - , starting with a letter or digit`,
    );
  }
  return name;
}

/** containerd shim v2 runtimes speak a gRPC API, not the runc CLI: name what works instead. */
function refuseShimV2(nameOrPath: string): void {
  if (/^io\.containerd\./.test(nameOrPath) || basename(nameOrPath).startsWith('containerd-shim-')) {
    throw new EngineError('INVALID_ARGUMENT', `runtime "${nameOrPath}" is a containerd shim v2 runtime, not a runc-compatible CLI`, {
      hint: 'register the runc-compatible binary instead, by name and absolute path (kata: kata-runtime; youki: youki; gVisor: runsc)',
    });
  }
}

function notFound(what: string, why: string): EngineError {
  return new EngineError('RUNTIME_NOT_FOUND', `OCI runtime "${what}" not found: ${why}`, {
    hint: 'install it, or register a runc-compatible binary by name and absolute path',
  });
}
