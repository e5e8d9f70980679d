/**
 * Docker's daemon.json shape, for users who already registered runtimes for dockerd:
 *
 *     { "runtimes": { "youki": { "path": "/usr/local/bin/youki", "runtimeArgs": ["--debug"] },
 *                     "kata":  { "runtimeType": "io.containerd.kata.v2" } },
 *       "default-runtime": "youki" }
 *
 * `path` may be a bare name looked up on PATH, as dockerd allows. `runtimeType` entries are containerd
 * shims: the runc shim's `options.BinaryName` is a runc-compatible binary and is used; any other shim is
 * kept as refused (registration.ts fromRuntimeType). Every other key (dockerd has dozens) is ignored.
 *
 * Files, later wins per runtime name and for default-runtime: the daemon.json of the dockerd you would use
 * (root: /etc/docker/daemon.json; rootless: $XDG_CONFIG_HOME/docker/daemon.json), then ours next to
 * tsengine.toml (/etc/tsengine/daemon.json; rootless also $XDG_CONFIG_HOME/tsengine/daemon.json).
 * TSENGINE_DAEMON_JSON (or EngineOptions.daemonJson) names the one file to read instead, which must exist
 * (`/dev/null` reads as empty: "none").
 */
import { join } from 'node:path';
import { configError, lineOfJsonKey, parseJson } from '../config/config-file.ts';
import { isValidRuntimeName } from './profiles.ts';
import { fromRuntimeType, type DefaultRuntimeSetting, type RuntimeEntry } from './registration.ts';
import { checkCandidate } from './tsengine-toml.ts';

export interface DaemonJsonEnv {
  readonly TSENGINE_DAEMON_JSON?: string | undefined;
  readonly XDG_CONFIG_HOME?: string | undefined;
  readonly HOME?: string | undefined;
}

export function daemonJsonFiles(env: DaemonJsonEnv, euid: number, explicit?: string, rootPrefix = ''): { files: string[]; required: boolean } {
  const one = explicit ?? (env.TSENGINE_DAEMON_JSON !== undefined && env.TSENGINE_DAEMON_JSON !== '' ? env.TSENGINE_DAEMON_JSON : undefined);
  if (one !== undefined) return { files: [one], required: true };
  if (euid === 0) return { files: [`${rootPrefix}/etc/docker/daemon.json`, `${rootPrefix}/etc/tsengine/daemon.json`], required: false };
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME ?? '/', '.config');
  return {
    files: [join(configHome, 'docker', 'daemon.json'), `${rootPrefix}/etc/tsengine/daemon.json`, join(configHome, 'tsengine', 'daemon.json')],
    required: false,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseDaemonJson(file: string, text: string): { entries: Map<string, RuntimeEntry>; defaultRuntime?: DefaultRuntimeSetting } {
  const entries = new Map<string, RuntimeEntry>();
  if (text.trim() === '') return { entries };
  const doc = parseJson(file, text);
  const at = (key: string) => ({ line: lineOfJsonKey(text, key) });
  if (!isObject(doc)) throw configError(file, 'expected a JSON object', { line: 1 });
  const def = doc['default-runtime'];
  let defaultRuntime: DefaultRuntimeSetting | undefined;
  if (def !== undefined) {
    if (typeof def !== 'string' || def === '') throw configError(file, 'default-runtime: expected a runtime name', at('default-runtime'));
    const line = lineOfJsonKey(text, 'default-runtime');
    defaultRuntime = { name: def, file, ...(line !== undefined ? { line } : {}) };
  }
  const runtimes = doc['runtimes'];
  if (runtimes !== undefined && !isObject(runtimes)) throw configError(file, 'runtimes: expected an object', at('runtimes'));
  for (const [name, raw] of Object.entries(runtimes ?? {})) {
    const line = lineOfJsonKey(text, name);
    const where = { line };
    if (!isValidRuntimeName(name)) throw configError(file, `runtimes: invalid runtime name ${JSON.stringify(name)}: use letters, digits and _ . + -`, where);
    if (!isObject(raw)) throw configError(file, `runtimes.${name}: expected an object with "path" or "runtimeType"`, where);
    const args = raw['runtimeArgs'] ?? [];
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw configError(file, `runtimes.${name}.runtimeArgs: expected an array of strings`, where);
    const base = { name, args: args as string[], file, ...(line !== undefined ? { line } : {}), sourceKind: 'daemon.json' as const };
    const { path, runtimeType: type, options } = raw;
    if (type !== undefined) {
      if (typeof type !== 'string' || type === '') throw configError(file, `runtimes.${name}.runtimeType: expected a string`, where);
      if (path !== undefined) throw configError(file, `runtimes.${name}: runtimeType cannot be used with path`, where);
      if (options !== undefined && !isObject(options)) throw configError(file, `runtimes.${name}.options: expected an object`, where);
      entries.set(name, { ...base, paths: [], ...fromRuntimeType(type, options) });
      continue;
    }
    if (typeof path !== 'string') throw configError(file, `runtimes.${name}: expected "path" (a string) or "runtimeType"`, where);
    const bad = checkCandidate(path);
    if (bad !== undefined) throw configError(file, `runtimes.${name}.path ${JSON.stringify(path)} ${bad}`, where);
    entries.set(name, { ...base, paths: [path] });
  }
  return { entries, ...(defaultRuntime !== undefined ? { defaultRuntime } : {}) };
}
