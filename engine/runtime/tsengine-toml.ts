/**
 * tsengine.toml, our own config file, and its `runtimes` section:
 *
 *     default_runtime = "youki"                      # docker's spelling default-runtime is accepted too
 *
 *     [runtimes.youki]
 *     path = "/usr/local/bin/youki"                  # or a list: the first usable wins; or a bare name on PATH
 *     args = ["--systemd-cgroup"]                    # verbatim global args; docker's runtimeArgs also accepted
 *
 *     [runtimes.kata]
 *     runtimeType = "io.containerd.kata.v2"          # daemon.json's shim form: listed, refused when used
 *
 * Unlike containers.conf and daemon.json (written for other programs, full of keys we do not read),
 * unknown keys here are an error naming file and line: a typo (`arg = …`) in the file that decides which
 * binary runs containers as root must not pass silently (dockerd is as strict with daemon.json).
 *
 * Where it is found: TSENGINE_CONFIG (or EngineOptions.configFile) names the one file to read and write,
 * which may not exist yet. Otherwise /usr/share/tsengine/tsengine.toml (a distribution's defaults) then
 * /etc/tsengine/tsengine.toml, merged by runtime name (later wins); rootless users add
 * $XDG_CONFIG_HOME/tsengine/tsengine.toml (~/.config/…) on top. `runtime add/rm/default` edit the last one:
 * /etc/tsengine/tsengine.toml as root, the user's file rootless.
 */
import { join } from 'node:path';
import { configError, lineOfKey, parseToml } from '../config/config-file.ts';
import { isValidRuntimeName } from './profiles.ts';
import { fromRuntimeType, type DefaultRuntimeSetting, type RuntimeEntry } from './registration.ts';

export interface TsengineTomlFiles {
  /** Read in this order (later wins). */
  readonly read: readonly string[];
  /** The file `runtime add/rm/default` edit. */
  readonly writable: string;
}

export interface TsengineTomlEnv {
  readonly TSENGINE_CONFIG?: string | undefined;
  readonly XDG_CONFIG_HOME?: string | undefined;
  readonly HOME?: string | undefined;
}

export function tsengineTomlFiles(env: TsengineTomlEnv, euid: number, explicit?: string, rootPrefix = ''): TsengineTomlFiles {
  const one = explicit ?? (env.TSENGINE_CONFIG !== undefined && env.TSENGINE_CONFIG !== '' ? env.TSENGINE_CONFIG : undefined);
  if (one !== undefined) return { read: [one], writable: one };
  const system = [`${rootPrefix}/usr/share/tsengine/tsengine.toml`, `${rootPrefix}/etc/tsengine/tsengine.toml`];
  if (euid === 0) return { read: system, writable: system[1] as string };
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME ?? '/', '.config');
  const user = join(configHome, 'tsengine', 'tsengine.toml');
  return { read: [...system, user], writable: user };
}

export interface TsengineTomlDoc {
  readonly entries: Map<string, RuntimeEntry>;
  readonly defaultRuntime?: DefaultRuntimeSetting;
}

const TOP_KEYS = ['default_runtime', 'default-runtime', 'runtimes'];
const ENTRY_KEYS = ['path', 'args', 'runtimeArgs', 'runtimeType', 'options'];

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** A path candidate: absolute, or a bare name to look up on PATH; a relative path would depend on the cwd. */
export function checkCandidate(v: string): string | undefined {
  if (v === '') return 'is empty';
  if (v.includes('/') && !v.startsWith('/')) return 'must be an absolute path or a bare name looked up on PATH';
  return undefined;
}

export function parseTsengineToml(file: string, text: string): TsengineTomlDoc {
  const doc = parseToml(file, text);
  const at = (table: string[], key?: string) => ({ line: lineOfKey(text, table, key) });
  for (const k of Object.keys(doc)) {
    if (!TOP_KEYS.includes(k)) throw configError(file, `unknown key "${k}" (known: ${TOP_KEYS.join(', ')})`, at([], k));
  }
  if (doc['default_runtime'] !== undefined && doc['default-runtime'] !== undefined) {
    throw configError(file, 'set default_runtime or default-runtime, not both', at([], 'default-runtime'));
  }
  const defKey = doc['default-runtime'] !== undefined ? 'default-runtime' : 'default_runtime';
  const def = doc[defKey];
  let defaultRuntime: DefaultRuntimeSetting | undefined;
  if (def !== undefined) {
    if (typeof def !== 'string' || def === '') throw configError(file, `${defKey}: expected a runtime name`, at([], defKey));
    const line = lineOfKey(text, [], defKey);
    defaultRuntime = { name: def, file, ...(line !== undefined ? { line } : {}) };
  }
  const entries = new Map<string, RuntimeEntry>();
  const runtimes = doc['runtimes'];
  if (runtimes !== undefined && !isTable(runtimes)) throw configError(file, 'runtimes: expected a table ([runtimes.NAME])', at([], 'runtimes'));
  for (const [name, raw] of Object.entries(runtimes ?? {})) {
    const here = lineOfKey(text, ['runtimes', name]);
    const where = { line: here };
    if (!isValidRuntimeName(name)) throw configError(file, `runtimes: invalid runtime name ${JSON.stringify(name)}: use letters, digits and _ . + -`, where);
    if (!isTable(raw)) throw configError(file, `runtimes.${name}: expected a table with path and args`, where);
    for (const k of Object.keys(raw)) {
      if (!ENTRY_KEYS.includes(k)) throw configError(file, `runtimes.${name}: unknown key "${k}" (known: ${ENTRY_KEYS.join(', ')})`, at(['runtimes', name], k));
    }
    if (raw['args'] !== undefined && raw['runtimeArgs'] !== undefined) {
      throw configError(file, `runtimes.${name}: set args or runtimeArgs, not both`, at(['runtimes', name], 'runtimeArgs'));
    }
    const argsKey = raw['runtimeArgs'] !== undefined ? 'runtimeArgs' : 'args';
    const args = raw[argsKey] ?? [];
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
      throw configError(file, `runtimes.${name}.${argsKey}: expected an array of strings`, at(['runtimes', name], argsKey));
    }
    const base = { name, args: args as string[], file, ...(here !== undefined ? { line: here } : {}), sourceKind: 'tsengine.toml' as const };
    const type = raw['runtimeType'];
    if (type !== undefined) {
      if (typeof type !== 'string' || type === '') throw configError(file, `runtimes.${name}.runtimeType: expected a string`, at(['runtimes', name], 'runtimeType'));
      if (raw['path'] !== undefined) throw configError(file, `runtimes.${name}: runtimeType cannot be used with path`, at(['runtimes', name], 'path'));
      const opts = raw['options'];
      if (opts !== undefined && !isTable(opts)) throw configError(file, `runtimes.${name}.options: expected a table`, at(['runtimes', name], 'options'));
      entries.set(name, { ...base, paths: [], ...fromRuntimeType(type, opts) });
      continue;
    }
    if (raw['options'] !== undefined) throw configError(file, `runtimes.${name}: options is only for runtimeType entries`, at(['runtimes', name], 'options'));
    const path = raw['path'];
    const paths = typeof path === 'string' ? [path] : path;
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string')) {
      throw configError(file, `runtimes.${name}.path: expected a path or a non-empty list of paths`, path === undefined ? where : at(['runtimes', name], 'path'));
    }
    for (const p of paths as string[]) {
      const bad = checkCandidate(p);
      if (bad !== undefined) throw configError(file, `runtimes.${name}.path ${JSON.stringify(p)} ${bad}`, at(['runtimes', name], 'path'));
    }
    entries.set(name, { ...base, paths: paths as string[] });
  }
  return { entries, ...(defaultRuntime !== undefined ? { defaultRuntime } : {}) };
}
