import { describe, expect, it } from 'vitest';
import { hostGatewayAddress, hostnameFile, hostsFile, localResolverPath, resolvConfFile } from '../../../engine/container/etc-files.ts';

// This VM's /etc/hosts; podman 4.3.1 wrote the expected texts below from it (userdata/hosts).
const HOST_HOSTS = '127.0.0.1 localhost\n127.0.0.1 runsc\n127.0.0.1 vm\n';

describe('hostsFile', () => {
  it('without a base file: localhost v4 and v6, then the hostname on 127.0.0.1', () => {
    expect(hostsFile({ hostname: 'abc123def456' })).toBe('127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.0.1\tabc123def456\n');
  });

  it("as podman 4.3.1 for --network none (minus host.containers.internal's address, which is the caller's)", () => {
    const got = hostsFile({ hostname: '413b107ee69b', name: 'objective_poitras', base: HOST_HOSTS, network: 'none', hostContainersInternalIp: '192.0.2.2' });
    expect(got).toBe('127.0.0.1\tlocalhost\n127.0.0.1\trunsc\n127.0.0.1\tvm\n192.0.2.2\thost.containers.internal\n127.0.0.1\t413b107ee69b objective_poitras\n');
  });

  it('as podman 4.3.1 for --network host: no entry of its own', () => {
    const got = hostsFile({ hostname: 'vm', base: HOST_HOSTS, network: 'host', hostContainersInternalIp: '192.0.2.2' });
    expect(got).toBe('127.0.0.1\tlocalhost\n127.0.0.1\trunsc\n127.0.0.1\tvm\n192.0.2.2\thost.containers.internal\n');
  });

  it('puts --add-host first, drops comments, and adds only names not yet listed', () => {
    const base = '# comment\n10.0.0.1 db db.local # inline\n\n::1 ip6-localhost localhost\n';
    const got = hostsFile({ hostname: 'db', extra: [{ host: 'api', ip: '10.0.0.9' }], base, ip: '10.88.0.5' });
    expect(got).toBe('10.0.0.9\tapi\n10.0.0.1\tdb db.local\n::1\tip6-localhost localhost\n');
  });

  it('lists hostname and name once each', () => {
    expect(hostsFile({ hostname: 'web', name: 'web' })).toContain('127.0.0.1\tweb\n');
  });

  it('--add-host NAME:host-gateway is the host\'s address, first like any --add-host; host.containers.internal too', () => {
    const got = hostsFile({ hostname: 'c1', base: HOST_HOSTS, network: 'slirp4netns', ip: '10.0.2.100', hostContainersInternalIp: '192.0.2.2', extra: [{ host: 'gw', ip: 'host-gateway' }, { host: 'db', ip: '10.1.2.3' }] });
    expect(got).toBe('192.0.2.2\tgw\n10.1.2.3\tdb\n127.0.0.1\tlocalhost\n127.0.0.1\trunsc\n127.0.0.1\tvm\n192.0.2.2\thost.containers.internal\n10.0.2.100\tc1\n');
  });

  it('an --add-host of host.containers.internal wins over the automatic entry', () => {
    const got = hostsFile({ hostname: 'c1', network: 'host', hostContainersInternalIp: '192.0.2.2', extra: [{ host: 'host.containers.internal', ip: '10.9.9.9' }] });
    expect(got).toBe('10.9.9.9\thost.containers.internal\n127.0.0.1\tlocalhost\n::1\tlocalhost\n');
  });

  it('host-gateway without an address is refused, naming the network mode', () => {
    expect(() => hostsFile({ hostname: 'c1', network: 'none', extra: [{ host: 'gw', ip: 'host-gateway' }] })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: '--add-host gw:host-gateway: no host address for network mode none: its network namespace has loopback only, nothing reaches the host (use --network slirp4netns or host)' }),
    );
    expect(() => hostsFile({ hostname: 'c1', network: 'host', extra: [{ host: 'gw', ip: 'host-gateway' }] })).toThrow(/network mode host: the host has no network address other than loopback/);
  });
});

describe('hostGatewayAddress', () => {
  const lo = { address: '127.0.0.1', family: 'IPv4', internal: true };
  const lo6 = { address: '::1', family: 'IPv6', internal: true };
  const v6LinkLocal = { address: 'fe80::1', family: 'IPv6', internal: false };
  const v6 = { address: '2001:db8::5', family: 'IPv6', internal: false };
  const v4LinkLocal = { address: '169.254.1.1', family: 'IPv4', internal: false };
  const eth0 = { address: '192.0.2.2', family: 'IPv4', internal: false };
  const bridge = { address: '10.88.0.1', family: 'IPv4', internal: false };

  it('host and slirp4netns: the first IPv4 address other than loopback and link-local (podman 4.3.1: eth0 here)', () => {
    const ifaces = { lo: [lo, lo6], eth0: [v6LinkLocal, v4LinkLocal, eth0], 'cni-podman0': [bridge] };
    expect(hostGatewayAddress('host', ifaces)).toBe('192.0.2.2');
    expect(hostGatewayAddress('slirp4netns', ifaces)).toBe('192.0.2.2');
  });

  it('an IPv6 address only when there is no IPv4 one; none at all without either', () => {
    expect(hostGatewayAddress('host', { lo: [lo], eth0: [v6LinkLocal, v6] })).toBe('2001:db8::5');
    expect(hostGatewayAddress('host', { lo: [lo, lo6], eth0: [v6LinkLocal], x: undefined })).toBeUndefined();
  });

  it('none and private: no address reaches the host from a loopback-only namespace', () => {
    expect(hostGatewayAddress('none', { eth0: [eth0] })).toBeUndefined();
    expect(hostGatewayAddress('private', { eth0: [eth0] })).toBeUndefined();
  });
});

describe('hostnameFile', () => {
  it('is the name and a newline', () => {
    expect(hostnameFile('abc123def456')).toBe('abc123def456\n');
  });
});

describe('resolvConfFile', () => {
  const host = '# generated\nsearch corp.example example.com\nnameserver 127.0.0.53\nnameserver 10.255.255.53\nnameserver ::1\nnameserver 2001:db8::1\noptions edns0 trust-ad\n';

  it('host network: the host file, normalised', () => {
    expect(resolvConfFile({ network: 'host', hostResolvConf: host })).toBe(
      'search corp.example example.com\nnameserver 127.0.0.53\nnameserver 10.255.255.53\nnameserver ::1\nnameserver 2001:db8::1\noptions edns0 trust-ad\n',
    );
  });

  it.each(['private', 'none'] as const)('%s network: minus 127.x and ::1 (unreachable), minus IPv6 without ipv6', (network) => {
    expect(resolvConfFile({ network, hostResolvConf: host })).toBe('search corp.example example.com\nnameserver 10.255.255.53\noptions edns0 trust-ad\n');
    expect(resolvConfFile({ network, hostResolvConf: host, ipv6: true })).toContain('nameserver 2001:db8::1\n');
  });

  it('falls back to podman\'s public resolvers when no nameserver is left', () => {
    expect(resolvConfFile({ network: 'private', hostResolvConf: 'nameserver 127.0.0.53\noptions edns0\n' })).toBe(
      'nameserver 8.8.8.8\nnameserver 8.8.4.4\noptions edns0\n',
    );
    expect(resolvConfFile({ network: 'private', hostResolvConf: undefined, ipv6: true })).toBe(
      'nameserver 8.8.8.8\nnameserver 8.8.4.4\nnameserver 2001:4860:4860::8888\nnameserver 2001:4860:4860::8844\n',
    );
  });

  it('slirp4netns: its DNS forwarder first, then the host\'s (no public fallback: the forwarder reaches a loopback stub)', () => {
    expect(resolvConfFile({ network: 'slirp4netns', hostResolvConf: 'nameserver 10.255.255.53\n' })).toBe('nameserver 10.0.2.3\nnameserver 10.255.255.53\n');
    expect(resolvConfFile({ network: 'slirp4netns', hostResolvConf: 'nameserver 127.0.0.53\n' })).toBe('nameserver 10.0.2.3\n');
    expect(resolvConfFile({ network: 'slirp4netns', hostResolvConf: 'nameserver 10.255.255.53\n', dns: ['1.1.1.1'] })).toBe('nameserver 1.1.1.1\n');
  });

  it('as podman 4.3.1 wrote from this VM\'s resolv.conf', () => {
    expect(resolvConfFile({ network: 'host', hostResolvConf: 'nameserver 10.255.255.53\n' })).toBe('nameserver 10.255.255.53\n');
    expect(resolvConfFile({ network: 'private', hostResolvConf: 'nameserver 10.255.255.53\n' })).toBe('nameserver 10.255.255.53\n');
  });

  it('--dns, --dns-search and --dns-option replace the host values; search "." means none', () => {
    const got = resolvConfFile({ network: 'private', hostResolvConf: host, dns: ['1.1.1.1'], dnsSearch: ['a.test'], dnsOptions: ['ndots:2'] });
    expect(got).toBe('search a.test\nnameserver 1.1.1.1\noptions ndots:2\n');
    expect(resolvConfFile({ network: 'private', hostResolvConf: host, dnsSearch: ['.'] })).not.toContain('search');
    expect(resolvConfFile({ network: 'private', hostResolvConf: 'nameserver 127.0.0.1\n', dns: ['127.0.0.1'] })).toBe('nameserver 127.0.0.1\n');
  });
});

describe('localResolverPath', () => {
  it('finds the real file behind a lone stub resolver', () => {
    expect(localResolverPath('nameserver 127.0.0.53\noptions edns0\n')).toBe('/run/systemd/resolve/resolv.conf');
    expect(localResolverPath('nameserver 127.0.0.1\n')).toBe('/run/NetworkManager/no-stub-resolv.conf');
    expect(localResolverPath('nameserver 127.0.0.53\nnameserver 10.0.0.1\n')).toBeUndefined();
    expect(localResolverPath(undefined)).toBeUndefined();
  });
});
