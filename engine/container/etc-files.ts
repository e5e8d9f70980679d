/**
 * The texts of the /etc/hosts, /etc/hostname and /etc/resolv.conf that are bind-mounted into a container,
 * built the way podman 4.3 builds them (containers/common v0.50 libnetwork/etchosts and
 * libnetwork/resolvconf). Pure: the caller reads the host's files and writes ours.
 */
import { EngineError } from '../errors.ts';

export type NetworkMode = 'private' | 'host' | 'none' | 'slirp4netns';

/** docker's and podman's `--add-host NAME:host-gateway`: the address the container reaches the host at. */
export const HOST_GATEWAY = 'host-gateway';

/** slirp4netns' DNS forwarder, the first nameserver of a container on that network (podman). */
export const SLIRP4NETNS_DNS = '10.0.2.3';

export interface HostEntry {
  readonly host: string;
  readonly ip: string;
}

export interface HostsFileOptions {
  readonly hostname: string;
  /** The container's name, listed after the hostname. */
  readonly name?: string | undefined;
  /** --add-host entries: written first, so they win over everything below. */
  readonly extra?: readonly HostEntry[] | undefined;
  /** The host's /etc/hosts text, copied (comments dropped) as podman's base_hosts_file does by default. */
  readonly base?: string | undefined;
  /** 'host': no entry for the container (the host's own names are in `base`). Default 'private'. */
  readonly network?: NetworkMode | undefined;
  /** The container's address for its own names. Default 127.0.0.1 (podman's, for a loopback-only netns). */
  readonly ip?: string | undefined;
  /**
   * The host's address as the container reaches it (hostGatewayAddress): host.containers.internal's entry,
   * and what `extra` entries of HOST_GATEWAY become. No entry when absent, and a host-gateway entry is refused.
   */
  readonly hostContainersInternalIp?: string | undefined;
}

/** One address of a host interface, as node:os networkInterfaces() lists them. */
export interface InterfaceAddress {
  readonly address: string;
  readonly family: string;
  readonly internal: boolean;
}

const LINK_LOCAL = /^(169\.254\.|fe[89ab][0-9a-f]:)/i;

/**
 * The host's address for host.containers.internal and host-gateway, as podman 4.3.1 writes it (checked on
 * this VM: the host's first IPv4 address other than loopback, for none, host and slirp4netns alike; an IPv6
 * one only when there is no IPv4; containers/common util.GetLocalIP). Unlike podman, none and private get
 * none: their namespace has loopback only, so no address reaches the host. On slirp4netns the gateway
 * 10.0.2.2 is not it either: it would be the host's loopback, which we keep out of reach
 * (--disable-host-loopback, slirp4netns.ts); the host's own address is reached like any outside address.
 */
export function hostGatewayAddress(network: NetworkMode, interfaces: Readonly<Record<string, readonly InterfaceAddress[] | undefined>>): string | undefined {
  if (network !== 'host' && network !== 'slirp4netns') return undefined;
  const global = Object.values(interfaces).flatMap((l) => l ?? []).filter((a) => !a.internal && !LINK_LOCAL.test(a.address));
  return (global.find((a) => a.family === 'IPv4') ?? global.find((a) => a.family === 'IPv6'))?.address;
}

/** Why a network mode has no host-gateway address: the one-line error of --add-host NAME:host-gateway. */
export function noHostGatewayMessage(entry: HostEntry, network: NetworkMode): string {
  const why = network === 'host' || network === 'slirp4netns'
    ? 'the host has no network address other than loopback'
    : 'its network namespace has loopback only, nothing reaches the host (use --network slirp4netns or host)';
  return `--add-host ${entry.host}:${HOST_GATEWAY}: no host address for network mode ${network}: ${why}`;
}

function parseHosts(text: string | undefined): { ip: string; names: string[] }[] {
  if (text === undefined) return [];
  return text.split('\n').flatMap((raw) => {
    const hash = raw.indexOf('#');
    const fields = (hash === -1 ? raw : raw.slice(0, hash)).trim().split(/\s+/);
    const [ip, ...names] = fields;
    return ip !== undefined && names.length > 0 ? [{ ip, names }] : [];
  });
}

const line = (ip: string, names: readonly string[]) => `${ip}\t${names.join(' ')}\n`;

/**
 * /etc/hosts: --add-host entries, then the host's entries, then `127.0.0.1 localhost`, `::1 localhost`,
 * host.containers.internal and the container's own names, each default entry with only the names not
 * already listed above it (an entry whose names are all taken is left out).
 */
export function hostsFile(o: HostsFileOptions): string {
  const extra = (o.extra ?? []).map((e) => {
    if (e.ip !== HOST_GATEWAY) return { ip: e.ip, names: [e.host] };
    if (o.hostContainersInternalIp === undefined) throw new EngineError('INVALID_ARGUMENT', noHostGatewayMessage(e, o.network ?? 'private'));
    return { ip: o.hostContainersInternalIp, names: [e.host] };
  });
  const user = [...extra, ...parseHosts(o.base)];
  const taken = new Set(user.flatMap((e) => e.names));
  const defaults: { ip: string; names: string[] }[] = [
    { ip: '127.0.0.1', names: ['localhost'] },
    { ip: '::1', names: ['localhost'] },
  ];
  if (o.hostContainersInternalIp !== undefined) {
    defaults.push({ ip: o.hostContainersInternalIp, names: ['host.containers.internal'] });
  }
  if (o.network !== 'host') {
    const own = o.name !== undefined && o.name !== '' && o.name !== o.hostname ? [o.hostname, o.name] : [o.hostname];
    defaults.push({ ip: o.ip ?? '127.0.0.1', names: own });
  }
  let out = user.map((e) => line(e.ip, e.names)).join('');
  for (const e of defaults) {
    const free = e.names.filter((n) => !taken.has(n));
    if (free.length > 0) out += line(e.ip, free);
  }
  return out;
}

/** /etc/hostname: the name and a newline. */
export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

export interface ResolvConfOptions {
  readonly network: NetworkMode;
  /** The host's resolv.conf text (see localResolverPath for stub resolvers); undefined when missing. */
  readonly hostResolvConf: string | undefined;
  /** --dns: replaces the host's nameservers. */
  readonly dns?: readonly string[] | undefined;
  /** --dns-search: replaces the host's search domains; ['.'] means none. */
  readonly dnsSearch?: readonly string[] | undefined;
  /** --dns-option: replaces the host's options. */
  readonly dnsOptions?: readonly string[] | undefined;
  /** Whether the container's network has IPv6; without it IPv6 nameservers are dropped. Default false. */
  readonly ipv6?: boolean | undefined;
}

// containers/common libnetwork/resolvconf: the same shapes, as regular expressions over lines.
const IPV4 = String.raw`(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)`;
const IPV6 = String.raw`(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%\w+)?`;
const NAMESERVER = new RegExp(String.raw`^\s*nameserver\s+(${IPV4}|${IPV6})\s*$`);
const LOCALHOST = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1)$/;
/** podman's fallback when no usable nameserver is left: Google's public resolvers. */
export const FALLBACK_NAMESERVERS_V4: readonly string[] = ['8.8.8.8', '8.8.4.4'];
export const FALLBACK_NAMESERVERS_V6: readonly string[] = ['2001:4860:4860::8888', '2001:4860:4860::8844'];

interface Resolv { nameservers: string[]; search: string[]; options: string[] }

function parseResolv(text: string | undefined): Resolv {
  const r: Resolv = { nameservers: [], search: [], options: [] };
  for (const raw of (text ?? '').split('\n')) {
    const hash = raw.search(/[#;]/);
    const l = hash === -1 ? raw : raw.slice(0, hash);
    const ns = NAMESERVER.exec(l);
    if (ns?.[1] !== undefined) r.nameservers.push(ns[1]);
    const [key, ...rest] = l.trim().split(/\s+/);
    // The last search / options line wins, as in the resolver (resolv.conf(5)).
    if (key === 'search') r.search = rest;
    else if (key === 'options') r.options = rest;
  }
  return r;
}

/**
 * /etc/resolv.conf: the host's nameservers, search domains and options (or the --dns* replacements).
 * In a network namespace of its own (private, none) the host's loopback nameservers (127.x, ::1) are
 * unreachable and dropped, IPv6 ones too unless `ipv6`; with none left, podman's public fallback is used.
 */
export function resolvConfFile(o: ResolvConfOptions): string {
  const host = parseResolv(o.hostResolvConf);
  let nameservers = host.nameservers;
  if (o.network !== 'host') {
    nameservers = nameservers.filter((ns) => !LOCALHOST.test(ns) && (o.ipv6 === true || !ns.includes(':')));
    if (nameservers.length === 0 && (o.dns === undefined || o.dns.length === 0) && o.network !== 'slirp4netns') {
      nameservers = [...FALLBACK_NAMESERVERS_V4, ...(o.ipv6 === true ? FALLBACK_NAMESERVERS_V6 : [])];
    }
  }
  // slirp4netns forwards DNS to the host's resolver (its loopback stub included): first, as podman writes it.
  if (o.network === 'slirp4netns') nameservers = [SLIRP4NETNS_DNS, ...nameservers];
  if (o.dns !== undefined && o.dns.length > 0) nameservers = [...o.dns];
  let search = o.dnsSearch !== undefined && o.dnsSearch.length > 0 ? [...o.dnsSearch] : host.search;
  if (search.includes('.')) search = [];
  const options = o.dnsOptions !== undefined && o.dnsOptions.length > 0 ? [...o.dnsOptions] : host.options;
  let out = '';
  if (search.length > 0) out += `search ${search.join(' ')}\n`;
  for (const ns of nameservers) out += `nameserver ${ns}\n`;
  if (options.length > 0) out += `options ${options.join(' ')}\n`;
  return out;
}

/**
 * Where the real nameservers are when the host's resolv.conf points only at a local stub resolver
 * (systemd-resolved's 127.0.0.53, NetworkManager's 127.0.0.1), as podman looks for them: the caller reads
 * that file instead, when it exists, for a container in its own network namespace.
 */
export function localResolverPath(hostResolvConf: string | undefined): string | undefined {
  const { nameservers } = parseResolv(hostResolvConf);
  if (nameservers.length !== 1) return undefined;
  if (nameservers[0] === '127.0.0.53') return '/run/systemd/resolve/resolv.conf';
  if (nameservers[0] === '127.0.0.1') return '/run/NetworkManager/no-stub-resolv.conf';
  return undefined;
}
