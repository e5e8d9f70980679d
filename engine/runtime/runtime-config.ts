/**
 * Which runtimes exist by name and which one is the default, from every source, highest precedence first:
 *
 *   1. EngineOptions (an embedder's `runtimes`/`defaultRuntime`; the CLI's --runtime sets defaultRuntime),
 *      then the TSENGINE_RUNTIME variable for the default;
 *   2. tsengine.toml (tsengine-toml.ts);
 *   3. daemon.json-shaped files (daemon-json.ts);
 *   4. containers.conf (containers-conf.ts);
 *   5. built in: crun as the default; crun, runc, runsc, youki, … looked up on PATH (traits.ts).
 *
 * A name is defined by the highest source that names it, entirely (path and args): entries never mix
 * across sources, so what `runtime ls` shows for a name is one file's entry. Within a source, files merge
 * as that source's own program merges them. `--runtime-flag` values (EngineOptions.runtimeFlags) are
 * added after the entry's args by resolveRuntime, whatever the source.
 *
 * The files are read on first use, once per Engine: a CLI command that never resolves a runtime (images,
 * ps, --help) reads none of them, and each command sees the files as they are when it runs.
 */
import { readConfigText } from '../config/config-file.ts';
import { loadContainersConf, type ContainersConfEnv } from './containers-conf.ts';
import { daemonJsonFiles, parseDaemonJson, type DaemonJsonEnv } from './daemon-json.ts';
import { DEFAULT_RUNTIME } from './profiles.ts';
import type { DefaultRuntimeSetting, RuntimeEntry, RuntimeLayer } from './registration.ts';
import { parseTsengineToml, tsengineTomlFiles, type TsengineTomlEnv } from './tsengine-toml.ts';

export interface RuntimeConfigInput {
  readonly env: TsengineTomlEnv & DaemonJsonEnv & ContainersConfEnv & { readonly TSENGINE_RUNTIME?: string | undefined };
  readonly euid: number;
  /** EngineOptions.configFile: our tsengine.toml instead of the search (else TSENGINE_CONFIG). */
  readonly configFile?: string;
  /** EngineOptions.daemonJson: a daemon.json-shaped file instead of the search (else TSENGINE_DAEMON_JSON). */
  readonly daemonJson?: string;
  /** EngineOptions.defaultRuntime (the CLI's --runtime). */
  readonly defaultRuntime?: string;
  /** EngineOptions.runtimes. */
  readonly runtimes?: ReadonlyMap<string, { readonly path: string | readonly string[]; readonly args?: readonly string[] }>;
  /** Prefix for /usr/share, /etc (tests). */
  readonly rootPrefix?: string;
}

export interface RuntimeConfig {
  /** The entry in force for each registered name. */
  readonly entries: ReadonlyMap<string, RuntimeEntry>;
  /** Every definition of each name, highest precedence first (the first is in `entries`). */
  readonly definitions: ReadonlyMap<string, readonly RuntimeEntry[]>;
  readonly defaultRuntime: DefaultRuntimeSetting;
  /** Files read, lowest precedence first. */
  readonly files: readonly string[];
  /** The tsengine.toml that `runtime add/rm/default` edit. */
  readonly writableFile: string;
}

export function loadRuntimeConfig(input: RuntimeConfigInput): RuntimeConfig {
  const { env, euid, rootPrefix } = input;
  const layers: RuntimeLayer[] = [];

  const options = new Map<string, RuntimeEntry>();
  for (const [name, r] of input.runtimes ?? []) {
    options.set(name, { name, paths: typeof r.path === 'string' ? [r.path] : [...r.path], args: [...(r.args ?? [])], file: 'options', sourceKind: 'options' });
  }
  const fromEnv = env.TSENGINE_RUNTIME !== undefined && env.TSENGINE_RUNTIME !== '' ? env.TSENGINE_RUNTIME : undefined;
  const explicitDefault: DefaultRuntimeSetting | undefined =
    input.defaultRuntime !== undefined ? { name: input.defaultRuntime, file: 'options' } : fromEnv !== undefined ? { name: fromEnv, file: 'TSENGINE_RUNTIME' } : undefined;
  layers.push({ sourceKind: 'options', files: [], entries: options, ...(explicitDefault ? { defaultRuntime: explicitDefault } : {}) });

  const toml = tsengineTomlFiles(env, euid, input.configFile, rootPrefix);
  layers.push(mergeFiles('tsengine.toml', toml.read, false, parseTsengineToml));

  const daemon = daemonJsonFiles(env, euid, input.daemonJson, rootPrefix);
  layers.push(mergeFiles('daemon.json', daemon.files, daemon.required, parseDaemonJson));

  const cc = loadContainersConf(env, euid, rootPrefix);
  layers.push({ sourceKind: 'containers.conf', ...cc });

  const entries = new Map<string, RuntimeEntry>();
  const definitions = new Map<string, RuntimeEntry[]>();
  for (const layer of layers) {
    for (const [name, e] of layer.entries) {
      if (!entries.has(name)) entries.set(name, e);
      definitions.set(name, [...(definitions.get(name) ?? []), e]);
    }
  }
  const defaultRuntime = layers.find((l) => l.defaultRuntime !== undefined)?.defaultRuntime ?? { name: DEFAULT_RUNTIME, file: 'built-in' };
  return {
    entries,
    definitions,
    defaultRuntime,
    files: [...layers].reverse().flatMap((l) => l.files),
    writableFile: toml.writable,
  };
}

/** One source's files, later file wins per name and for the default. */
function mergeFiles(
  sourceKind: RuntimeLayer['sourceKind'],
  files: readonly string[],
  required: boolean,
  parse: (file: string, text: string) => { entries: Map<string, RuntimeEntry>; defaultRuntime?: DefaultRuntimeSetting },
): RuntimeLayer {
  const read: string[] = [];
  const entries = new Map<string, RuntimeEntry>();
  let defaultRuntime: DefaultRuntimeSetting | undefined;
  for (const file of files) {
    const text = readConfigText(file, required);
    if (text === undefined) continue;
    read.push(file);
    const doc = parse(file, text);
    for (const [name, e] of doc.entries) entries.set(name, e);
    defaultRuntime = doc.defaultRuntime ?? defaultRuntime;
  }
  return { sourceKind, files: read, entries, ...(defaultRuntime !== undefined ? { defaultRuntime } : {}) };
}
