/**
 * containers-storage.conf(5), the overlay keys podman users already set:
 *
 *     [storage.options.overlay]
 *     mount_program = "/usr/bin/fuse-overlayfs"   # mount layers with this FUSE program, not the kernel's overlay
 *     mountopt = "nodev"                          # extra options for that program's -o
 *
 * One file is read, the first that exists, as containers-storage finds it: `$CONTAINERS_STORAGE_CONF` (which
 * must exist), else rootless `($XDG_CONFIG_HOME or ~/.config)/containers/storage.conf`, else
 * `/etc/containers/storage.conf`, else `/usr/share/containers/storage.conf`. The older `[storage.options]`
 * spelling of both keys is read too; `[storage.options.overlay]` wins. Other keys (driver, graphroot, …) are
 * ignored: our store is always overlay at the engine's root.
 *
 * `mountopt` applies to the mount program only: the kernel's overlay takes no mount(8) flags such as `nodev`
 * in its option string (Debian's default file sets `mountopt = "nodev"`).
 */
import { accessSync, constants } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { isErrno } from '../../storage/errors.ts';
import { configError, lineOfKey, parseToml, readConfigText } from './config-file.ts';

export interface StorageConfEnv {
  readonly CONTAINERS_STORAGE_CONF?: string | undefined;
  readonly XDG_CONFIG_HOME?: string | undefined;
  readonly HOME?: string | undefined;
}

export interface StorageConf {
  /** The file read; undefined when none exists. */
  readonly file?: string;
  /** `mount_program`: an absolute path to an executable (checked when read). */
  readonly mountProgram?: string;
  /** `mountopt` split at commas, empty entries dropped. */
  readonly mountOptions: readonly string[];
}

/** The candidate files in search order, each marked whether it must exist. Pure. */
export function storageConfFiles(env: StorageConfEnv, rootless: boolean, rootPrefix = ''): { path: string; required: boolean }[] {
  const only = env.CONTAINERS_STORAGE_CONF;
  if (only !== undefined && only !== '') return [{ path: only, required: true }];
  const configHome = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : undefined);
  return [
    ...(rootless && configHome !== undefined ? [join(configHome, 'containers', 'storage.conf')] : []),
    `${rootPrefix}/etc/containers/storage.conf`,
    `${rootPrefix}/usr/share/containers/storage.conf`,
  ].map((path) => ({ path, required: false }));
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** `mount_program` and `mountopt` of a parsed file: `[storage.options.overlay]`'s, else `[storage.options]`'s. */
function overlayKeys(file: string, text: string, doc: Record<string, unknown>): { mount_program?: unknown; mountopt?: unknown } {
  const tables: Record<string, unknown>[] = [];
  const path: string[] = [];
  let t = doc;
  for (const key of ['storage', 'options', 'overlay']) {
    const next = t[key];
    if (next === undefined) break;
    path.push(key);
    if (!isTable(next)) throw configError(file, `${path.join('.')}: expected a table`, { line: lineOfKey(text, path) });
    tables.push(next);
    t = next;
  }
  const [, options, overlay] = tables;
  return { mount_program: overlay?.['mount_program'] ?? options?.['mount_program'], mountopt: overlay?.['mountopt'] ?? options?.['mountopt'] };
}

/** Reads the storage.conf in force. CONFIG_INVALID (`file:line: …`) for a file that does not parse or a bad value. */
export function loadStorageConf(env: StorageConfEnv, rootless: boolean, rootPrefix?: string): StorageConf {
  for (const f of storageConfFiles(env, rootless, rootPrefix)) {
    const text = readConfigText(f.path, f.required);
    if (text === undefined) continue;
    const doc = parseToml(f.path, text);
    const keys = overlayKeys(f.path, text, doc);
    const where = (key: string) => ({ line: lineOfKey(text, ['storage', 'options', 'overlay'], key) ?? lineOfKey(text, ['storage', 'options'], key) });
    const program = keys['mount_program'];
    let mountProgram: string | undefined;
    if (program !== undefined && program !== '') {
      if (typeof program !== 'string' || !isAbsolute(program)) {
        throw configError(f.path, `storage.options.overlay.mount_program: expected an absolute path, such as "/usr/bin/fuse-overlayfs", got ${JSON.stringify(program)}`, where('mount_program'));
      }
      try {
        accessSync(program, constants.X_OK);
      } catch (e) {
        if (!isErrno(e)) throw e;
        const why = e.code === 'ENOENT' ? 'does not exist (apt-get install fuse-overlayfs)' : `is not executable (${e.code})`;
        throw configError(f.path, `storage.options.overlay.mount_program: ${program} ${why}`, where('mount_program'), e);
      }
      mountProgram = program;
    }
    const opt = keys['mountopt'];
    if (opt !== undefined && typeof opt !== 'string') {
      throw configError(f.path, `storage.options.overlay.mountopt: expected a comma-separated string, such as "nodev"`, where('mountopt'));
    }
    const mountOptions = (opt ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    return { file: f.path, ...(mountProgram !== undefined ? { mountProgram } : {}), mountOptions };
  }
  return { mountOptions: [] };
}
