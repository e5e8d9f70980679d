/**
 * The create options of mounts, volumes, identity, name resolution and --init: validated here and
 * merged into StoredConfig by validateCreateOptions (options.ts), so that file only lists them.
 */
import { isIP } from 'node:net';
import { EngineError } from '../errors.ts';
import { HOST_GATEWAY, type HostEntry, noHostGatewayMessage } from './etc-files.ts';
import { checkMounts, type MountSpec, parseMountFlag, parseTmpfsFlag, parseVolumeFlag } from './mounts.ts';

export interface MountCreateOptions {
  /** docker `-v` specs: `SRC:DST[:OPTS]` (SRC an absolute host path or a volume name) or `DST` (anonymous volume). */
  readonly volumes?: readonly string[] | undefined;
  /** docker `--mount` specs: `type=bind|volume|tmpfs,source=…,target=…[,readonly]`. */
  readonly mounts?: readonly string[] | undefined;
  /** `--tmpfs DST[:OPTS]`. */
  readonly tmpfs?: readonly string[] | undefined;
  /** A read-only root filesystem, with writable tmpfs on /run, /tmp, /var/tmp (podman's read_only_tmpfs). */
  readonly readOnly?: boolean | undefined;
  /** Supplementary groups (names in the image's /etc/group, or gids) added to the user's. */
  readonly groupAdd?: readonly string[] | undefined;
  /** `HOST:IP` (or `HOST=IP`) entries written first in /etc/hosts. */
  readonly addHost?: readonly string[] | undefined;
  /** Nameservers, search domains and resolver options replacing the host's in /etc/resolv.conf. */
  readonly dns?: readonly string[] | undefined;
  readonly dnsSearch?: readonly string[] | undefined;
  readonly dnsOption?: readonly string[] | undefined;
  /** Run catatonit (or tini) as PID 1 in front of the command; `initPath` picks the binary. */
  readonly init?: boolean | undefined;
  readonly initPath?: string | undefined;
}

export interface MountStoredConfig {
  /** Anonymous volumes are named by the engine at create. */
  readonly mounts?: readonly MountSpec[];
  readonly readOnly?: boolean;
  readonly groupAdd?: readonly string[];
  readonly addHost?: readonly HostEntry[];
  readonly dns?: readonly string[];
  readonly dnsSearch?: readonly string[];
  readonly dnsOption?: readonly string[];
  readonly init?: boolean;
  readonly initPath?: string;
}

export const MOUNT_OPTION_KEYS: readonly string[] = [
  'volumes', 'mounts', 'tmpfs', 'readOnly', 'groupAdd', 'addHost', 'dns', 'dnsSearch', 'dnsOption', 'init', 'initPath',
];

function list(name: string, v: unknown): readonly string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new EngineError('INVALID_ARGUMENT', `Expected \`${name}\` to be an array of strings, got ${JSON.stringify(v)}`);
  }
  return v as string[];
}

/** `--add-host HOST:IP`: split at the first `:` (an IPv6 address keeps its colons) or `=`, as podman. */
export function parseAddHost(spec: string): HostEntry {
  const i = spec.search(/[:=]/);
  const host = i < 0 ? '' : spec.slice(0, i);
  let ip = i < 0 ? '' : spec.slice(i + 1);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (host === '' || !/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(host)) throw new EngineError('INVALID_ARGUMENT', `invalid added host ${JSON.stringify(spec)}: expected HOST:IP`);
  if (ip === HOST_GATEWAY) return { host, ip }; // the host's address, found at each start (etc-files.ts)
  if (isIP(ip) === 0) throw new EngineError('INVALID_ARGUMENT', `invalid IP address in add-host: ${JSON.stringify(ip)}`);
  return { host, ip };
}

export function validateMountOptions(o: MountCreateOptions, network: string): MountStoredConfig {
  const mounts: MountSpec[] = [
    ...list('volumes', o.volumes).map(parseVolumeFlag),
    ...list('mounts', o.mounts).map(parseMountFlag),
    ...list('tmpfs', o.tmpfs).map(parseTmpfsFlag),
  ];
  checkMounts(mounts);
  const groupAdd = list('groupAdd', o.groupAdd);
  // podman's: the user's own supplementary groups (crun's run.oci.keep_original_groups), alone.
  if (groupAdd.includes('keep-groups') && groupAdd.length > 1) {
    throw new EngineError('INVALID_ARGUMENT', 'the \'keep-groups\' option is not allowed with other groups');
  }
  const addHost = list('addHost', o.addHost).map(parseAddHost);
  // none, private: no address reaches the host, now or at any start (the other modes are checked at start).
  const gateway = addHost.find((h) => h.ip === HOST_GATEWAY);
  if (gateway !== undefined && (network === 'none' || network === 'private')) {
    throw new EngineError('INVALID_ARGUMENT', noHostGatewayMessage(gateway, network));
  }
  const dns = list('dns', o.dns);
  for (const d of dns) if (isIP(d) === 0) throw new EngineError('INVALID_ARGUMENT', `${d} is not an ip address`);
  const dnsSearch = list('dnsSearch', o.dnsSearch);
  const dnsOption = list('dnsOption', o.dnsOption);
  if (network === 'none' && dns.length + dnsSearch.length + dnsOption.length > 0) {
    throw new EngineError('INVALID_ARGUMENT', 'conflicting options: dns and the network mode: none');
  }
  if (network === 'host' && addHost.length > 0) {
    // podman allows it (the host's /etc/hosts is copied, then ours): so do we. Nothing to refuse.
  }
  if (o.initPath !== undefined && o.init !== true) throw new EngineError('INVALID_ARGUMENT', '--init-path needs --init');
  return {
    ...(mounts.length > 0 ? { mounts } : {}),
    ...(o.readOnly === true ? { readOnly: true } : {}),
    ...(groupAdd.length > 0 ? { groupAdd } : {}),
    ...(addHost.length > 0 ? { addHost } : {}),
    ...(dns.length > 0 ? { dns } : {}),
    ...(dnsSearch.length > 0 ? { dnsSearch } : {}),
    ...(dnsOption.length > 0 ? { dnsOption } : {}),
    ...(o.init === true ? { init: true } : {}),
    ...(o.initPath !== undefined ? { initPath: o.initPath } : {}),
  };
}
