// The pure parts of the resource and security flags (resources.ts, security.ts, limits-spec.ts): sizes, the
// --ulimit host check, capability sets, the containers seccomp profile turned into linux.seccomp.
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hostDevice, memoryCgroupDir, privilegedDevices } from '../../../engine/container/limits-spec.ts';
import { hostUlimits, parseSize, parseUlimit, resolveResources } from '../../../engine/container/resources.ts';
import { specJson } from '../../../engine/container/runtime-spec.ts';
import type { OciSpec } from '../../../engine/container/oci-spec.ts';
import { capabilitySet, CONTAINERS_SECCOMP_PROFILE, resolveSecurity, seccompFromProfile } from '../../../engine/container/security.ts';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             63426                63426                processes
Max open files            1024                 20000                files
Max core file size        0                    unlimited            bytes
`;

describe('sizes and resources', () => {
  it.each([
    ['512m', 512 * 2 ** 20], ['1g', 2 ** 30], ['1.5GiB', 1.5 * 2 ** 30], ['100', 100], ['64k', 65536], ['2MB', 2 * 2 ** 20],
  ] as const)('%s → %d', (text, bytes) => expect(parseSize(text, '--memory')).toBe(bytes));

  it('refuses what is not a size', () => {
    expect(() => parseSize('12q', '--shm-size')).toThrow('invalid --shm-size "12q"');
    expect(() => parseSize('-5', '--memory')).toThrow('invalid --memory');
  });

  it('--cpus → quota over a 100ms period; -1 swap; pids-limit -1 → 0 (none)', () => {
    expect(resolveResources({ cpus: '1.5', memory: '64m', memorySwap: '-1', pidsLimit: -1 }, '')).toEqual({
      cpuPeriod: 100000, cpuQuota: 150000, memory: 64 * 2 ** 20, memorySwap: -1, pidsLimit: 0,
    });
    expect(resolveResources({}, '')).toBeUndefined();
  });

  it('--ulimit: soft[:hard], never above the current hard limit', () => {
    expect(parseUlimit('nofile=100:200', LIMITS)).toEqual({ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 });
    expect(parseUlimit('nofile=300', LIMITS)).toEqual({ type: 'RLIMIT_NOFILE', soft: 300, hard: 300 });
    expect(parseUlimit('core=1000000', LIMITS)).toEqual({ type: 'RLIMIT_CORE', soft: 1000000, hard: 1000000 }); // host unlimited
    expect(() => parseUlimit('nofile=100:20001', LIMITS)).toThrow('the hard limit is above the current hard limit 20000 for nofile');
    // Unlimited (-1 or `unlimited`, stored as -1) only where the host's hard limit is unlimited.
    expect(parseUlimit('core=-1', LIMITS)).toEqual({ type: 'RLIMIT_CORE', soft: -1, hard: -1 });
    expect(parseUlimit('core=0:unlimited', LIMITS)).toEqual({ type: 'RLIMIT_CORE', soft: 0, hard: -1 });
    expect(() => parseUlimit('nofile=-1', LIMITS)).toThrow('the hard limit is above the current hard limit 20000 for nofile');
    expect(() => parseUlimit('core=-1:5', LIMITS)).toThrow('soft limit -1 is above the hard limit 5');
  });

  it('--ulimit host: every limit as the engine has it; others given after it still replace theirs', () => {
    expect(hostUlimits(LIMITS)).toEqual([
      { type: 'RLIMIT_CORE', soft: 0, hard: -1 },
      { type: 'RLIMIT_NPROC', soft: 63426, hard: 63426 },
      { type: 'RLIMIT_NOFILE', soft: 1024, hard: 20000 },
    ]);
    expect(resolveResources({ ulimits: ['host', 'nofile=10:20'] }, LIMITS)?.ulimits).toContainEqual({ type: 'RLIMIT_NOFILE', soft: 10, hard: 20 });
  });

  it('config.json writes an unlimited rlimit as RLIM_INFINITY exactly', () => {
    const spec = { ociVersion: '1.0.2', process: { rlimits: [{ type: 'RLIMIT_CORE', soft: -1, hard: -1 }, { type: 'RLIMIT_NOFILE', soft: 5, hard: 6 }] } } as unknown as OciSpec;
    expect(specJson(spec)).toBe('{"ociVersion":"1.0.2","process":{"rlimits":[{"type":"RLIMIT_CORE","soft":18446744073709551615,"hard":18446744073709551615},{"type":"RLIMIT_NOFILE","soft":5,"hard":6}]}}');
  });
});

describe('capabilities', () => {
  const all = ['CAP_CHOWN', 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN', 'CAP_KILL'];
  it('names with or without CAP_, any case; ALL', () => {
    const s = resolveSecurity({ capAdd: ['net_admin', 'CAP_SYS_ADMIN'], capDrop: ['chown'] }, () => '');
    expect(s).toEqual({ capAdd: ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN'], capDrop: ['CAP_CHOWN'] });
    const caps = capabilitySet(s, all);
    expect(caps).toContain('CAP_NET_ADMIN');
    expect(caps).not.toContain('CAP_CHOWN');
    expect(capabilitySet({ capDrop: ['ALL'], capAdd: ['CAP_KILL'] }, all)).toEqual(['CAP_KILL']);
    expect(capabilitySet({ capAdd: ['ALL'] }, all)).toEqual(expect.arrayContaining(all));
    expect(capabilitySet({ privileged: true }, all).sort()).toEqual([...all].sort());
    expect(() => resolveSecurity({ capAdd: ['bogus'] }, () => '')).toThrow('unknown capability CAP_BOGUS');
  });
});

describe('seccomp', () => {
  const host = { arch: 'x64', kernel: '6.1.0-13-amd64' };
  const rulesFor = (p: ReturnType<typeof seccompFromProfile>, name: string) => (p.syscalls ?? []).filter((r) => r.names.includes(name));

  it.skipIf(!existsSync(CONTAINERS_SECCOMP_PROFILE))(`the containers profile (${CONTAINERS_SECCOMP_PROFILE}), filtered by capability and arch`, () => {
    const profile = JSON.parse(readFileSync(CONTAINERS_SECCOMP_PROFILE, 'utf8')) as unknown;
    const plain = seccompFromProfile(profile, ['CAP_CHOWN'], host);
    expect(plain.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(plain.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(rulesFor(plain, 'quotactl').map((r) => r.action)).toEqual(['SCMP_ACT_ERRNO']);
    expect(rulesFor(plain, 'arch_prctl').map((r) => r.action)).toEqual(['SCMP_ACT_ALLOW']);
    expect(rulesFor(plain, 'breakpoint')).toEqual([]); // arm only
    expect(JSON.stringify(plain)).not.toMatch(/includes|excludes|"errno"|archMap/);
    const admin = seccompFromProfile(profile, ['CAP_SYS_ADMIN'], host);
    expect(rulesFor(admin, 'quotactl').map((r) => r.action)).toEqual(['SCMP_ACT_ALLOW']);
  });

  it('minKernel', () => {
    const p = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['new_call'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '6.2' } }] };
    expect(seccompFromProfile(p, [], { arch: 'x64', kernel: '6.1.0' }).syscalls).toEqual([]);
    expect(seccompFromProfile(p, [], { arch: 'x64', kernel: '6.18.4-fc' }).syscalls).toHaveLength(1);
  });

  it('security-opt values', () => {
    expect(resolveSecurity({ securityOpt: ['seccomp=unconfined', 'no-new-privileges'] }, () => '')).toEqual({ seccomp: 'unconfined', noNewPrivileges: true });
    expect(resolveSecurity({ securityOpt: ['seccomp=/p.json'] }, () => '{"defaultAction":"SCMP_ACT_ALLOW"}')).toEqual({ seccomp: { file: '/p.json', profile: { defaultAction: 'SCMP_ACT_ALLOW' } } });
    expect(() => resolveSecurity({ securityOpt: ['seccomp=/p.json'] }, () => '[]')).toThrow('not a seccomp profile');
    expect(() => resolveSecurity({ securityOpt: ['apparmor=foo'] }, () => '')).toThrow('unsupported --security-opt');
  });
});

describe('host facts', () => {
  it('the memory cgroup directory from mountinfo', () => {
    const mi = '35 25 0:30 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n36 25 0:31 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory\n';
    expect(memoryCgroupDir('/tsengine/abc', mi)).toBe('/sys/fs/cgroup/memory/tsengine/abc');
    expect(memoryCgroupDir('/tsengine/abc', '30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n')).toBeUndefined();
  });

  it('--device: the node of /dev/null is c 1:3', () => {
    expect(hostDevice('/dev/null')).toMatchObject({ type: 'c', major: 1, minor: 3, fileMode: 0o666 });
    expect(() => hostDevice('/etc/hostname')).toThrow('not a device node');
  });

  it.skipIf(!existsSync('/dev/loop0') && !existsSync('/dev/net/tun'))('--privileged: the host /dev nodes, not those the runtime makes, no symlinks, not under /dev/pts', () => {
    const devs = privilegedDevices();
    const paths = devs.map((d) => d.path);
    if (existsSync('/dev/loop0')) expect(devs).toContainEqual(expect.objectContaining({ path: '/dev/loop0', type: 'b', major: 7, minor: 0 }));
    if (existsSync('/dev/net/tun')) expect(devs).toContainEqual(expect.objectContaining({ path: '/dev/net/tun', type: 'c', major: 10, minor: 200 }));
    for (const p of ['/dev/null', '/dev/ptmx', '/dev/tty', '/dev/console', '/dev/stdin']) expect(paths).not.toContain(p);
    expect(paths.filter((p) => /^\/dev\/(pts|shm|mqueue|fd)\//.test(p))).toEqual([]);
    for (const p of paths) expect(lstatSync(p).isSymbolicLink()).toBe(false);
    expect(privilegedDevices('/nonexistent')).toEqual([]);
  });
});
