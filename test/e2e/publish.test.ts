// Published ports (-p) through slirp4netns host forwards, as root (the rootless case is in rootless.test.ts):
// a connection from the host reaches the container; chosen host ports show in ps, inspect and `port`;
// a port in use and a network that cannot reach the host are one-line errors that leave nothing behind.
import { createSocket } from 'node:dgram';
import { type AddressInfo, createServer } from 'node:net';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { leftovers } from '../helpers/leftovers.ts';
import { runCli } from '../helpers/run-cli.ts';
import { useAlpineStore } from '../helpers/alpine-store.ts';

const s = useAlpineStore('e2e-publish');
const cli = (args: readonly string[], expectCode = 0) => runCli([...s.g, ...args], { expectCode });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP port free right now (bound and released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The body of an HTTP/1.0 GET to 127.0.0.1:port, retried while the container's server comes up. */
async function httpGet(port: number): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
      return await r.text();
    } catch (e) {
      if (i >= 50) throw e;
      await sleep(100);
    }
  }
}

const HTTP_LOOP = 'while true; do printf "HTTP/1.0 200 OK\\r\\n\\r\\nhello from %s\\n" "$(hostname)" | nc -l -p 80; done';

/** Live slirp4netns processes of this store (zombies not counted), waited for to be gone (up to 3 s): see rootless.test.ts slirps. */
async function slirpCount(): Promise<number> {
  for (let i = 0; ; i++) {
    const r = await execa('pgrep', ['-r', 'R,S,D,T', '-f', `slirp4netns.*${s.t.runRoot}`], { reject: false });
    const n = r.stdout.trim() === '' ? 0 : r.stdout.trim().split('\n').length;
    if (n === 0 || i >= 60) return n;
    await sleep(50);
  }
}

describe('--network slirp4netns', () => {
  it('has IPv6 too, as podman 4.3 (enable_ipv6): an fd00::/64 address by router advertisement, default route via fe80::2', async () => {
    const script = 'for i in $(seq 100); do ip -6 addr show tap0 | grep -q "inet6 fd00:" && break; sleep 0.1; done; ip -6 addr show tap0; ip -6 route';
    const r = await cli(['run', '--rm', '--network', 'slirp4netns', s.alpine, 'sh', '-c', script]);
    expect(r.stdout).toMatch(/inet6 fd00::[0-9a-f:]+\/64 scope global/);
    expect(r.stdout).toMatch(/^default via fe80::2 dev tap0/m);
  });
});

describe('-p with --network slirp4netns', () => {
  it('forwards a host port into the container; ps, inspect and port show it; rm frees it', async () => {
    const hostPort = await freePort();
    const id = (await cli(['run', '-d', '--network', 'slirp4netns', '-p', `${hostPort}:80`, '-p', '127.0.0.1::81', s.alpine, 'sh', '-c', HTTP_LOOP])).stdout.trim();
    expect(await httpGet(hostPort)).toBe(`hello from ${id.slice(0, 12)}\n`);
    const ports = JSON.parse((await cli(['inspect', '-f', '{{json .NetworkSettings.Ports}}', id])).stdout);
    const chosen = Number(ports['81/tcp'][0].HostPort);
    expect(ports).toEqual({ '80/tcp': [{ HostIp: '', HostPort: String(hostPort) }], '81/tcp': [{ HostIp: '127.0.0.1', HostPort: String(chosen) }] });
    expect(chosen).toBeGreaterThan(0);
    expect(JSON.parse((await cli(['inspect', '-f', '{{json .HostConfig.PortBindings}}', id])).stdout)['81/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: '' }]);
    expect((await cli(['ps', '--format', '{{.Ports}}'])).stdout).toBe(`0.0.0.0:${hostPort}->80/tcp, 127.0.0.1:${chosen}->81/tcp\n`);
    expect((await cli(['port', id])).stdout).toBe(`80/tcp -> 0.0.0.0:${hostPort}\n81/tcp -> 127.0.0.1:${chosen}\n`);
    expect((await cli(['port', id, '80'])).stdout).toBe(`0.0.0.0:${hostPort}\n`);
    expect((await cli(['port', id, '82/tcp'], 125)).stderr).toBe('Error: failed to find published port "82/tcp"\n');
    await cli(['rm', '-f', id]);
    expect(await slirpCount()).toBe(0);
    // The port is the host's again.
    const again = createServer();
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen({ host: '0.0.0.0', port: hostPort }, () => resolve()));
    again.close();
  });

  it('forwards UDP', async () => {
    const hostPort = await freePort();
    const id = (await cli(['run', '-d', '--network', 'slirp4netns', '-p', `${hostPort}:53/udp`, s.alpine, 'sh', '-c', 'nc -u -l -p 53 | head -c 5'])).stdout.trim();
    const socket = createSocket('udp4');
    try {
      let logs = '';
      for (let i = 0; i < 50 && logs !== 'hello'; i++) {
        socket.send('hello', hostPort, '127.0.0.1');
        await sleep(100);
        logs = (await cli(['logs', id])).stdout;
      }
      expect(logs).toBe('hello');
    } finally {
      socket.close();
      await cli(['rm', '-f', id]);
    }
  });

  it('a host port in use: one line, exit 125, nothing left', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen({ host: '0.0.0.0', port: 0 }, () => r()));
    const { port } = busy.address() as AddressInfo;
    try {
      const r = await cli(['run', '--rm', '--network', 'slirp4netns', '-p', `${port}:80`, s.alpine, 'true'], 125);
      expect(r.stderr).toBe(`Error: cannot publish 0.0.0.0:${port}/tcp: address already in use\n`);
    } finally {
      busy.close();
    }
    expect(await slirpCount()).toBe(0);
    expect(leftovers(s.t.root, s.t.runRoot)).toEqual({ mounts: [], rows: [], dirs: [], runtimeState: [] });
  });

  it('bad specs and networks that cannot reach the host', async () => {
    for (const [spec, why] of [
      ['80/sctp', 'protocol "sctp" is not supported (tcp or udp)'],
      ['70000:80', 'host port 70000 is outside 1-65535'],
      ['8000-8001:80', 'the host and container port ranges differ in length'],
      ['[::1]:8080:80', 'IPv6 host addresses are not supported (slirp4netns forwards IPv4)'],
    ] as const) {
      const r = await cli(['create', '--network', 'slirp4netns', '-p', spec, s.alpine, 'true'], 125);
      expect(r.stderr).toBe(`Error: invalid publish spec "${spec}": ${why}\n`);
    }
    const priv = await cli(['create', '-p', '8080:80', s.alpine, 'true'], 125);
    expect(priv.stderr).toBe('Error: publishing ports needs --network slirp4netns (network "private" does not reach the host; tsengine has no bridge network)\n');
    // host and none: podman's warning, and the container runs without them.
    const host = await cli(['run', '--rm', '--network', 'host', '-p', '8080:80', s.alpine, 'true']);
    expect(host.stderr).toBe('Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use\n');
    expect((await cli(['ps', '-a', '-q'])).stdout).toBe('');
  });
});
