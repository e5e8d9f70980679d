/**
 * engine.runtimes: which OCI runtimes exist, which is the default, and registering them in tsengine.toml.
 * Config files are read on first use (runtime-config.ts) and cached for the Engine's life; this engine's
 * own add/remove/setDefault reload them, and `reload()` does for edits made elsewhere. A CLI command is one
 * Engine, so an edit takes effect on the next command: nothing runs in the background to restart.
 */
import { isAbsolute } from 'node:path';
import { EngineError, isEngineError } from '../errors.ts';
import { editTsengineToml, updateConfigFile, type ConfigEdit } from './config-edit.ts';
import { lookup, searchDirs, unusableReason } from './locate.ts';
import { OciCliRuntime } from './oci-cli.ts';
import { checkRuntimeName, refuseShimV2, resolveRuntime, type RuntimeKind, type RuntimeProfile, type RuntimeRegistration } from './profiles.ts';
import { placeOf, type DefaultRuntimeSetting } from './registration.ts';
import { loadRuntimeConfig, type RuntimeConfig, type RuntimeConfigInput } from './runtime-config.ts';
import { BUILTIN_RUNTIMES } from './traits.ts';
import { parseTsengineToml } from './tsengine-toml.ts';
import { readConfigText } from '../config/config-file.ts';

export interface RuntimesDeps {
  readonly runRoot: string;
  /** EngineOptions.runtimeFlags (--runtime-flag), added to every runtime's args. */
  readonly flags: readonly string[];
  readonly config: RuntimeConfigInput;
  /** PATH for lookups. */
  readonly path: string | undefined;
}

/** One row of `runtime ls`. */
export interface RuntimeInfo {
  readonly name: string;
  /** The binary in use; when status is not ok, the first registered candidate (what is missing), if any. */
  readonly path: string | undefined;
  /** First line of `RUNTIME --version`; undefined when missing or when it did not answer. */
  readonly version: string | undefined;
  /** The file that registers it (`file:line` when known), 'options', 'built-in', 'PATH' or 'path'. */
  readonly source: string;
  readonly isDefault: boolean;
  /** ok: usable; missing: no usable binary; refused: a containerd shim v2 registration. */
  readonly status: 'ok' | 'missing' | 'refused';
  /** Why it is missing or refused, or why --version failed: one line. */
  readonly problem?: string;
  /** The registration's args, then --runtime-flag values. */
  readonly args: readonly string[];
  readonly kind?: RuntimeKind;
  readonly features?: {
    readonly jsonLog: boolean;
    readonly systemdCgroup: boolean;
    readonly exec: boolean;
    readonly tty: boolean;
    readonly pause: boolean;
    /** The kind's traits were measured on this machine (traits.ts). */
    readonly verified: boolean;
  };
  /** Lower-precedence definitions of the same name (not in force), `file[:line]` each. */
  readonly shadowed: readonly string[];
}

export interface RuntimeEditResult {
  /** The tsengine.toml written. */
  readonly file: string;
  /** Things the user should know: which definition is now in force, what still overrides the default. */
  readonly notes: readonly string[];
}

const VERSION_TIMEOUT_MS = 3000;

export class Runtimes {
  readonly #d: RuntimesDeps;
  #config: RuntimeConfig | undefined;
  #registrations: Map<string, RuntimeRegistration> | undefined;
  readonly #resolved = new Map<string, OciCliRuntime>();

  constructor(deps: RuntimesDeps) {
    this.#d = deps;
  }

  /** The merged configuration (read on first call). Throws CONFIG_INVALID naming file:line. */
  config(): RuntimeConfig {
    return (this.#config ??= loadRuntimeConfig(this.#d.config));
  }

  /** Forgets what was read: the next call reads the files again. */
  reload(): void {
    this.#config = undefined;
    this.#registrations = undefined;
    this.#resolved.clear();
  }

  /** Which runtime containers get when none is asked for, and who set it. */
  default(): DefaultRuntimeSetting {
    return this.config().defaultRuntime;
  }

  /** The runtime for a name or absolute path (cached). Throws RUNTIME_NOT_FOUND, INVALID_ARGUMENT, CONFIG_INVALID. */
  get(nameOrPath: string): OciCliRuntime {
    let r = this.#resolved.get(nameOrPath);
    if (r === undefined) {
      r = new OciCliRuntime(this.#resolve(nameOrPath));
      this.#resolved.set(nameOrPath, r);
    }
    return r;
  }

  /** The profile of a name or absolute path: the binary, its kind and traits, its args. */
  profile(nameOrPath: string): RuntimeProfile {
    return this.get(nameOrPath).profile;
  }

  #resolve(nameOrPath: string): RuntimeProfile {
    if (this.#registrations === undefined) {
      this.#registrations = new Map(
        [...this.config().entries].map(([name, e]) => [
          name,
          { paths: e.paths, args: e.args, source: placeOf(e), ...(e.shimType !== undefined ? { shimType: e.shimType } : {}) },
        ]),
      );
    }
    return resolveRuntime(nameOrPath, {
      runRoot: this.#d.runRoot,
      flags: this.#d.flags,
      extra: this.#registrations,
      env: this.#d.path !== undefined ? { PATH: this.#d.path } : {},
    });
  }

  /**
   * Every runtime known by name: registered in any source, the built-in names found on PATH (crun, runc,
   * runsc, …), and the default even when it is missing. Versions are asked for in parallel.
   */
  async list(o: { signal?: AbortSignal } = {}): Promise<RuntimeInfo[]> {
    const cfg = this.config();
    const def = cfg.defaultRuntime.name;
    const names = new Set([...cfg.entries.keys(), ...BUILTIN_RUNTIMES.keys(), def]);
    const rows: (RuntimeInfo & { runtime?: OciCliRuntime })[] = [];
    for (const name of names) {
      const entry = cfg.entries.get(name);
      const shadowed = (cfg.definitions.get(name) ?? []).slice(1).map(placeOf);
      const isDefault = name === def;
      try {
        const runtime = this.get(name);
        const p = runtime.profile;
        rows.push({
          name: p.name,
          path: p.path,
          version: undefined,
          source: p.source,
          isDefault,
          status: 'ok',
          args: p.globalArgs,
          kind: p.kind,
          features: { jsonLog: p.supportsJsonLog, systemdCgroup: p.supportsSystemdCgroup, exec: p.supportsExec, tty: p.supportsTty, pause: p.supportsPause, verified: p.verified },
          shadowed,
          runtime,
        });
      } catch (e) {
        if (!isEngineError(e) || (e.code !== 'RUNTIME_NOT_FOUND' && e.code !== 'INVALID_ARGUMENT')) throw e;
        // A built-in name that is not installed is not worth a row; a registered or default one is.
        if (entry === undefined && !isDefault) continue;
        rows.push({
          name,
          path: entry?.paths[0] ?? (name.includes('/') ? name : undefined),
          version: undefined,
          source: entry !== undefined ? placeOf(entry) : cfg.defaultRuntime.file,
          isDefault,
          status: entry?.shimType !== undefined || e.code === 'INVALID_ARGUMENT' ? 'refused' : 'missing',
          problem: e.message,
          args: entry?.args ?? [],
          shadowed,
        });
      }
    }
    const versions = await Promise.all(
      rows.map(async (r) => {
        if (r.runtime === undefined) return {};
        const signal = AbortSignal.any([AbortSignal.timeout(VERSION_TIMEOUT_MS), ...(o.signal ? [o.signal] : [])]);
        try {
          return { version: await r.runtime.version({ signal }) };
        } catch (e) {
          if (o.signal?.aborted === true) throw e;
          if (isEngineError(e) && (e.code === 'RUNTIME_FAILED' || e.code === 'RUNTIME_NOT_FOUND')) return { problem: `--version failed: ${e.message}` };
          if (signal.aborted) return { problem: `--version did not answer within ${VERSION_TIMEOUT_MS / 1000} s` };
          throw e;
        }
      }),
    );
    // A default given by path (`--runtime /usr/sbin/runc`) is the same runtime as the built-in row for it: one row.
    const byKey = new Map<string, RuntimeInfo>();
    rows.forEach(({ runtime: _, ...r }, i) => {
      const key = `${r.name}\0${r.path ?? ''}`;
      const seen = byKey.get(key);
      byKey.set(key, seen === undefined ? { ...r, ...versions[i] } : { ...seen, isDefault: seen.isDefault || r.isDefault });
    });
    return [...byKey.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Registers `name` → `path` in tsengine.toml (replacing an entry of that name there). `path` is absolute,
   * or a bare name looked up on PATH now (the absolute path found is what is written). `args` are global
   * args, verbatim. With `setDefault`, it also becomes the default runtime.
   */
  async add(name: string, path: string, o: { readonly args?: readonly string[]; readonly setDefault?: boolean } = {}): Promise<RuntimeEditResult> {
    checkRuntimeName(name, name);
    refuseShimV2(name);
    refuseShimV2(path);
    const abs = this.#binaryFor(name, path);
    const args = [...(o.args ?? [])];
    for (const a of args) {
      if (typeof a !== 'string' || a === '') throw new EngineError('INVALID_ARGUMENT', `runtime "${name}": Expected each arg to be a non-empty string, got ${JSON.stringify(a)}`);
    }
    const cfg = this.config();
    const file = cfg.writableFile;
    const edits: ConfigEdit[] = [{ op: 'set-runtime', name, path: abs, args }];
    if (o.setDefault === true) edits.push({ op: 'set-default', name });
    this.#edit(file, edits);
    const notes = (cfg.definitions.get(name) ?? []).filter((e) => e.file !== file && e.sourceKind !== 'options').map((e) => `runtime "${name}" from ${file} now takes precedence over ${placeOf(e)}`);
    const over = cfg.entries.get(name);
    if (over?.sourceKind === 'options') notes.push(`runtime "${name}" is also registered by EngineOptions.runtimes, which takes precedence`);
    if (o.setDefault === true) notes.push(...this.#explicitDefaultNote(cfg, name));
    this.reload();
    return { file, notes };
  }

  /** Removes `name` from tsengine.toml. A name defined only elsewhere (another file, built in) is an error saying where. */
  async remove(name: string): Promise<RuntimeEditResult> {
    checkRuntimeName(name, name);
    const cfg = this.config();
    const file = cfg.writableFile;
    const ours = this.#readWritable(file);
    const defs = cfg.definitions.get(name) ?? [];
    if (!ours.entries.has(name)) {
      const elsewhere = defs.find((e) => e.file !== file);
      if (elsewhere?.sourceKind === 'options') {
        throw new EngineError('INVALID_ARGUMENT', `runtime "${name}" is registered by the program embedding tsengine (EngineOptions.runtimes), not in ${file}`);
      }
      if (elsewhere !== undefined) {
        throw new EngineError('INVALID_ARGUMENT', `runtime "${name}" is defined in ${placeOf(elsewhere)}, not in ${file}: tsengine edits only its own file; remove it there by hand`);
      }
      let found: string | undefined;
      try {
        found = this.profile(name).path;
      } catch (e) {
        if (!isEngineError(e) || e.code !== 'RUNTIME_NOT_FOUND') throw e;
      }
      if (found !== undefined) {
        throw new EngineError('INVALID_ARGUMENT', `runtime "${name}" is not registered in any file (it is found on PATH at ${found}): nothing to remove`);
      }
      throw new EngineError('RUNTIME_NOT_FOUND', `runtime "${name}" is not registered (${file} has no [runtimes.${name}])`);
    }
    if (ours.defaultRuntime?.name === name) {
      throw new EngineError(
        'INVALID_ARGUMENT',
        `runtime "${name}" is the default runtime in ${placeOf(ours.defaultRuntime)}: choose another default first (tsengine runtime default NAME)`,
      );
    }
    this.#edit(file, [{ op: 'remove-runtime', name }]);
    const next = defs.find((e) => e.file !== file && e.sourceKind !== 'options');
    this.reload();
    return { file, notes: next !== undefined ? [`runtime "${name}" is still defined in ${placeOf(next)}, which is now in force`] : [] };
  }

  /** Makes `name` (a known runtime: registered, or found on PATH; or an absolute path) the default in tsengine.toml. */
  async setDefault(name: string): Promise<RuntimeEditResult> {
    this.profile(name); // must resolve now: a default that cannot run would fail every later `run`
    const cfg = this.config();
    const file = cfg.writableFile;
    this.#edit(file, [{ op: 'set-default', name }]);
    const notes = this.#explicitDefaultNote(cfg, name);
    this.reload();
    return { file, notes };
  }

  #explicitDefaultNote(cfg: RuntimeConfig, name: string): string[] {
    const d = cfg.defaultRuntime;
    if (d.name === name) return [];
    if (d.file === 'TSENGINE_RUNTIME') return [`TSENGINE_RUNTIME=${d.name} is set and still takes precedence over ${name}`];
    if (d.file === 'options') return [`the runtime given for this command (${d.name}) still takes precedence over the configured default`];
    return [];
  }

  /** The absolute binary to register: checked to exist and be executable now, so a typo fails here, not at `run`. */
  #binaryFor(name: string, path: string): string {
    if (typeof path !== 'string' || path === '') throw new EngineError('INVALID_ARGUMENT', `runtime "${name}": Expected a path to the binary, got ${JSON.stringify(path)}`);
    if (!path.includes('/')) {
      const dirs = searchDirs(this.#d.path);
      const r = lookup(path, dirs);
      if (r.found === undefined) throw new EngineError('INVALID_ARGUMENT', `cannot register runtime "${name}": no executable "${path}" in ${dirs.join(':')}`);
      return r.found;
    }
    if (!isAbsolute(path)) throw new EngineError('INVALID_ARGUMENT', `cannot register runtime "${name}": the path must be absolute, got "${path}"`);
    const why = unusableReason(path);
    if (why !== undefined) throw new EngineError('INVALID_ARGUMENT', `cannot register runtime "${name}": ${path} ${why}`);
    return path;
  }

  #readWritable(file: string): ReturnType<typeof parseTsengineToml> {
    const text = readConfigText(file, false);
    return parseTsengineToml(file, text ?? '');
  }

  #edit(file: string, edits: readonly ConfigEdit[]): void {
    updateConfigFile(file, (text) => edits.reduce((t, e) => editTsengineToml(file, t, e), text));
  }
}
