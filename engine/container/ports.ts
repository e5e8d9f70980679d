/**
 * Published ports (`-p`, docker's and podman's syntax): `[[HOST_IP:][HOST_PORT]:]CONTAINER_PORT[/PROTO]`,
 * ports may be ranges of equal length (`8000-8001:80-81`), a missing host port picks a free one at start.
 *
 * Only `--network slirp4netns` reaches the host (tsengine has no bridge network): the ports are
 * slirp4netns host forwards (its API socket's `add_hostfwd`, podman's `port_handler=slirp4netns`), so a
 * connection to HOST_IP:HOST_PORT on the host arrives in the container from 10.0.2.2.
 */
import { createSocket } from 'node:dgram';
import { type AddressInfo, createServer, isIPv4 } from 'node:net';
import { EngineError } from '../errors.ts';

export interface PortMapping {
  /** '' for every address (docker shows 0.0.0.0). */
  readonly hostIp: string;
  /** 0: a free port chosen when the container starts. */
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp';
}

function bad(spec: string, why: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', `invalid publish spec "${spec}": ${why}`);
}

function portRange(text: string, spec: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw bad(spec, `${what} "${text}" is not a port or a range of ports`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  for (const p of [from, to]) if (p < 1 || p > 65535) throw bad(spec, `${what} ${p} is outside 1-65535`);
  if (to < from) throw bad(spec, `${what} range "${text}" ends before it starts`);
  return [from, to];
}

/** One `-p` value → its mappings (a range gives one per port). Throws INVALID_ARGUMENT naming the spec. */
export function parsePublish(spec: string): PortMapping[] {
  let rest = spec;
  let protocol: 'tcp' | 'udp' = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const proto = rest.slice(slash + 1);
    if (proto !== 'tcp' && proto !== 'udp') throw bad(spec, `protocol "${proto}" is not supported (tcp or udp)`);
    protocol = proto;
    rest = rest.slice(0, slash);
  }
  if (rest.startsWith('[')) throw bad(spec, 'IPv6 host addresses are not supported (slirp4netns forwards IPv4)');
  const parts = rest.split(':');
  if (parts.length > 3) throw bad(spec, 'expected [[HOST_IP:][HOST_PORT]:]CONTAINER_PORT[/PROTOCOL]');
  const containerText = parts.at(-1)!;
  const hostText = parts.length >= 2 ? parts.at(-2)! : '';
  const hostIp = parts.length === 3 ? parts[0]! : '';
  if (hostIp !== '' && !isIPv4(hostIp)) throw bad(spec, `host address "${hostIp}" is not an IPv4 address`);
  const [cFrom, cTo] = portRange(containerText, spec, 'container port');
  if (hostText === '') {
    return Array.from({ length: cTo - cFrom + 1 }, (_, i) => ({ hostIp, hostPort: 0, containerPort: cFrom + i, protocol }));
  }
  const [hFrom, hTo] = portRange(hostText, spec, 'host port');
  if (hTo - hFrom !== cTo - cFrom) throw bad(spec, 'the host and container port ranges differ in length');
  return Array.from({ length: cTo - cFrom + 1 }, (_, i) => ({ hostIp, hostPort: hFrom + i, containerPort: cFrom + i, protocol }));
}

/** `create`'s `publish` option: each spec parsed, duplicates of a host port refused. */
export function validatePublish(specs: readonly string[], network: string): PortMapping[] {
  const all = specs.flatMap((s) => parsePublish(s));
  if (all.length > 0 && network !== 'slirp4netns') {
    throw new EngineError('INVALID_ARGUMENT', `publishing ports needs --network slirp4netns (network "${network}" does not reach the host; tsengine has no bridge network)`);
  }
  const seen = new Set<string>();
  for (const m of all) {
    if (m.hostPort === 0) continue;
    const key = `${m.hostIp || '0.0.0.0'}:${m.hostPort}/${m.protocol}`;
    if (seen.has(key)) throw new EngineError('INVALID_ARGUMENT', `host port ${key} is published twice`);
    seen.add(key);
  }
  return all;
}

/** Binds `m`'s host address and port (0: any) for a moment: the port it got, or why it cannot. */
async function probe(m: PortMapping): Promise<number> {
  const host = m.hostIp || '0.0.0.0';
  try {
    if (m.protocol === 'udp') {
      const socket = createSocket('udp4');
      return await new Promise<number>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ address: host, port: m.hostPort, exclusive: true }, () => {
          const port = socket.address().port;
          socket.close(() => resolve(port));
        });
      });
    }
    const server = createServer();
    return await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: m.hostPort, exclusive: true }, () => {
        const port = (server.address() as AddressInfo).port;
        server.close(() => resolve(port));
      });
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied (ports below 1024 need root)' : err.message;
    throw new EngineError('NETWORK_UNAVAILABLE', `cannot publish ${host}:${m.hostPort}/${m.protocol}: ${why}`, { cause: e });
  }
}

/**
 * Checks each host port is free (slirp4netns would only say `slirp_add_hostfwd failed`) and picks free
 * ones for mappings without one (the kernel's choice for port 0).
 */
export async function assignHostPorts(mappings: readonly PortMapping[]): Promise<PortMapping[]> {
  const out: PortMapping[] = [];
  for (const m of mappings) out.push({ ...m, hostPort: await probe(m) });
  return out;
}

/** docker's inspect form: `{"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}`. */
export function portBindings(mappings: readonly PortMapping[]): Record<string, { HostIp: string; HostPort: string }[]> {
  const out: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const m of mappings) (out[`${m.containerPort}/${m.protocol}`] ??= []).push({ HostIp: m.hostIp, HostPort: m.hostPort === 0 ? '' : String(m.hostPort) });
  return out;
}
