/**
 * containers.conf (containers.conf(5)), the runtime keys podman users already set:
 *
 *     [engine]
 *     runtime = "crun"                                      # the default runtime
 *     [engine.runtimes]
 *     youki = ["/usr/local/bin/youki", "/usr/bin/youki"]    # candidates, first usable wins
 *     [engine.runtimes_flags]
 *     runsc = ["network=none"]                              # podman's --runtime-flag form: no leading --
 *
 * Files and merge order: config/containers-search.ts (CONTAINERS_CONF replaces the search,
 * CONTAINERS_CONF_OVERRIDE comes last). Keys merge one by one, later file wins, as podman merges its TOML:
 * a drop-in's `runtimes_flags.runsc` applies to a `runtimes.runsc` from the main file. Unknown keys are
 * ignored: files written for podman 5 hold many we do not read.
 */
import { configError, lineOfKey, parseToml, readConfigText } from '../config/config-file.ts';
import { containersConfigFiles } from '../config/containers-search.ts';
import { flagArg, isValidRuntimeName } from './profiles.ts';
import type { DefaultRuntimeSetting, RuntimeEntry } from './registration.ts';
import { checkCandidate } from './tsengine-toml.ts';

export interface ContainersConfEnv {
  readonly CONTAINERS_CONF?: string | undefined;
  readonly CONTAINERS_CONF_OVERRIDE?: string | undefined;
  readonly XDG_CONFIG_HOME?: string | undefined;
  readonly HOME?: string | undefined;
}

interface Placed<T> {
  readonly value: T;
  readonly file: string;
  readonly line: number | undefined;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function strings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

export function loadContainersConf(
  env: ContainersConfEnv,
  euid: number,
  rootPrefix?: string,
): { files: string[]; entries: Map<string, RuntimeEntry>; defaultRuntime?: DefaultRuntimeSetting } {
  const { files } = containersConfigFiles(env, euid, {
    fileName: 'containers.conf',
    only: env.CONTAINERS_CONF,
    override: env.CONTAINERS_CONF_OVERRIDE,
    ...(rootPrefix !== undefined ? { rootPrefix } : {}),
  });
  const read: string[] = [];
  let runtime: Placed<string> | undefined;
  const paths = new Map<string, Placed<string[]>>();
  const flags = new Map<string, Placed<string[]>>();
  for (const f of files) {
    const text = readConfigText(f.path, f.required);
    if (text === undefined) continue;
    read.push(f.path);
    const engine = parseToml(f.path, text)['engine'];
    if (engine === undefined) continue;
    if (!isTable(engine)) throw configError(f.path, 'engine: expected a table', { line: lineOfKey(text, [], 'engine') });
    const place = <T>(value: T, table: string[], key: string): Placed<T> => ({ value, file: f.path, line: lineOfKey(text, table, key) });
    if (engine['runtime'] !== undefined) {
      const r = engine['runtime'];
      if (typeof r !== 'string' || r === '') throw configError(f.path, 'engine.runtime: expected a runtime name', { line: lineOfKey(text, ['engine'], 'runtime') });
      runtime = place(r, ['engine'], 'runtime');
    }
    for (const [key, into] of [['runtimes', paths], ['runtimes_flags', flags]] as const) {
      const table = engine[key];
      if (table === undefined) continue;
      if (!isTable(table)) throw configError(f.path, `engine.${key}: expected a table`, { line: lineOfKey(text, ['engine', key]) });
      for (const [name, list] of Object.entries(table)) {
        const at = { line: lineOfKey(text, ['engine', key], name) };
        if (!isValidRuntimeName(name)) throw configError(f.path, `engine.${key}: invalid runtime name ${JSON.stringify(name)}`, at);
        if (!strings(list)) throw configError(f.path, `engine.${key}.${name}: expected an array of strings`, at);
        if (key === 'runtimes_flags' && list.some((x) => x === '' || x === '-' || x === '--')) {
          throw configError(f.path, `engine.runtimes_flags.${name}: flags must be non-empty, such as "debug" or "network=none"`, at);
        }
        if (key === 'runtimes') {
          for (const p of list) {
            const bad = checkCandidate(p);
            if (bad !== undefined) throw configError(f.path, `engine.runtimes.${name}: ${JSON.stringify(p)} ${bad}`, at);
          }
        }
        into.set(name, place(list, ['engine', key], name));
      }
    }
  }
  const entries = new Map<string, RuntimeEntry>();
  for (const name of new Set([...paths.keys(), ...flags.keys()])) {
    const p = paths.get(name);
    const fl = flags.get(name);
    const at = (p ?? fl) as Placed<string[]>;
    entries.set(name, {
      name,
      paths: p?.value ?? [],
      args: (fl?.value ?? []).map(flagArg),
      file: at.file,
      ...(at.line !== undefined ? { line: at.line } : {}),
      sourceKind: 'containers.conf',
    });
  }
  return {
    files: read,
    entries,
    ...(runtime !== undefined ? { defaultRuntime: { name: runtime.value, file: runtime.file, ...(runtime.line !== undefined ? { line: runtime.line } : {}) } } : {}),
  };
}
