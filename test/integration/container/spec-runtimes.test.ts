// The config.json buildRuntimeSpec writes, run for real by crun, runc and runsc on the Alpine minirootfs:
// the container must see podman's default capability set, the clamped open-files limit, its hostname,
// the resolved user, our etc files, and a read-only /sys. Each runtime has its own --root state dir in a
// temp dir; every container is deleted and the runtimes' state lists are checked empty afterwards.
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostnameFile, hostsFile, resolvConfFile } from '../../../engine/container/etc-files.ts';
import { defaultRlimits, readHostLimits } from '../../../engine/container/rlimits.ts';
import { buildRuntimeSpec, DEFAULT_CAPABILITIES, type SpecInput } from '../../../engine/container/runtime-spec.ts';
import { resolveUser } from '../../../engine/container/user.ts';
import type { ImageConfig } from '../../../engine/image/manifest.ts';

const ALPINE = new URL('../../../../shared/fixtures/rootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz', import.meta.url).pathname;

interface Runtime {
  readonly name: string;
  /** Global flags before the verb. runsc in a host without its network stack set up: --network=none. */
  readonly globals: readonly string[];
  /** What this runtime does differently, as data: check name → reason. */
  readonly skips: Readonly<Record<string, string>>;
}

const RUNTIMES: readonly Runtime[] = [
  { name: 'crun', globals: [], skips: {} },
  { name: 'runc', globals: [], skips: {} },
  {
    name: 'runsc',
    globals: ['--network=none'],
    skips: {
      'mqueue mount': 'runsc 2022-12: gVisor has no mqueue filesystem and leaves the /dev/mqueue mount out',
      'cgroup mount': 'runsc 2022-12: gVisor leaves the /sys/fs/cgroup mount out on a cgroup v1 host',
      'ping_group_range sysctl': 'runsc 2022-12: gVisor has no /proc/sys/net/ipv4/ping_group_range and ignores the sysctl',
    },
  },
];

// Linux capability numbers (include/uapi/linux/capability.h) of the default set.
const CAP_NUMBERS: Readonly<Record<string, number>> = {
  CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_FOWNER: 3, CAP_FSETID: 4, CAP_KILL: 5, CAP_SETGID: 6, CAP_SETUID: 7,
  CAP_SETPCAP: 8, CAP_NET_BIND_SERVICE: 10, CAP_SYS_CHROOT: 18, CAP_SETFCAP: 31,
};
const DEFAULT_CAP_MASK = DEFAULT_CAPABILITIES.reduce((m, c) => m | (1n << BigInt(CAP_NUMBERS[c]!)), 0n);
const hex16 = (n: bigint) => n.toString(16).padStart(16, '0');

const IMAGE: ImageConfig = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: {} };
const HOST_LIMITS = readHostLimits();
const NOFILE = defaultRlimits(HOST_LIMITS).find((r) => r.type === 'RLIMIT_NOFILE')!.soft;
const NPROC = defaultRlimits(HOST_LIMITS).find((r) => r.type === 'RLIMIT_NPROC')!.soft;
const HOST_RESOLV = existsSync('/etc/resolv.conf') ? readFileSync('/etc/resolv.conf', 'utf8') : undefined;

const SCRIPT = [
  'grep -E "^Cap(Eff|Bnd)" /proc/self/status',
  'echo "nofile=$(ulimit -n)"',
  'echo "nproc=$(ulimit -u)"',
  'echo "ping=$(cat /proc/sys/net/ipv4/ping_group_range 2>/dev/null)"',
  'echo "hostname=$(hostname)"',
  'echo "id=$(id)"',
  'echo "--- resolv.conf"', 'cat /etc/resolv.conf',
  'echo "--- hosts"', 'cat /etc/hosts',
  'echo "--- mounts"', 'cat /proc/mounts',
  'echo "--- end"',
  'if touch /sys/tsengine-probe 2>/dev/null; then echo sys=writable; else echo sys=refused; fi',
].join('; ');

interface Parsed {
  capEff: string; capBnd: string; nofile: number; nproc: number; ping: string; hostname: string; id: string;
  resolvConf: string; hosts: string; mounts: { source: string; target: string; type: string; options: string[] }[]; sys: string;
}

function parse(out: string): Parsed {
  const field = (re: RegExp) => re.exec(out)?.[1] ?? '';
  const section = (name: string) => field(new RegExp(`--- ${name}\\n([\\s\\S]*?)--- `));
  return {
    capEff: field(/^CapEff:\s*(\S+)$/m),
    capBnd: field(/^CapBnd:\s*(\S+)$/m),
    nofile: Number(field(/^nofile=(\S+)$/m)),
    nproc: Number(field(/^nproc=(\S+)$/m)),
    ping: field(/^ping=(.*)$/m),
    hostname: field(/^hostname=(.*)$/m),
    id: field(/^id=(.*)$/m),
    resolvConf: section('resolv.conf'),
    hosts: section('hosts'),
    mounts: section('mounts').split('\n').filter((l) => l !== '').map((l) => {
      const [source = '', target = '', type = '', options = ''] = l.split(' ');
      return { source, target, type, options: options.split(',') };
    }),
    sys: field(/^sys=(\S+)$/m),
  };
}

let tmp: string;
let seq = 0;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tse-spec-runtimes-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe.each(RUNTIMES)('$name runs the config.json buildRuntimeSpec writes', (rt) => {
  const state = () => join(tmp, `${rt.name}-state`);
  const rootfs = () => join(tmp, `${rt.name}-rootfs`);
  const created: string[] = [];

  beforeAll(async () => {
    mkdirSync(state(), { recursive: true });
    mkdirSync(rootfs(), { recursive: true });
    await execa('tar', ['-xzf', ALPINE, '-C', rootfs()]);
  });

  afterAll(async () => {
    for (const id of created) {
      // `run` deletes its container on exit; this only catches one left by a failed run. A container that
      // is already gone makes `delete` fail, which is fine: the list below must be empty either way.
      await execa(rt.name, [...rt.globals, '--root', state(), 'delete', '-f', id], { reject: false });
    }
    const list = await execa(rt.name, [...rt.globals, '--root', state(), 'list', '-q'], { reject: false });
    expect(list.stdout.trim()).toBe('');
  });

  async function run(o: { user?: string; readonlyRootfs?: boolean; script?: string }) {
    const id = `tse-spec-${rt.name}-${process.pid}-${++seq}`;
    const bundle = join(tmp, id);
    mkdirSync(bundle);
    const hostname = `h${seq}${rt.name}`;
    const etcFiles = { hosts: join(bundle, 'hosts'), hostname: join(bundle, 'hostname'), resolvConf: join(bundle, 'resolv.conf') };
    writeFileSync(etcFiles.hosts, hostsFile({ hostname, name: id }));
    writeFileSync(etcFiles.hostname, hostnameFile(hostname));
    writeFileSync(etcFiles.resolvConf, resolvConfFile({ network: 'private', hostResolvConf: HOST_RESOLV }));
    const input: SpecInput = {
      image: IMAGE,
      command: ['sh', '-c', o.script ?? SCRIPT],
      user: resolveUser(o.user, {
        passwd: readFileSync(join(rootfs(), 'etc/passwd'), 'utf8'),
        group: readFileSync(join(rootfs(), 'etc/group'), 'utf8'),
      }),
      hostname,
      rootfs: rootfs(),
      readonlyRootfs: o.readonlyRootfs,
      terminal: false,
      network: 'private',
      hostLimits: HOST_LIMITS,
      etcFiles,
    };
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(buildRuntimeSpec(input), null, 2));
    created.push(id);
    const r = await execa(rt.name, [...rt.globals, '--root', state(), 'run', '--bundle', bundle, id], { reject: false, stdin: 'ignore' });
    expect(r.stderr, `${rt.name} stderr`).not.toMatch(/error|fail/i);
    expect(r.exitCode, r.stderr).toBe(0);
    return { out: parse(r.stdout), raw: r.stdout, etcFiles, hostname };
  }

  describe('as root', () => {
    let r: Awaited<ReturnType<typeof run>>;
    beforeAll(async () => {
      r = await run({});
    });
    /** One check of the root container's output; a runtime's known difference skips it, naming why. */
    const check = (name: string, fn: () => void) => {
      const reason = rt.skips[name];
      if (reason === undefined) it(name, fn);
      else it.skip(`${name} (skipped: ${reason})`, fn);
    };
    const at = (target: string) => r.out.mounts.filter((m) => m.target === target);

    check('capabilities: podman\'s default set effective and bounding', () => {
      expect(r.out.capEff, r.raw).toBe(hex16(DEFAULT_CAP_MASK));
      expect(r.out.capBnd).toBe(hex16(DEFAULT_CAP_MASK));
    });
    check('ulimit -n: 1048576 clamped to the host hard limit', () => {
      expect(NOFILE).toBe(Math.min(1048576, HOST_LIMITS.nofile.hard));
      expect(r.out.nofile).toBe(NOFILE);
    });
    check('ulimit -u: pid_max clamped to the host hard limit', () => {
      expect(r.out.nproc).toBe(NPROC);
    });
    check('hostname', () => {
      expect(r.out.hostname).toBe(r.hostname);
    });
    check('id: root with its /etc/group memberships', () => {
      expect(r.out.id).toBe('uid=0(root) gid=0(root) groups=0(root),1(bin),2(daemon),3(sys),4(adm),6(disk),10(wheel),11(floppy),20(dialout),26(tape),27(video)');
    });
    check('etc files bind-mounted with our contents', () => {
      expect(r.out.resolvConf).toBe(readFileSync(r.etcFiles.resolvConf, 'utf8'));
      expect(r.out.hosts).toBe(readFileSync(r.etcFiles.hosts, 'utf8'));
      for (const f of ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf']) expect(at(f), f).toHaveLength(1);
    });
    check('/proc, /dev/pts, /dev/shm mounted', () => {
      expect(at('/proc').map((m) => m.type)).toEqual(['proc']);
      expect(at('/dev/pts').map((m) => m.type)).toEqual(['devpts']);
      expect(at('/dev/shm').map((m) => m.type)).toEqual(['tmpfs']);
    });
    check('sysfs read-only', () => {
      expect(at('/sys').map((m) => m.type)).toEqual(['sysfs']);
      expect(at('/sys')[0]!.options).toContain('ro');
      expect(r.out.sys).toBe('refused');
    });
    check('mqueue mount', () => {
      expect(at('/dev/mqueue').map((m) => m.type)).toEqual(['mqueue']);
    });
    check('cgroup mount', () => {
      // Without a cgroup namespace runc and crun put a tmpfs there and the hierarchies under it, read-only.
      const cg = r.out.mounts.filter((m) => m.target === '/sys/fs/cgroup' || m.target.startsWith('/sys/fs/cgroup/'));
      expect(cg.length).toBeGreaterThan(0);
      expect(cg.filter((m) => m.type === 'cgroup').every((m) => m.options.includes('ro'))).toBe(true);
    });
    check('ping_group_range sysctl', () => {
      expect(r.out.ping).toBe('0\t0');
    });
  });

  it('-u 65534:65534: no effective capabilities, the bounding set kept', async () => {
    const { out, raw } = await run({ user: '65534:65534' });
    expect(out.capEff, raw).toBe('0000000000000000');
    expect(out.capBnd).toBe(hex16(DEFAULT_CAP_MASK));
    expect(out.id).toBe('uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)');
    expect(out.nofile).toBe(NOFILE);
  });

  it('-u nobody: the passwd entry, HOME from it', async () => {
    const { raw } = await run({ user: 'nobody', script: 'id; echo "home=$HOME"; echo "user=$USER"; grep ^CapEff /proc/self/status' });
    expect(raw).toContain('uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)');
    expect(raw).toContain('home=/\n');
    expect(raw).toMatch(/^CapEff:\s*0{16}$/m);
  });

  it('--read-only: the rootfs refuses writes, /tmp /run /var/tmp are writable tmpfs', async () => {
    const script = 'touch /etc/x 2>/dev/null && echo etc=writable || echo etc=refused; for d in /tmp /run /var/tmp; do touch $d/x && echo "$d=ok"; done; grep -E " /(tmp|run|var/tmp) " /proc/mounts';
    const { raw } = await run({ readonlyRootfs: true, script });
    expect(raw).toContain('etc=refused');
    expect(raw).toContain('/tmp=ok');
    expect(raw).toContain('/run=ok');
    expect(raw).toContain('/var/tmp=ok');
    expect(raw).toMatch(/^\S+ \/tmp tmpfs /m);
  });
});
