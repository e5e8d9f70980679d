// buildRuntimeSpec against what podman 4.3.1 wrote on this machine kind, field by field.
// The podman side is data: podman-4.3.1-config.json next to this file records, per case, the podman
// command line and the config.json it produced (how it was captured is in its "_source" field).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { OciMount, OciSpec } from '../../../engine/container/oci-spec.ts';
import type { HostLimits } from '../../../engine/container/rlimits.ts';
import {
  buildRuntimeSpec, cgroupsPathFor, DEFAULT_CAPABILITIES, type SpecInput,
} from '../../../engine/container/runtime-spec.ts';
import { resolveUser } from '../../../engine/container/user.ts';
import type { ImageConfig } from '../../../engine/image/manifest.ts';
import { ALPINE_GROUP, ALPINE_PASSWD } from './alpine-etc.ts';

interface PodmanCase { command: string; id: string; config: OciSpec & { root: { path: string; readonly?: boolean } } }
const recorded = JSON.parse(readFileSync(new URL('./podman-4.3.1-config.json', import.meta.url), 'utf8')) as { cases: Record<string, PodmanCase> };

const ROOTFS = '/var/lib/tsengine/overlay/c/rootfs';
const RUN = '/run/tsengine/c/userdata';
const GRAPH = '/var/lib/tsengine/c/userdata';
/** The recorded config with its placeholders filled in the way our input names the same files. */
function podman(name: string): PodmanCase {
  const c = recorded.cases[name];
  if (!c) throw new Error(`no recorded case ${name}`);
  const text = JSON.stringify(c.config).replaceAll('$ROOTFS', ROOTFS).replaceAll('$RUN', RUN).replaceAll('$GRAPH', GRAPH).replaceAll('$ID', c.id);
  return { ...c, config: JSON.parse(text) as PodmanCase['config'] };
}

// The image `podman import` made from the Alpine minirootfs has an empty config: {}.
const IMAGE: ImageConfig = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: {} };
// This VM: nofile 20000/20000, nproc 96365/96365, kernel.pid_max 32768.
const HOST: HostLimits = { nofile: { soft: 20000, hard: 20000 }, nproc: { soft: 96365, hard: 96365 }, pidMax: 32768 };

function input(p: PodmanCase, o: Omit<Partial<SpecInput>, 'user'> & { user?: string }): SpecInput {
  const { user, ...rest } = o;
  return {
    image: IMAGE,
    command: ['sh', '-c', 'echo hi'],
    user: resolveUser(user, { passwd: ALPINE_PASSWD, group: ALPINE_GROUP }),
    hostname: p.id.slice(0, 12),
    rootfs: ROOTFS,
    terminal: false,
    network: 'none',
    hostLimits: HOST,
    etcFiles: { hosts: `${RUN}/hosts`, hostname: `${RUN}/hostname`, resolvConf: `${RUN}/resolv.conf` },
    cgroupsPath: cgroupsPathFor(p.id),
    ...rest,
  };
}

const byDestination = (ms: readonly OciMount[]) => new Map(ms.map((m) => [m.destination, m]));

/**
 * Every field podman wrote, compared with ours. The differences we keep on purpose are asserted as such:
 * - env `container=podman` → `container=tsengine`;
 * - RLIMIT_NOFILE: podman asks for 1048576 as root, above this VM's hard limit, and its own start fails
 *   with EPERM; ours is the same request clamped to the hard limit;
 * - /dev/shm: podman binds a tmpfs it mounted on the host; ours is a tmpfs with the same flags, mounted by
 *   the runtime; /run/.containerenv (podman's marker file) is not written;
 * - cgroupsPath: /libpod_parent/libpod-ID vs ours /tsengine/ID;
 * - annotations: podman's are its own metadata (io.podman.*, cri-o, stopSignal); we add none;
 * - seccomp: not compared (removed from the recording); we write none unless given.
 */
function compareWithPodman(ours: OciSpec, theirs: PodmanCase['config']): void {
  expect(ours.ociVersion).toBe(theirs.ociVersion);

  // process
  expect(ours.process.terminal).toBe(theirs.process.terminal);
  expect(ours.process.user).toEqual(theirs.process.user);
  expect(ours.process.args).toEqual(theirs.process.args);
  expect(ours.process.cwd).toBe(theirs.process.cwd);
  expect(ours.process.capabilities).toEqual(theirs.process.capabilities);
  expect(ours.process.noNewPrivileges).toBe(theirs.process.noNewPrivileges);
  expect(ours.process.oomScoreAdj).toBe(theirs.process.oomScoreAdj);
  const podmanEnv = theirs.process.env.map((e) => (e === 'container=podman' ? 'container=tsengine' : e));
  expect([...ours.process.env].sort()).toEqual([...podmanEnv].sort()); // podman's order comes from a Go map
  const limit = (s: OciSpec, type: string) => s.process.rlimits.find((r) => r.type === type);
  expect(ours.process.rlimits.map((r) => r.type)).toEqual(theirs.process.rlimits.map((r) => r.type));
  expect(limit(ours, 'RLIMIT_NPROC')).toEqual(limit(theirs, 'RLIMIT_NPROC'));
  const nofile = limit(theirs, 'RLIMIT_NOFILE')!;
  expect(limit(ours, 'RLIMIT_NOFILE')).toEqual({
    type: 'RLIMIT_NOFILE', soft: Math.min(nofile.soft, HOST.nofile.hard), hard: Math.min(nofile.hard, HOST.nofile.hard),
  });

  // root, hostname
  expect(ours.root).toEqual({ path: theirs.root.path, readonly: theirs.root.readonly ?? false });
  expect(ours.hostname).toBe(theirs.hostname);

  // mounts: podman's order of the bind mounts varies run to run (a Go map), so compare by destination.
  const mine = byDestination(ours.mounts);
  const podmans = byDestination(theirs.mounts.filter((m) => m.destination !== '/run/.containerenv'));
  expect([...mine.keys()].sort()).toEqual([...podmans.keys()].sort());
  for (const [dest, m] of podmans) {
    if (dest === '/dev/shm') {
      expect(m).toMatchObject({ type: 'bind', options: ['bind', 'rprivate', 'nosuid', 'noexec', 'nodev'] });
      expect(mine.get(dest)).toEqual({ destination: '/dev/shm', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] });
    } else {
      expect(mine.get(dest), dest).toEqual(m);
    }
  }

  // linux
  const { cgroupsPath: podmanCgroup, ...theirLinux } = theirs.linux;
  const { cgroupsPath, ...ourLinux } = ours.linux;
  expect(ourLinux).toEqual(theirLinux); // sysctl, resources, namespaces (in order), maskedPaths, readonlyPaths
  expect(podmanCgroup).toMatch(/^\/libpod_parent\/libpod-[0-9a-f]{64}$/);
  expect(cgroupsPath).toMatch(/^\/tsengine\/[0-9a-f]{64}$/);

  expect(theirs.annotations?.['io.container.manager']).toBe('libpod');
  expect(ours.annotations).toBeUndefined();
}

describe('buildRuntimeSpec matches podman 4.3.1', () => {
  it('root, --network none (the default case)', () => {
    const p = podman('root-network-none');
    compareWithPodman(buildRuntimeSpec(input(p, {})), p.config);
  });

  it('-u 65534:65534: capabilities in the bounding set only', () => {
    const p = podman('user-65534-network-none');
    const spec = buildRuntimeSpec(input(p, { user: '65534:65534' }));
    compareWithPodman(spec, p.config);
    expect(spec.process.capabilities).toEqual({ bounding: DEFAULT_CAPABILITIES });
  });

  it('-t: terminal, TERM=xterm (set with or without a terminal)', () => {
    const p = podman('terminal-network-none');
    compareWithPodman(buildRuntimeSpec(input(p, { terminal: true })), p.config);
  });

  it('--read-only -w /tmp -e FOO=bar -e PATH=/x --hostname myhost', () => {
    const p = podman('readonly-workdir-env-hostname');
    const spec = buildRuntimeSpec(input(p, { readonlyRootfs: true, workdir: '/tmp', env: ['FOO=bar', 'PATH=/x'], hostname: 'myhost' }));
    compareWithPodman(spec, p.config);
  });

  it('--network host: no network namespace, no sysctl, resolv.conf bind-mounted', () => {
    const p = podman('network-host');
    compareWithPodman(buildRuntimeSpec(input(p, { network: 'host', hostname: 'vm' })), p.config);
  });
});

describe('buildRuntimeSpec', () => {
  const p = podman('root-network-none');

  it('private network: a new network namespace, or the one given, and resolv.conf', () => {
    const spec = buildRuntimeSpec(input(p, { network: 'private' }));
    expect(spec.linux.namespaces).toEqual([{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }]);
    expect(spec.mounts.find((m) => m.destination === '/etc/resolv.conf')).toEqual({
      destination: '/etc/resolv.conf', type: 'bind', source: `${RUN}/resolv.conf`, options: ['bind', 'rprivate'],
    });
    const joined = buildRuntimeSpec(input(p, { network: 'private', netnsPath: '/run/netns/x' }));
    expect(joined.linux.namespaces[1]).toEqual({ type: 'network', path: '/run/netns/x' });
  });

  it('slirp4netns: joins the namespace made for it; no netns sysctls when a user namespace of its own does not own it', () => {
    const spec = buildRuntimeSpec(input(p, { network: 'slirp4netns', netnsPath: '/run/user/1/tsengine/containers/c/netns' }));
    expect(spec.linux.namespaces[1]).toEqual({ type: 'network', path: '/run/user/1/tsengine/containers/c/netns' });
    expect(spec.linux.sysctl).toEqual({ 'net.ipv4.ping_group_range': '0 0' });
    const keepId = buildRuntimeSpec(input(p, {
      network: 'slirp4netns', netnsPath: '/n', userNamespace: { uidMappings: [{ containerID: 0, hostID: 1, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] },
    }));
    expect(keepId.linux.sysctl).toBeUndefined();
    expect(keepId.linux.namespaces.map((n) => n.type)).toEqual(['pid', 'network', 'ipc', 'uts', 'mount', 'user']);
  });

  it('mounts parents before children', () => {
    const spec = buildRuntimeSpec(input(p, { readonlyRootfs: true, network: 'private' }));
    const dests = spec.mounts.map((m) => m.destination);
    for (const [i, d] of dests.entries()) {
      for (const parent of dests.slice(i + 1)) expect(d.startsWith(`${parent}/`), `${d} before ${parent}`).toBe(false);
    }
  });

  it('takes image Env, WorkingDir, Entrypoint and Cmd', () => {
    const image: ImageConfig = { ...IMAGE, config: { Env: ['PATH=/app/bin:/bin', 'LANG=C'], WorkingDir: '/app', Entrypoint: ['/app/run'], Cmd: ['--serve'] } };
    const spec = buildRuntimeSpec({ ...input(p, {}), image, command: undefined });
    expect(spec.process.args).toEqual(['/app/run', '--serve']);
    expect(spec.process.cwd).toBe('/app');
    expect(spec.process.env).toEqual(['PATH=/app/bin:/bin', 'TERM=xterm', 'container=tsengine', 'LANG=C', 'HOME=/root', `HOSTNAME=${p.id.slice(0, 12)}`]);
  });

  it('extra mounts come last and replace a default at the same destination', () => {
    const vol: OciMount = { destination: '/tmp', type: 'bind', source: '/srv/tmp', options: ['rbind', 'rw'] };
    const shm: OciMount = { destination: '/dev/shm/', type: 'tmpfs', source: 'shm', options: ['size=1g'] };
    const spec = buildRuntimeSpec(input(p, { readonlyRootfs: true, mounts: [vol, shm] }));
    expect(spec.mounts.filter((m) => m.destination === '/tmp')).toEqual([vol]);
    expect(spec.mounts.filter((m) => m.destination.startsWith('/dev/shm'))).toEqual([shm]);
    expect(spec.mounts.slice(-2)).toEqual([vol, shm]);
  });

  it('--ulimit entries replace the defaults of their type; pidsLimit 0 removes the pids limit', () => {
    const spec = buildRuntimeSpec(input(p, { rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }, { type: 'RLIMIT_CORE', soft: 0, hard: 0 }], pidsLimit: 0 }));
    expect(spec.process.rlimits).toEqual([
      { type: 'RLIMIT_NPROC', soft: 32768, hard: 32768 },
      { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 },
      { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
    ]);
    expect(spec.linux.resources).toEqual({ devices: [{ allow: false, access: 'rwm' }] });
  });

  it('--privileged: the host devices given, every device allowed; a --device at the same path replaces one', () => {
    const loop = { path: '/dev/loop0', type: 'b' as const, major: 7, minor: 0, fileMode: 0o660, uid: 0, gid: 6 };
    const tun = { path: '/dev/net/tun', type: 'c' as const, major: 10, minor: 200, fileMode: 0o666, uid: 0, gid: 0 };
    const host = {
      allCapabilities: ['CAP_CHOWN'], defaultSeccompProfile: undefined, seccompHost: { arch: 'x64', kernel: '6.1.0' },
      device: () => ({ type: 'c' as const, major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 }), privilegedDevices: () => [loop, tun],
    };
    const priv = buildRuntimeSpec(input(p, { security: { settings: { privileged: true, devices: [{ hostPath: '/dev/null', containerPath: '/dev/net/tun', permissions: 'rwm' }] }, host } }));
    expect(priv.linux.devices).toEqual([loop, { ...tun, major: 1, minor: 3 }]);
    expect(priv.linux.resources?.devices?.[0]).toEqual({ allow: true, access: 'rwm' });
    const plain = buildRuntimeSpec(input(p, { security: { settings: undefined, host } }));
    expect(plain.linux.devices).toBeUndefined();
  });

  it('passes annotations and seccomp through; labels stay out', () => {
    const seccomp = { defaultAction: 'SCMP_ACT_ALLOW' };
    const spec = buildRuntimeSpec(input(p, { annotations: { 'org.example/a': 'b' }, labels: { l: 'v' }, seccomp }));
    expect(spec.annotations).toEqual({ 'org.example/a': 'b' });
    expect(spec.linux.seccomp).toEqual(seccomp);
    expect(JSON.stringify(spec)).not.toContain('"l":"v"');
  });

  it('refuses a relative -w; resolves a relative image WorkingDir against /', () => {
    expect(() => buildRuntimeSpec(input(p, { workdir: 'src' }))).toThrow('working directory "src" is not an absolute path');
    const image: ImageConfig = { ...IMAGE, config: { WorkingDir: 'srv' } };
    expect(buildRuntimeSpec({ ...input(p, {}), image }).process.cwd).toBe('/srv');
  });

  it('is pure: same input, same output, input untouched', () => {
    const i = input(p, { env: ['A=1'], mounts: [{ destination: '/data', type: 'bind', source: '/d', options: ['rbind'] }] });
    const before = JSON.stringify(i);
    const a = buildRuntimeSpec(i);
    a.mounts.at(-1)!.options.push('ro');
    a.process.capabilities.bounding.pop();
    expect(JSON.stringify(i)).toBe(before);
    expect(buildRuntimeSpec(i)).toEqual(buildRuntimeSpec(i));
    expect(buildRuntimeSpec(i).process.capabilities.bounding).toEqual(DEFAULT_CAPABILITIES);
  });
});
