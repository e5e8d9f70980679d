/**
 * Which registries may skip TLS verification and fall back to plain HTTP. Like docker: loopback
 * (127.0.0.0/8, ::1, localhost) always may; others only when listed. A list entry is `host[:port]` (without
 * a port it covers every port, as registries.conf prefixes do), `*.example.com`, or a CIDR (`10.0.0.0/8`,
 * docker's insecure-registries).
 */
import { BlockList, isIP } from 'node:net';

/** Splits `host[:port]` / `[v6]:port` into a lower-case host (no brackets) and the port text. */
export function splitHostPort(hostPort: string): { host: string; port: string | undefined } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
  if (v6) return { host: (v6[1] as string).toLowerCase(), port: v6[2] };
  const colon = hostPort.lastIndexOf(':');
  if (colon !== -1 && hostPort.indexOf(':') === colon) {
    return { host: hostPort.slice(0, colon).toLowerCase(), port: hostPort.slice(colon + 1) };
  }
  return { host: hostPort.toLowerCase(), port: undefined };
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    const list = new BlockList();
    list.addSubnet('::1', 128, 'ipv6');
    list.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');
    return list.check(host, 'ipv6');
  }
  return false;
}

function matchesEntry(host: string, port: string | undefined, entry: string): boolean {
  const slash = entry.indexOf('/');
  if (slash !== -1) {
    const net = entry.slice(0, slash);
    const bits = Number(entry.slice(slash + 1));
    const family = isIP(net);
    const hostFamily = isIP(host);
    if (family === 0 || hostFamily === 0 || !Number.isInteger(bits)) return false;
    const list = new BlockList();
    list.addSubnet(net, bits, family === 4 ? 'ipv4' : 'ipv6');
    return list.check(host, hostFamily === 4 ? 'ipv4' : 'ipv6');
  }
  if (entry.startsWith('*.')) return host.endsWith(entry.slice(1).toLowerCase());
  const e = splitHostPort(entry);
  return e.host === host && (e.port === undefined || e.port === port);
}

/**
 * True when `hostPort` (a registry, or the host of a URL such as a token realm) may be reached without TLS
 * verification. `tlsVerify: false` makes every registry insecure; `true` (podman's explicit
 * `--tls-verify=true`) makes every one secure, loopback and the insecure list included.
 */
export function isInsecureRegistry(hostPort: string, o: { insecure?: readonly string[] | undefined; tlsVerify?: boolean | undefined }): boolean {
  if (o.tlsVerify !== undefined) return !o.tlsVerify;
  const { host, port } = splitHostPort(hostPort);
  if (isLoopbackHost(host)) return true;
  return (o.insecure ?? []).some((entry) => matchesEntry(host, port, entry));
}
