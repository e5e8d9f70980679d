/**
 * Where a containers-* configuration file (registries.conf, containers.conf) is found, the same way for
 * each (ECOSYSTEM.md §3.1). Main files, merged in this order (later wins): /usr/share/containers/X,
 * /etc/containers/X, the user's ($XDG_CONFIG_HOME or ~/.config)/containers/X. Debian 12's
 * containers-common merges all three; podman HEAD reads only the first found; merging is a superset of
 * both for the keys we read. Then drop-ins (`*.conf`) from X.d, X.{rootful|rootless}.d and (rootless)
 * X.rootless.d/<uid> (the infix goes before the extension: registries.rootless.conf.d) under /usr/share,
 * then /etc, then the user's X.d. A drop-in shadows one of the same name in a lower directory; the
 * survivors apply in lexical order of their names. `$ENV` (CONTAINERS_CONF) replaces all of that with one
 * file, which must exist, and disables drop-ins; `$ENV_OVERRIDE` (CONTAINERS_CONF_OVERRIDE), when set, is
 * applied last in either case and must exist too.
 */
import { basename, join } from 'node:path';
import { listDropIns } from './config-file.ts';

export interface ContainersSearchEnv {
  readonly XDG_CONFIG_HOME?: string | undefined;
  readonly HOME?: string | undefined;
}

export interface ContainersSearch {
  /** The file name: 'registries.conf', 'containers.conf'. */
  readonly fileName: string;
  /** The value of the variable naming one file that replaces the search (CONTAINERS_CONF). */
  readonly only: string | undefined;
  /** The value of the variable naming one file applied after everything else (CONTAINERS_CONF_OVERRIDE). */
  readonly override?: string | undefined;
  /** Prefix for the system paths (/usr/share, /etc): tests and chroots. Default ''. */
  readonly rootPrefix?: string;
}

export interface ContainersFiles {
  /** Files to read in order (later wins), each marked whether it must exist. */
  readonly files: readonly { readonly path: string; readonly required: boolean; readonly dropIn: boolean }[];
}

export function containersConfigFiles(env: ContainersSearchEnv, euid: number, s: ContainersSearch): ContainersFiles {
  const { only, override } = s;
  const tail = override !== undefined && override !== '' ? [{ path: override, required: true, dropIn: false }] : [];
  if (only !== undefined && only !== '') return { files: [{ path: only, required: true, dropIn: false }, ...tail] };
  const root = s.rootPrefix ?? '';
  const systemDirs = [`${root}/usr/share/containers`, `${root}/etc/containers`];
  const configHome = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : undefined);
  const userDir = configHome !== undefined ? join(configHome, 'containers') : undefined;
  const main = [...systemDirs, ...(userDir !== undefined ? [userDir] : [])].map((d) => join(d, s.fileName));
  const dot = s.fileName.lastIndexOf('.');
  const [stem, ext] = dot < 0 ? [s.fileName, ''] : [s.fileName.slice(0, dot), s.fileName.slice(dot)];
  const dropInDirs: string[] = [];
  for (const d of systemDirs) {
    dropInDirs.push(join(d, `${s.fileName}.d`), join(d, `${stem}.${euid === 0 ? 'rootful' : 'rootless'}${ext}.d`));
    if (euid !== 0) dropInDirs.push(join(d, `${stem}.rootless${ext}.d`, String(euid)));
  }
  if (userDir !== undefined) dropInDirs.push(join(userDir, `${s.fileName}.d`));
  const byName = new Map<string, string>();
  for (const dir of dropInDirs) for (const f of listDropIns(dir, '.conf')) byName.set(basename(f), f);
  const dropIns = [...byName.keys()].sort().map((name) => byName.get(name) as string);
  return {
    files: [
      ...main.map((path) => ({ path, required: false, dropIn: false })),
      ...dropIns.map((path) => ({ path, required: false, dropIn: true })),
      ...tail,
    ],
  };
}
