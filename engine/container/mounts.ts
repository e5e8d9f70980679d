/**
 * `-v`, `--mount`, `--tmpfs` → the mounts a container stores (MountSpec), and those → config.json mounts.
 * Parsing is pure and runs at create; the host facts (does a bind source exist, where a volume's data is)
 * are the caller's.
 *
 * Syntax, as podman 4.3 reads it (pkg/specgen/generate/... and pkg/util/mountOpts):
 *   -v SRC:DST[:OPTS]   SRC starting with `/` or `.` is a host path (bind), anything else a named volume;
 *   -v DST              an anonymous volume;
 *   OPTS                comma-separated: ro, rw, z, Z (accepted, no SELinux here), nocopy, U (chown the
 *                       source to the container's user at start), and the bind/propagation/mount flags below;
 *   --mount type=bind|volume|tmpfs,source=…,target=…[,readonly][,U|chown][,…]   (CSV: a value may be "quoted");
 *   --tmpfs DST[:OPTS]  a tmpfs, podman's default options rw,noexec,nosuid,nodev.
 */
import { posix } from 'node:path';
import { EngineError } from '../errors.ts';
import type { OciMount } from './oci-spec.ts';

export type MountSpec =
  | {
      readonly type: 'bind';
      readonly source: string;
      readonly destination: string;
      readonly readOnly: boolean;
      readonly options: readonly string[];
      /** podman's `U`: at each start the source is chowned, recursively, to the container's user (chown-mounts.ts). */
      readonly chown?: true;
    }
  | {
      readonly type: 'volume';
      /** The volume's name; for an anonymous volume the engine fills it in at create. */
      readonly name: string;
      readonly anonymous: boolean;
      readonly destination: string;
      readonly readOnly: boolean;
      /** nocopy: do not copy the image's content at the destination into a new volume. */
      readonly noCopy: boolean;
      readonly options: readonly string[];
      /** podman's `U`, as for binds. */
      readonly chown?: true;
    }
  | { readonly type: 'tmpfs'; readonly destination: string; readonly options: readonly string[] };

/** Mount flags passed through to the runtime as given. */
const PASS_THROUGH = new Set([
  'rbind', 'bind', 'rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave', 'runbindable', 'unbindable',
  'noexec', 'exec', 'nosuid', 'suid', 'nodev', 'dev', 'noatime', 'relatime', 'strictatime', 'nodiratime',
]);

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function isValidVolumeName(name: string): boolean {
  return VOLUME_NAME.test(name);
}

function destinationOf(dst: string, what: string): string {
  if (!dst.startsWith('/')) throw new EngineError('INVALID_ARGUMENT', `invalid container path ${JSON.stringify(dst)} in ${what}: must be an absolute path`);
  const d = posix.normalize(dst).replace(/(.)\/+$/, '$1');
  if (d === '/') throw new EngineError('INVALID_ARGUMENT', `invalid container path "/" in ${what}: cannot mount over the root`);
  return d;
}

/** The ro/rw and pass-through flags of a `-v` or `--tmpfs` option list. */
function mountFlags(opts: readonly string[], what: string, extra: ReadonlySet<string> = new Set()): { readOnly: boolean | undefined; options: string[]; extra: string[] } {
  let readOnly: boolean | undefined;
  const options: string[] = [];
  const seenExtra: string[] = [];
  for (const o of opts) {
    if (o === 'ro' || o === 'rw') {
      if (readOnly !== undefined) throw new EngineError('INVALID_ARGUMENT', `invalid options in ${what}: cannot set ro or rw options more than once`);
      readOnly = o === 'ro';
    } else if (o === 'z' || o === 'Z') {
      // SELinux relabelling: no SELinux on this kind of host, so nothing to do (podman does the same there).
    } else if (PASS_THROUGH.has(o)) {
      options.push(o);
    } else if (extra.has(o.split('=')[0]!)) {
      seenExtra.push(o);
    } else if (o !== '') {
      throw new EngineError('INVALID_ARGUMENT', `invalid option ${JSON.stringify(o)} in ${what}`);
    }
  }
  return { readOnly, options, extra: seenExtra };
}

/** docker/podman `-v`. A bind source must be absolute here (the CLI makes `./x` absolute first). */
export function parseVolumeFlag(spec: string): MountSpec {
  const what = `volume ${JSON.stringify(spec)}`;
  const parts = spec.split(':');
  if (parts.length > 3 || spec === '') throw new EngineError('INVALID_ARGUMENT', `incorrect volume format ${JSON.stringify(spec)}, should be [host-dir:]ctr-dir[:option]`);
  if (parts.length === 1) {
    return { type: 'volume', name: '', anonymous: true, destination: destinationOf(parts[0]!, what), readOnly: false, noCopy: false, options: [] };
  }
  const [src, dst, opts = ''] = parts as [string, string, string?];
  const { readOnly, options, extra } = mountFlags(opts.split(','), what, new Set(['nocopy', 'copy', 'U']));
  const destination = destinationOf(dst, what);
  const chown = extra.filter((o) => o === 'U').length;
  if (chown > 1) throw new EngineError('INVALID_ARGUMENT', `invalid options in ${what}: cannot set U more than once`);
  const volumeOnly = extra.filter((o) => o !== 'U');
  if (src.startsWith('/') || src.startsWith('.')) {
    if (!src.startsWith('/')) throw new EngineError('INVALID_ARGUMENT', `invalid host path ${JSON.stringify(src)} in ${what}: must be absolute`);
    if (volumeOnly.length > 0) throw new EngineError('INVALID_ARGUMENT', `invalid option ${JSON.stringify(volumeOnly[0])} in ${what}: only for volumes`);
    return { type: 'bind', source: posix.normalize(src), destination, readOnly: readOnly === true, options, ...(chown > 0 ? { chown: true } : {}) };
  }
  if (!isValidVolumeName(src)) throw new EngineError('INVALID_ARGUMENT', `invalid volume name ${JSON.stringify(src)} in ${what}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  return { type: 'volume', name: src, anonymous: false, destination, readOnly: readOnly === true, noCopy: volumeOnly.includes('nocopy'), options, ...(chown > 0 ? { chown: true } : {}) };
}

/** `--tmpfs DST[:OPTS]`, OPTS as for mount(8) tmpfs: size=, mode=, uid=, gid=, and the flags. */
export function parseTmpfsFlag(spec: string): MountSpec {
  const i = spec.indexOf(':');
  const dst = i < 0 ? spec : spec.slice(0, i);
  const what = `--tmpfs ${JSON.stringify(spec)}`;
  const destination = destinationOf(dst, what);
  const given = i < 0 ? [] : spec.slice(i + 1).split(',');
  const { readOnly, options, extra } = mountFlags(given, what, new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'tmpcopyup', 'notmpcopyup']));
  return { type: 'tmpfs', destination, options: tmpfsOptions(readOnly === true, options, extra) };
}

/** podman's tmpfs defaults (rw, noexec, nosuid, nodev), each overridden by its opposite when given. */
function tmpfsOptions(readOnly: boolean, flags: readonly string[], extra: readonly string[]): string[] {
  const has = (o: string) => flags.includes(o);
  return [
    readOnly ? 'ro' : 'rw',
    has('exec') ? 'exec' : 'noexec',
    has('suid') ? 'suid' : 'nosuid',
    has('dev') ? 'dev' : 'nodev',
    ...flags.filter((f) => !['exec', 'noexec', 'suid', 'nosuid', 'dev', 'nodev'].includes(f)),
    ...extra,
  ];
}

/** Splits one CSV record (encoding/csv's rules, as docker reads --mount): `a,"b,c",d` → a | b,c | d. */
export function splitCsv(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') out.push(cur), (cur = '');
    else cur += c;
  }
  if (quoted) throw new EngineError('INVALID_ARGUMENT', `invalid --mount ${JSON.stringify(text)}: unterminated quote`);
  out.push(cur);
  return out;
}

function boolValue(key: string, v: string | undefined, what: string): boolean {
  if (v === undefined || v === '' || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new EngineError('INVALID_ARGUMENT', `invalid value ${JSON.stringify(v)} for ${key} in ${what}: expected true or false`);
}

/** docker/podman `--mount type=bind|volume|tmpfs,source=…,target=…,readonly,…`. */
export function parseMountFlag(spec: string): MountSpec {
  const what = `--mount ${JSON.stringify(spec)}`;
  const kv = new Map<string, string | undefined>();
  for (const field of splitCsv(spec)) {
    if (field === '') continue;
    const i = field.indexOf('=');
    const key = (i < 0 ? field : field.slice(0, i)).trim().toLowerCase();
    kv.set(key, i < 0 ? undefined : field.slice(i + 1));
  }
  const type = kv.get('type') ?? 'volume';
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') {
    throw new EngineError('INVALID_ARGUMENT', `invalid mount type ${JSON.stringify(type)} in ${what}: use bind, volume or tmpfs`);
  }
  let source: string | undefined;
  let target: string | undefined;
  let readOnly = false;
  let noCopy = false;
  let chown = false;
  const options: string[] = [];
  const tmpfsExtra: string[] = [];
  for (const [key, v] of kv) {
    switch (key) {
      case 'type':
        break;
      case 'source': case 'src':
        source = v;
        break;
      case 'target': case 'destination': case 'dst':
        target = v;
        break;
      case 'readonly': case 'ro':
        readOnly = boolValue(key, v, what);
        break;
      case 'rw':
        readOnly = !boolValue(key, v, what);
        break;
      case 'bind-propagation':
        if (type !== 'bind' || v === undefined || !['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave'].includes(v)) {
          throw new EngineError('INVALID_ARGUMENT', `invalid bind-propagation ${JSON.stringify(v)} in ${what}`);
        }
        options.push(v);
        break;
      case 'volume-nocopy': case 'nocopy':
        if (type !== 'volume') throw new EngineError('INVALID_ARGUMENT', `invalid option ${key} in ${what}: only for type=volume`);
        noCopy = boolValue(key, v, what);
        break;
      case 'tmpfs-size': case 'tmpfs-mode':
        if (type !== 'tmpfs' || v === undefined || v === '') throw new EngineError('INVALID_ARGUMENT', `invalid option ${key} in ${what}: only for type=tmpfs, with a value`);
        if (key === 'tmpfs-mode' && !/^[0-7]{1,4}$/.test(v)) throw new EngineError('INVALID_ARGUMENT', `invalid tmpfs-mode ${JSON.stringify(v)} in ${what}: expected octal`);
        tmpfsExtra.push(key === 'tmpfs-size' ? `size=${v}` : `mode=${v}`);
        break;
      case 'u': case 'chown':
        // podman's --mount U / chown=true (the key was lowercased above).
        if (type === 'tmpfs') throw new EngineError('INVALID_ARGUMENT', `invalid option ${key} in ${what}: only for type=bind or type=volume`);
        chown = boolValue(key, v, what);
        break;
      case 'z': case 'relabel':
        break; // no SELinux here
      default:
        if (PASS_THROUGH.has(key) && v === undefined) options.push(key);
        else throw new EngineError('INVALID_ARGUMENT', `unknown mount option ${JSON.stringify(key)} in ${what}`);
    }
  }
  if (target === undefined || target === '') throw new EngineError('INVALID_ARGUMENT', `invalid ${what}: target is required`);
  const destination = destinationOf(target, what);
  if (type === 'tmpfs') {
    if (source !== undefined) throw new EngineError('INVALID_ARGUMENT', `invalid ${what}: a tmpfs mount takes no source`);
    return { type, destination, options: tmpfsOptions(readOnly, options, tmpfsExtra) };
  }
  if (type === 'bind') {
    if (source === undefined || !source.startsWith('/')) throw new EngineError('INVALID_ARGUMENT', `invalid ${what}: a bind mount needs an absolute source`);
    return { type, source: posix.normalize(source), destination, readOnly, options, ...(chown ? { chown: true as const } : {}) };
  }
  if (source !== undefined && source !== '' && !isValidVolumeName(source)) {
    throw new EngineError('INVALID_ARGUMENT', `invalid volume name ${JSON.stringify(source)} in ${what}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  }
  const anonymous = source === undefined || source === '';
  return { type, name: anonymous ? '' : source!, anonymous, destination, readOnly, noCopy, options, ...(chown ? { chown: true as const } : {}) };
}

/**
 * Checks a container's mounts as a set: one mount per destination (podman: `duplicate mount destination`),
 * and none with --read-only's own tmpfs destinations taken twice is fine (the user's wins).
 */
export function checkMounts(mounts: readonly MountSpec[]): void {
  const seen = new Set<string>();
  for (const m of mounts) {
    if (seen.has(m.destination)) throw new EngineError('INVALID_ARGUMENT', `${m.destination}: duplicate mount destination`);
    seen.add(m.destination);
  }
}

/** A MountSpec → its config.json entry; `volumeData` gives a volume's host directory. */
export function ociMount(m: MountSpec, volumeData: (name: string) => string): OciMount {
  if (m.type === 'tmpfs') return { destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: [...m.options] };
  const source = m.type === 'bind' ? m.source : volumeData(m.name);
  const hasPropagation = m.options.some((o) => /^r?(private|shared|slave)$/.test(o));
  const options = [
    ...(m.options.includes('bind') ? [] : ['rbind']),
    ...(m.readOnly ? ['ro'] : ['rw']),
    ...(hasPropagation ? [] : ['rprivate']),
    ...m.options,
  ];
  return { destination: m.destination, type: 'bind', source, options };
}
