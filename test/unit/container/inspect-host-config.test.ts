// inspect's .HostConfig from a stored config: docker's names, null vs [] where docker has them, the defaults.
import { describe, expect, it } from 'vitest';
import { hostConfigInspect } from '../../../engine/container/inspect-host-config.ts';
import { validateCreateOptions } from '../../../engine/container/options.ts';

const o = { runtime: 'crun', autoRemove: false };

describe('hostConfigInspect', () => {
  it('a container with no flags: docker\'s empty shapes, podman\'s default pids limit and /dev/shm size', () => {
    const h = hostConfigInspect(validateCreateOptions({ image: 'alpine' }), o);
    expect(h).toMatchObject({
      Runtime: 'crun', AutoRemove: false, NetworkMode: 'private', Binds: null, Tmpfs: {}, ReadonlyRootfs: false,
      Memory: 0, MemorySwap: 0, NanoCpus: 0, CpuShares: 0, PidsLimit: 2048, Ulimits: [], ShmSize: 64 * 2 ** 20, OomKillDisable: false,
      Privileged: false, CapAdd: null, CapDrop: null, SecurityOpt: null, Devices: [], Dns: [], DnsSearch: [], ExtraHosts: null, GroupAdd: null, Init: false,
    });
  });

  it('every flag it shows', () => {
    const cfg = validateCreateOptions({
      image: 'alpine', memory: '64m', memorySwap: '128m', cpus: '1.5', cpuShares: 512, pidsLimit: 100, shmSize: '16m', oomKillDisable: true,
      capAdd: ['net_admin'], capDrop: ['chown'], privileged: true, securityOpt: ['seccomp=unconfined', 'no-new-privileges'],
      devices: ['/dev/null:/dev/mynull:rw'], volumes: ['/srv:/data:ro', 'vol:/v'], tmpfs: ['/scratch:size=1m'], readOnly: true,
      dns: ['9.9.9.9'], dnsSearch: ['example.com'], dnsOption: ['ndots:2'], addHost: ['db:10.0.0.2'], groupAdd: ['wheel'], init: true, network: 'host',
    });
    const h = hostConfigInspect(cfg, { runtime: 'runc', autoRemove: true });
    expect(h).toMatchObject({
      Runtime: 'runc', AutoRemove: true, NetworkMode: 'host', Binds: ['/srv:/data:ro', 'vol:/v'], ReadonlyRootfs: true,
      Memory: 64 * 2 ** 20, MemorySwap: 128 * 2 ** 20, NanoCpus: 1.5e9, CpuShares: 512, CpuQuota: 0, PidsLimit: 100, ShmSize: 16 * 2 ** 20, OomKillDisable: true,
      Privileged: true, CapAdd: ['CAP_NET_ADMIN'], CapDrop: ['CAP_CHOWN'], SecurityOpt: ['seccomp=unconfined', 'no-new-privileges'],
      Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'rw' }],
      Dns: ['9.9.9.9'], DnsSearch: ['example.com'], DnsOptions: ['ndots:2'], ExtraHosts: ['db:10.0.0.2'], GroupAdd: ['wheel'], Init: true,
    });
    expect(Object.keys(h.Tmpfs)).toEqual(['/scratch']);
    expect(h.Tmpfs['/scratch']).toContain('size=1m');
  });
});
