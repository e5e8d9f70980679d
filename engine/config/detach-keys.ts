/**
 * containers.conf `[engine] detach_keys` (containers.conf(5)): the detach sequence `run -it`, `start -ai`,
 * `attach` and `exec -it` use when no `--detach-keys` is given; `""` disables detaching. Files are found
 * and merged as for every containers.conf key (containers-search.ts; later file wins).
 *
 * The syntax is checked here so a bad value names its file and line; turning keys into bytes is the
 * CLI's (cmd/parse/detach-keys.ts), which reads the same syntax: comma-separated keys, each one ASCII
 * character or `ctrl-X` with X one of a-z @ [ \ ] ^ _ (docker's term.ToBytes).
 */
import { configError, lineOfKey, parseToml, readConfigText } from './config-file.ts';
import { containersConfigFiles } from './containers-search.ts';

export interface DetachKeysEnv {
  readonly CONTAINERS_CONF?: string | undefined;
  readonly CONTAINERS_CONF_OVERRIDE?: string | undefined;
  readonly XDG_CONFIG_HOME?: string | undefined;
  readonly HOME?: string | undefined;
}

/** The configured detach keys and where they were set. */
export interface DetachKeysSetting {
  /** As written: `ctrl-a,d`; `''` disables detaching. */
  readonly keys: string;
  readonly file: string;
  readonly line?: number;
}

const KEY = /^(ctrl-[a-z@[\\\]^_]|[\x00-\x7f])$/i;

/** Whether `spec` is a valid detach key sequence. */
export function isValidDetachKeys(spec: string): boolean {
  return spec === '' || spec.split(',').every((k) => KEY.test(k));
}

/** `[engine] detach_keys` from the containers.conf files, or undefined when none sets it. */
export function loadDetachKeys(env: DetachKeysEnv, euid: number, rootPrefix?: string): DetachKeysSetting | undefined {
  const { files } = containersConfigFiles(env, euid, {
    fileName: 'containers.conf',
    only: env.CONTAINERS_CONF,
    override: env.CONTAINERS_CONF_OVERRIDE,
    ...(rootPrefix !== undefined ? { rootPrefix } : {}),
  });
  let found: DetachKeysSetting | undefined;
  for (const f of files) {
    const text = readConfigText(f.path, f.required);
    if (text === undefined) continue;
    const engine = parseToml(f.path, text)['engine'];
    if (typeof engine !== 'object' || engine === null || !('detach_keys' in engine)) continue;
    const keys = (engine as Record<string, unknown>)['detach_keys'];
    const line = lineOfKey(text, ['engine'], 'detach_keys');
    if (typeof keys !== 'string' || !isValidDetachKeys(keys)) {
      throw configError(f.path, `engine.detach_keys: invalid detach keys ${JSON.stringify(keys)}: expected keys such as "ctrl-p,ctrl-q" (each a character or ctrl-<value>), or "" to disable`, { line });
    }
    found = { keys, file: f.path, ...(line !== undefined ? { line } : {}) };
  }
  return found;
}
