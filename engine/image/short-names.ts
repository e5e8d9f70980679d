/**
 * registries.conf (containers-registries.conf(5), v2 format) and short-name resolution.
 *
 * Files, merged in this order (later wins): /usr/share/containers/registries.conf, /etc/containers/…,
 * the user's ($XDG_CONFIG_HOME or ~/.config)/containers/registries.conf; then drop-ins (`*.conf`) from
 * registries.conf.d, registries.{rootful|rootless}.conf.d and (rootless) registries.rootless.conf.d/<uid>
 * under /usr/share/containers, then /etc/containers, then the user's registries.conf.d. A drop-in shadows
 * one of the same name in a lower directory; the survivors apply in lexical order of their names.
 * $CONTAINERS_REGISTRIES_CONF replaces all of that with one file, which must exist.
 *
 * Merging (containers/image updateWithConfigurationFrom): `unqualified-search-registries` is replaced when a
 * file sets it; `[[registry]]` entries merge by prefix; `[aliases]` merge by name, "" removes an alias.
 * Mirrors and short-name-mode are not implemented: no prompt, every search registry is tried in order.
 */
import { configError as placedError, parseToml, readConfigText } from '../config/config-file.ts';
import { containersConfigFiles } from '../config/containers-search.ts';
import { EngineError, isEngineError } from '../errors.ts';
import { type ImageReference, isShortName, isValidRegistry, parseReference, splitReference } from './reference.ts';

export interface RegistryEntry {
  /** What references it applies to (`host[:port][/path]` or `*.example.com`); the longest match wins. */
  readonly prefix: string;
  /** Where it is pulled from; '' only for wildcard prefixes. */
  readonly location: string;
  readonly insecure: boolean;
  readonly blocked: boolean;
}

export interface RegistriesConf {
  aliases: ReadonlyMap<string, string>;
  unqualifiedSearchRegistries: readonly string[];
  /** host[:port] of every location marked insecure (an entry without a port covers every port). */
  insecure: readonly string[];
  /** Prefixes of entries marked blocked; see isBlocked for the longest-prefix rule. */
  blocked: readonly string[];
  /** The files read, in the order applied. */
  files: readonly string[];
  registries?: readonly RegistryEntry[];
}

export interface RegistriesConfEnv {
  CONTAINERS_REGISTRIES_CONF?: string | undefined;
  XDG_CONFIG_HOME?: string | undefined;
  HOME?: string | undefined;
}

interface FileConf {
  search?: string[];
  aliases: Map<string, string>;
  registries: RegistryEntry[];
}

function configError(file: string, msg: string, cause?: unknown): EngineError {
  return placedError(file, msg, undefined, cause);
}

function strings(v: unknown, file: string, key: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw configError(file, `${key}: expected an array of strings`);
  return v as string[];
}

function trimLocation(v: unknown, file: string, key: string): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') throw configError(file, `${key}: expected a string`);
  const s = v.replace(/\/+$/, '');
  if (/^https?:\/\//.test(s)) throw configError(file, `${key}: invalid location ${JSON.stringify(v)}: URI schemes are not supported`);
  return s;
}

function parseRegistryTable(v: unknown, file: string, i: number): RegistryEntry {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw configError(file, `registry[${i}]: expected a table`);
  const t = v as Record<string, unknown>;
  const location = trimLocation(t['location'], file, `registry[${i}].location`);
  const prefix = trimLocation(t['prefix'], file, `registry[${i}].prefix`) || location;
  if (prefix === '') throw configError(file, `registry[${i}]: both location and prefix are unset`);
  if (prefix.startsWith('*.') && /[/@:]/.test(prefix)) throw configError(file, `registry[${i}]: wildcard prefix ${JSON.stringify(prefix)} must look like *.example.com`);
  if (location === '' && !prefix.startsWith('*.')) throw configError(file, `registry[${i}]: location is unset and prefix is not a wildcard`);
  for (const k of ['insecure', 'blocked'] as const) {
    if (t[k] !== undefined && typeof t[k] !== 'boolean') throw configError(file, `registry[${i}].${k}: expected a boolean`);
  }
  return { prefix, location, insecure: t['insecure'] === true, blocked: t['blocked'] === true };
}

function parseAliases(v: unknown, file: string): Map<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw configError(file, 'aliases: expected a table');
  const out = new Map<string, string>();
  for (const [name, target] of Object.entries(v)) {
    if (typeof target !== 'string') throw configError(file, `aliases.${name}: expected a string`);
    const parts = tryParse(() => splitReference(name), file, `alias name ${JSON.stringify(name)}`);
    if (!isShortName(name) || parts.tag !== undefined || parts.digest !== undefined) {
      throw configError(file, `invalid short name ${JSON.stringify(name)}: must be a name without registry, tag or digest`);
    }
    if (target !== '') {
      const t = tryParse(() => splitReference(target), file, `alias ${JSON.stringify(name)}`);
      if (isShortName(target) || t.tag !== undefined || t.digest !== undefined) {
        throw configError(file, `invalid alias ${JSON.stringify(target)}: must contain registry and repository, and no tag or digest`);
      }
      tryParse(() => parseReference(target), file, `alias ${JSON.stringify(name)}`);
    }
    out.set(name, target);
  }
  return out;
}

function tryParse<T>(fn: () => T, file: string, what: string): T {
  try {
    return fn();
  } catch (e) {
    if (isEngineError(e) && e.code === 'INVALID_REFERENCE') throw configError(file, `${what}: ${e.message}`, e);
    throw e;
  }
}

/** Parses one file. Unknown keys are ignored: files written for newer podman have many. */
function parseFile(file: string, text: string, isDropIn: boolean): FileConf {
  const doc = parseToml(file, text);
  const out: FileConf = { aliases: new Map(), registries: [] };
  const v1 = doc['registries'];
  if (v1 !== undefined) {
    if (isDropIn) throw configError(file, 'drop-in files must use the v2 format ([registries.*] tables are v1)');
    if (doc['registry'] !== undefined || doc['unqualified-search-registries'] !== undefined) throw configError(file, 'mixing the v1 and v2 formats is not supported');
    const t = (typeof v1 === 'object' && v1 !== null ? v1 : {}) as Record<string, { registries?: unknown } | undefined>;
    const list = (k: string) => (t[k]?.registries === undefined ? [] : strings(t[k]?.registries, file, `registries.${k}.registries`));
    if (t['search'] !== undefined) out.search = list('search').map((s) => s.replace(/\/+$/, ''));
    const insecure = new Set(list('insecure'));
    const blocked = new Set(list('block'));
    for (const loc of new Set([...insecure, ...blocked])) {
      out.registries.push({ prefix: loc, location: loc, insecure: insecure.has(loc), blocked: blocked.has(loc) });
    }
  }
  if (doc['unqualified-search-registries'] !== undefined) {
    out.search = strings(doc['unqualified-search-registries'], file, 'unqualified-search-registries').map((s) => s.replace(/\/+$/, ''));
  }
  for (const r of out.search ?? []) {
    if (!isValidRegistry(r)) throw configError(file, `invalid unqualified-search-registries entry ${JSON.stringify(r)}: expected host[:port]`);
  }
  if (doc['registry'] !== undefined) {
    if (!Array.isArray(doc['registry'])) throw configError(file, 'registry: expected an array of tables ([[registry]])');
    doc['registry'].forEach((r, i) => out.registries.push(parseRegistryTable(r, file, i)));
  }
  if (doc['aliases'] !== undefined) out.aliases = parseAliases(doc['aliases'], file);
  return out;
}

export interface LoadRegistriesConfOptions {
  /** Prefix for the system paths (/usr/share, /etc): tests and chroots. Default ''. */
  readonly rootPrefix?: string;
}

/** The files to read, in order: main files, then drop-ins (see the module comment). */
export function registriesConfFiles(env: RegistriesConfEnv, euid: number, o: LoadRegistriesConfOptions = {}): { main: string[]; dropIns: string[]; required: boolean } {
  const { files } = containersConfigFiles(env, euid, {
    fileName: 'registries.conf',
    only: env.CONTAINERS_REGISTRIES_CONF,
    ...(o.rootPrefix !== undefined ? { rootPrefix: o.rootPrefix } : {}),
  });
  return {
    main: files.filter((f) => !f.dropIn).map((f) => f.path),
    dropIns: files.filter((f) => f.dropIn).map((f) => f.path),
    required: files.some((f) => f.required),
  };
}

/** Loads and merges every registries.conf that applies; a bad file is a CONFIG_INVALID naming file:line:col. */
export function loadRegistriesConf(env: RegistriesConfEnv, euid: number, o: LoadRegistriesConfOptions = {}): RegistriesConf {
  const { main, dropIns, required } = registriesConfFiles(env, euid, o);
  let search: string[] = [];
  const aliases = new Map<string, string>();
  const registries = new Map<string, RegistryEntry>();
  const files: string[] = [];
  for (const [file, isDropIn] of [...main.map((f) => [f, false] as const), ...dropIns.map((f) => [f, true] as const)]) {
    const text = readConfigText(file, required);
    if (text === undefined) continue;
    const part = parseFile(file, text, isDropIn);
    files.push(file);
    if (part.search !== undefined) search = part.search;
    for (const r of part.registries) registries.set(r.prefix, r);
    for (const [k, v] of part.aliases) {
      if (v === '') aliases.delete(k);
      else aliases.set(k, v);
    }
  }
  const entries = [...registries.values()];
  return {
    aliases,
    unqualifiedSearchRegistries: search,
    insecure: [...new Set(entries.filter((r) => r.insecure).map((r) => (r.location || r.prefix).split('/')[0] as string))],
    blocked: entries.filter((r) => r.blocked).map((r) => r.prefix),
    files,
    registries: entries,
  };
}

/** containers/image refMatchingPrefix: the length of the match, or -1. */
function prefixMatch(ref: string, prefix: string): number {
  if (prefix.startsWith('*.')) {
    const host = ref.split(/[/@]/)[0]?.split(':')[0] ?? '';
    return host.endsWith(prefix.slice(1)) ? prefix.length : -1;
  }
  if (ref === prefix) return prefix.length;
  return ref.startsWith(prefix) && /^[:/@]/.test(ref.slice(prefix.length)) ? prefix.length : -1;
}

/** True when the `[[registry]]` entry with the longest prefix matching `ref` is blocked. */
export function isBlocked(ref: ImageReference, conf: RegistriesConf): boolean {
  const name = `${ref.registry}/${ref.repository}`;
  const entries = conf.registries ?? conf.blocked.map((prefix) => ({ prefix, location: prefix, insecure: false, blocked: true }));
  let best: RegistryEntry | undefined;
  for (const r of entries) if (prefixMatch(name, r.prefix) > (best?.prefix.length ?? 0)) best = r;
  return best?.blocked === true;
}

/**
 * Short name → the references to try, in order. Fully qualified → itself. An alias → its target (with the
 * tag/digest typed). Else each unqualified-search registry. Else Docker Hub, with a note for the user.
 */
export function resolveShortName(text: string, conf: RegistriesConf): { candidates: ImageReference[]; note?: string } {
  if (!isShortName(text)) return { candidates: [parseReference(text)] };
  const parts = splitReference(text);
  const suffix = `${parts.tag !== undefined ? `:${parts.tag}` : ''}${parts.digest !== undefined ? `@${parts.digest}` : ''}`;
  const alias = conf.aliases.get(parts.name);
  if (alias !== undefined) return { candidates: [parseReference(`${alias}${suffix}`)] };
  if (conf.unqualifiedSearchRegistries.length > 0) {
    return { candidates: conf.unqualifiedSearchRegistries.map((r) => parseReference(`${r}/${text}`)) };
  }
  const ref = parseReference(text);
  return {
    candidates: [ref],
    note: `Resolved "${text}" as ${ref.registry}/${ref.repository}${suffix} (no unqualified-search-registries configured)`,
  };
}
