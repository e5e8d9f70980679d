// Rootless (issue 6): the built CLI run as real unprivileged users (test/helpers/rootless-users.ts), in a
// real user namespace made from /etc/subuid and /etc/subgid by newuidmap/newgidmap, on real overlay mounts.
// Effects are read back from outside as root: host owners of unpacked files, /proc, exit codes.
import { execa } from 'execa';
import { chmodSync, chownSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRegistry } from '../helpers/registry.ts';
import { runAs, rootlessUsers, subStart, type TestUser } from '../helpers/rootless-users.ts';
import { runCli } from '../helpers/run-cli.ts';

let users: Awaited<ReturnType<typeof rootlessUsers>>;
let dataHome: string;
let alpine: string;
let busybox: string;
/** The user's environment for this file: its own store under a temp XDG_DATA_HOME (the default-path rule). */
let env: Record<string, string>;
const as = (args: readonly string[], expectCode: number, u?: TestUser) => runAs(u ?? users.full, args, { expectCode, env });

function holderPid(u: TestUser): number | undefined {
  try {
    return Number(readFileSync(join(u.runtimeDir, 'tsengine', 'userns.pid'), 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  try {
    return statSync(`/proc/${pid}`).isDirectory();
  } catch {
    return false;
  }
};

/** /dev/net/tun's mode before this file: 0600 on this VM, so slirp4netns (the rootless default) needs 0666. */
let tunMode: number | undefined;
const TUN = '/dev/net/tun';

beforeAll(async () => {
  // The root set-up step DESIGN.md §6 asks for (restored in afterAll); the tun test closes it again for a while.
  tunMode = statSync(TUN).mode & 0o7777;
  chmodSync(TUN, 0o666);
  users = await rootlessUsers();
  dataHome = mkdtempSync(join(tmpdir(), 'tse-rootless-data-'));
  chownSync(dataHome, users.full.uid, users.full.gid);
  env = { XDG_DATA_HOME: dataHome };
  alpine = getRegistry().images.alpine.ref;
  busybox = getRegistry().images.busyboxIndex.ref;
});

afterAll(async () => {
  if (users) await as(['rm', '-a', '-f'], 0);
  if (dataHome) rmSync(dataHome, { recursive: true, force: true });
  if (tunMode !== undefined) chmodSync(TUN, tunMode);
});

/**
 * The user's live slirp4netns processes (pids; zombies not counted). A teardown without published ports
 * does not wait for one to die (its exit takes ~20-30 ms): an empty answer is waited for, up to 3 s.
 */
async function slirps(u: TestUser): Promise<string[]> {
  for (let i = 0; ; i++) {
    const r = await execa('pgrep', ['-u', String(u.uid), '-x', '-r', 'R,S,D,T', 'slirp4netns'], { reject: false });
    const pids = r.stdout.split('\n').filter((l) => l !== '');
    if (pids.length === 0 || i >= 60) return pids;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Network namespace files mounted in the holder's mount namespace (containers' run dirs). */
function netnsMounts(u: TestUser): string[] {
  const pid = holderPid(u);
  if (pid === undefined || !alive(pid)) return [];
  return readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(`${u.runtimeDir}/`) && m.endsWith('/netns'));
}

async function listen(host: string, body: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end(body));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('rootless', () => {
  it('pulls into its own store, inside the user namespace: files keep their owners (mapped to the subordinate IDs)', async () => {
    await as(['pull', '-q', alpine], 0);
    await as(['pull', '-q', busybox], 0);
    const layers = join(dataHome, 'tsengine', 'layers');
    const shadows = readdirSync(layers).map((d) => join(layers, d, 'etc', 'shadow')).filter((p) => {
      try {
        return statSync(p).mode & 0o040; // alpine's: group-readable, group shadow (42)
      } catch {
        return false;
      }
    });
    expect(shadows).toHaveLength(1);
    const st = statSync(shadows[0]!);
    // Container root is the user; container ID n ≥ 1 is subordinate start + n - 1.
    expect(st.uid).toBe(users.full.uid);
    expect(st.gid).toBe(subStart('/etc/subgid', 'tsetest') + 42 - 1);
    const home = readdirSync(layers).map((d) => join(layers, d, 'home')).find((p) => {
      try {
        return statSync(p).uid !== users.full.uid;
      } catch {
        return false;
      }
    });
    expect(home && statSync(home).uid).toBe(subStart('/etc/subuid', 'tsetest') + 65534 - 1); // busybox /home is 65534
  });

  it('run: exit codes with crun (default) and runc', async () => {
    for (const runtime of ['crun', 'runc']) {
      for (const [cmd, code] of [[['true'], 0], [['false'], 1], [['sh', '-c', 'exit 32'], 32], [['/no/such/command'], 127]] as const) {
        const r = await as(['run', '--rm', '--runtime', runtime, alpine, ...cmd], code);
        if (code === 127) expect(r.stderr).toMatch(/^Error: /m);
      }
    }
  });

  it('sees the image owners inside the container: alpine /etc/shadow root:shadow, busybox /home 65534', async () => {
    expect((await as(['run', '--rm', alpine, 'stat', '-c', '%u:%g %U:%G', '/etc/shadow'], 0)).stdout).toBe('0:42 root:shadow\n');
    expect((await as(['run', '--rm', busybox, 'stat', '-c', '%u:%g', '/home'], 0)).stdout).toBe('65534:65534\n');
    // The container runs as root of the user namespace: uid 0 inside is the user on the host.
    expect((await as(['run', '--rm', alpine, 'cat', '/proc/self/uid_map'], 0)).stdout.trim().split(/\s+/).slice(0, 3)).toEqual(['0', String(users.full.uid), '1']);
  });

  it('-d, logs, wait, rm', async () => {
    const id = (await as(['run', '-d', alpine, 'sh', '-c', 'echo hello; sleep 1; exit 4'], 0)).stdout.trim();
    expect((await as(['wait', id], 0)).stdout).toBe('4\n');
    expect((await as(['logs', id], 0)).stdout).toBe('hello\n');
    expect((await as(['ps', '-a', '-q', '--no-trunc'], 0)).stdout).toContain(id);
    await as(['rm', id], 0);
    expect((await as(['ps', '-a', '-q', '--no-trunc'], 0)).stdout).not.toContain(id);
  });

  it('--userns=keep-id: the user\'s own UID/GID, name and home inside', async () => {
    const u = users.full;
    const r = await as(['run', '--rm', '--userns=keep-id', alpine, 'sh', '-c', 'id -u; id -g; grep "^tsetest:" /etc/passwd; echo $HOME'], 0);
    expect(r.stdout).toBe(`${u.uid}\n${u.gid}\ntsetest:*:${u.uid}:${u.gid}:tsetest:${u.home}:/bin/sh\n${u.home}\n`);
    // --uidmap (IDs of the rootless namespace, as /proc/self/uid_map shows them from inside): must keep ID 0, the user.
    const m = await as(['run', '--rm', '--uidmap', '0:0:1', '--uidmap', '1:1000:2000', alpine, 'sh', '-c', 'cat /proc/self/uid_map; id -u nobody 2>/dev/null; stat -c %u /etc/passwd'], 0);
    expect(m.stdout.trim().split(/\s+/)).toEqual(['0', '0', '1', '1', '1000', '2000', '65534', '0']);
    const bad = await as(['run', '--rm', '--uidmap', '0:1000:2000', alpine, 'true'], 125);
    expect(bad.stderr).toMatch(/--uidmap must map ID 0 of the rootless user namespace/);
  });

  it('-v DIR:/data:U: the dir becomes the container user\'s, through the container\'s own user namespace when it has one', async () => {
    const u = users.full;
    const subUid = subStart('/etc/subuid', 'tsetest');
    const subGid = subStart('/etc/subgid', 'tsetest');
    const dir = mkdtempSync(join(tmpdir(), 'tse-rootless-U-'));
    writeFileSync(join(dir, 'f'), 'x');
    for (const p of [dir, join(dir, 'f')]) chownSync(p, u.uid, u.gid);
    const owner = (p: string) => `${statSync(p).uid}:${statSync(p).gid}`;
    try {
      // The holder's namespace (no --userns): container ID 1000 is the host's subordinate ID 1000 - 1 of the range.
      const r = await as(['run', '--rm', '-u', '1000:1000', '-v', `${dir}:/data:U`, alpine, 'sh', '-c', 'stat -c %u:%g /data /data/f; touch /data/new && echo wrote'], 0);
      expect(r.stdout).toBe('1000:1000\n1000:1000\nwrote\n');
      for (const p of [dir, join(dir, 'f'), join(dir, 'new')]) expect(owner(p), p).toBe(`${subUid + 999}:${subGid + 999}`);
      // keep-id: the user's own IDs inside are the user outside.
      const k = await as(['run', '--rm', '--userns=keep-id', '-v', `${dir}:/data:U`, alpine, 'stat', '-c', '%u:%g', '/data/f'], 0);
      expect(k.stdout).toBe(`${u.uid}:${u.gid}\n`);
      expect(owner(join(dir, 'f'))).toBe(`${u.uid}:${u.gid}`);
      // keep-id, as the container's root: container 0 is the first subordinate ID (podman's keep-id layout).
      const k0 = await as(['run', '--rm', '--userns=keep-id', '-u', '0:0', '-v', `${dir}:/data:U`, alpine, 'stat', '-c', '%u:%g', '/data'], 0);
      expect(k0.stdout).toBe('0:0\n');
      expect(owner(dir)).toBe(`${subUid}:${subGid}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('mounts: a bind rw (files of the container\'s root are the user\'s), :ro, a named volume copied up from the image, --tmpfs, --read-only', async () => {
    const u = users.full;
    const dir = mkdtempSync(join(tmpdir(), 'tse-rootless-v-'));
    chownSync(dir, u.uid, u.gid);
    const vol = `rootless-vol-${process.pid}`;
    try {
      const rw = await as(['run', '--rm', '--network', 'none', '-v', `${dir}:/data`, alpine, 'sh', '-c', 'echo hi > /data/f && stat -c %u /data/f'], 0);
      expect(rw.stdout).toBe('0\n');
      expect(statSync(join(dir, 'f')).uid).toBe(u.uid); // the namespace's root is the user
      const ro = await as(['run', '--rm', '--network', 'none', '-v', `${dir}:/data:ro`, alpine, 'sh', '-c', 'cat /data/f; touch /data/g 2>/dev/null || echo denied'], 0);
      expect(ro.stdout).toBe('hi\ndenied\n');
      // A named volume at /etc/apk starts with the image's files there (docker's copy-up) and outlives the container.
      const first = await as(['run', '--rm', '--network', 'none', '-v', `${vol}:/etc/apk`, alpine, 'sh', '-c', 'ls /etc/apk | head -1; echo kept > /etc/apk/mine'], 0);
      expect(first.stdout).toBe('arch\n');
      expect((await as(['run', '--rm', '--network', 'none', '-v', `${vol}:/etc/apk`, alpine, 'cat', '/etc/apk/mine'], 0)).stdout).toBe('kept\n');
      const t = await as(['run', '--rm', '--network', 'none', '--read-only', '--tmpfs', '/scratch', alpine, 'sh', '-c', 'touch /x 2>/dev/null || echo ro; touch /scratch/y && echo tmpfs; grep -c " /scratch tmpfs " /proc/mounts'], 0);
      expect(t.stdout).toBe('ro\ntmpfs\n1\n');
    } finally {
      await as(['volume', 'rm', '-f', vol], 0);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('network none and host', async () => {
    expect((await as(['run', '--rm', '--network', 'none', alpine, 'sh', '-c', 'ls /sys/class/net'], 0)).stdout).toBe('lo\n');
    const host = (await execa('ls', ['/sys/class/net'])).stdout.split('\n').sort();
    expect((await as(['run', '--rm', '--network', 'host', alpine, 'ls', '/sys/class/net'], 0)).stdout.trim().split('\n').sort()).toEqual(host);
  });

  it('network slirp4netns (the default): tap0 10.0.2.100, outbound reach, the host\'s loopback out of reach, nothing left after', async () => {
    // A host address other than loopback: how the container reaches host services (podman's --disable-host-loopback).
    const hostIp = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    expect(hostIp, 'this test needs an IPv4 address other than loopback on the host').toBeDefined();
    const outside = await listen(hostIp!, 'reached');
    const loopback = await listen('127.0.0.1', 'loopback');
    try {
      const script = `ip -4 -o addr show tap0; ip route | grep default; wget -q -T 5 -O- http://${hostIp}:${outside.port}/; echo; wget -q -T 5 -O- http://10.0.2.2:${loopback.port}/ 2>&1 || echo no-loopback`;
      const r = await as(['run', '--rm', '--network', 'slirp4netns', alpine, 'sh', '-c', script], 0);
      expect(r.stdout).toMatch(/^\d+: tap0\s+inet 10\.0\.2\.100\/24 /);
      expect(r.stdout).toContain('default via 10.0.2.2 dev tap0');
      expect(r.stdout).toContain('\nreached\n');
      expect(r.stdout).not.toMatch(/^loopback$/m);
      expect(r.stdout).toMatch(/no-loopback\n$/);
      // No --network: slirp4netns too (podman's rootless default), with its DNS forwarder first.
      const d = await as(['run', '--rm', alpine, 'sh', '-c', 'ip -4 -o addr show tap0; head -n 1 /etc/resolv.conf; grep "10.0.2.100" /etc/hosts'], 0);
      expect(d.stdout).toMatch(/tap0\s+inet 10\.0\.2\.100\/24 [^]*\nnameserver 10\.0\.2\.3\n10\.0\.2\.100\s/);
      expect(await slirps(users.full)).toEqual([]);
      expect(netnsMounts(users.full)).toEqual([]);
      // Detached: slirp4netns and the namespace live as long as the container; rm -f takes them away.
      const id = (await as(['run', '-d', alpine, 'sleep', '100'], 0)).stdout.trim();
      expect(await slirps(users.full)).toHaveLength(1);
      expect(netnsMounts(users.full)).toEqual([join(users.full.runtimeDir, 'tsengine', 'containers', id, 'netns')]);
      await as(['rm', '-f', id], 0);
      expect(await slirps(users.full)).toEqual([]);
      expect(netnsMounts(users.full)).toEqual([]);
      expect(readdirSync(join(users.full.runtimeDir, 'tsengine', 'containers'))).not.toContain(id);
    } finally {
      outside.server.close();
      loopback.server.close();
    }
  });

  it('slirp4netns with a user namespace of the container\'s own (keep-id): ports below 1024 and ping work (the helper opens them in that network namespace)', async () => {
    const script = 'nc -l -p 80 & sleep 0.3; if kill $! 2>/dev/null; then echo bound; fi; ping -c1 -W2 10.0.2.2 >/dev/null && echo pinged';
    for (const flags of [['--userns=keep-id'], ['--userns=keep-id', '-u', '0']]) {
      expect((await as(['run', '--rm', ...flags, alpine, 'sh', '-c', script], 0)).stdout, flags.join(' ')).toBe('bound\npinged\n');
    }
    expect(await slirps(users.full)).toEqual([]);
  });

  it('--group-add keep-groups (crun): the user\'s supplementary groups stay, unmapped (overflow gid 65534); other runtimes refuse it', async () => {
    const groups = (flags: string[]) => as(['run', '--rm', '--network', 'none', ...flags, alpine, 'sh', '-c', 'grep ^Groups: /proc/self/status'], 0);
    const kept = (await groups(['--group-add', 'keep-groups'])).stdout.trim().split(/\s+/).slice(1);
    expect(kept).toContain('65534'); // tsekeep: a host group of the user, not in the namespace's map
    const usual = (await groups([])).stdout.trim().split(/\s+/).slice(1);
    expect(usual).not.toContain('65534'); // the image's groups for root (alpine's /etc/group) instead
    expect(usual).toContain('10'); // wheel
    const mixed = await as(['create', '--group-add', 'keep-groups', '--group-add', 'wheel', alpine, 'true'], 125);
    expect(mixed.stderr).toBe('Error: the \'keep-groups\' option is not allowed with other groups\n');
    const runc = await as(['create', '--runtime', 'runc', '--group-add', 'keep-groups', alpine, 'true'], 125);
    expect(runc.stderr).toMatch(/^Error: --group-add keep-groups needs crun/);
  });

  it('-p: a host port of the user forwards into the container (slirp4netns host forward); a port below 1024 is refused', async () => {
    const probe = await listen('127.0.0.1', 'x');
    const port = probe.port;
    probe.server.close();
    const id = (await as(['run', '-d', '-p', `127.0.0.1:${port}:80`, alpine, 'sh', '-c', 'while true; do printf "HTTP/1.0 200 OK\\r\\n\\r\\nrootless %s\\n" "$(id -u)" | nc -l -p 80; done'], 0)).stdout.trim();
    try {
      let body = '';
      for (let i = 0; i < 50 && body === ''; i++) {
        body = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.text(), () => '');
        if (body === '') await new Promise((r) => setTimeout(r, 100));
      }
      expect(body).toBe('rootless 0\n');
      expect((await as(['port', id], 0)).stdout).toBe(`80/tcp -> 127.0.0.1:${port}\n`);
    } finally {
      await as(['rm', '-f', id], 0);
    }
    const low = await as(['run', '--rm', '-p', '127.0.0.1:81:80', alpine, 'true'], 125);
    expect(low.stderr).toBe('Error: cannot publish 127.0.0.1:81/tcp: permission denied (ports below 1024 need root)\n');
    expect(await slirps(users.full)).toEqual([]);
  });

  it('slirp4netns with /dev/net/tun closed to the user: one line that says what to do; --network none still runs', async () => {
    const before = (await as(['ps', '-a', '-q'], 0)).stdout;
    chmodSync(TUN, 0o600);
    try {
      for (const args of [[], ['--network', 'slirp4netns']]) {
        const r = await as(['run', '--rm', ...args, alpine, 'true'], 125);
        expect(r.stderr).toBe('Error: slirp4netns: /dev/net/tun is not readable and writable by you (it is 0600 root on some hosts): as root run `chmod 0666 /dev/net/tun`, or give the container --network none (or private: loopback only)\n');
      }
      expect((await as(['run', '--rm', '--network', 'none', alpine, 'true'], 0)).code).toBe(0);
    } finally {
      chmodSync(TUN, 0o666);
    }
    expect((await as(['ps', '-a', '-q'], 0)).stdout).toBe(before); // --rm: nothing left of the failed runs
    expect(await slirps(users.full)).toEqual([]);
    expect(netnsMounts(users.full)).toEqual([]);
  });

  it('info: rootless, the ID mappings, the store, the overlay kind, the network backend', async () => {
    const info = JSON.parse((await as(['info', '--format', 'json'], 0)).stdout) as Record<string, any>;
    expect(info['host'].security.rootless).toBe(true);
    expect(info['host'].idMappings.uidmap).toEqual([
      { container_id: 0, host_id: users.full.uid, size: 1 },
      { container_id: 1, host_id: subStart('/etc/subuid', 'tsetest'), size: 65536 },
    ]);
    expect(info['host'].idMappings.gidmap[1]).toEqual({ container_id: 1, host_id: subStart('/etc/subgid', 'tsetest'), size: 65536 });
    expect(info['store'].graphRoot).toBe(join(dataHome, 'tsengine'));
    expect(info['store'].runRoot).toBe(join(users.full.runtimeDir, 'tsengine'));
    expect(info['store'].overlayKind).toMatch(/userxattr/);
    const slirpVersion = /slirp4netns version (\S+)/.exec((await execa('slirp4netns', ['--version'])).stdout)![1];
    expect(info['host'].networkBackend).toBe(`slirp4netns (/usr/bin/slirp4netns, version ${slirpVersion}), the default; private: loopback only; none and host`);
    expect(info['host'].slirp4netns).toEqual({ executable: '/usr/bin/slirp4netns', version: slirpVersion });
    expect(info['host'].networkModes).toEqual(['slirp4netns', 'private', 'none', 'host']);
    const root = JSON.parse((await runCli(['--root', join(dataHome, 'root-store'), '--runroot', join(dataHome, 'root-run'), 'info', '--format', 'json'], { expectCode: 0 })).stdout) as Record<string, any>;
    expect(root['host'].security.rootless).toBe(false);
    expect(root['host'].idMappings.uidmap).toEqual([{ container_id: 0, host_id: 0, size: 4294967295 }]);
  });

  it('a user without subordinate ranges: the error names the user, the file and the fix', async () => {
    const r = await as(['pull', '-q', alpine], 125, users.none);
    expect(r.stderr).toMatch(/^Error: rootless: user "tsenoids" \(uid \d+\) has no subordinate UID range in \/etc\/subuid: as root run `usermod --add-subuids \d+-\d+ --add-subgids \d+-\d+ tsenoids`/);
    expect(r.stderr).toMatch(/add the line "tsenoids:\d+:65536" to \/etc\/subuid and to \/etc\/subgid/);
    await runAs(users.none, ['--help'], { expectCode: 0 }); // no namespace needed for help
  });

  it('an image file owned above the range: the error names the file, the ID and the ranges found', async () => {
    const start = subStart('/etc/subuid', 'tsesmall');
    const r = await runAs(users.small, ['pull', '-q', busybox], { expectCode: 125, env: { XDG_DATA_HOME: join(users.small.home, '.local', 'share') } });
    expect(r.stderr).toContain(`image file /home is owned by UID 65534, but user "tsesmall" has container IDs 0-1000 only (/etc/subuid: ${start}-${start + 999} (1000 IDs)`);
    expect(r.stderr).toMatch(/usermod --add-subuids \d+-\d+ --add-subgids \d+-\d+ tsesmall/);
  });

  it('keep-id as root is refused with the reason', async () => {
    const r = await runCli(['--root', join(dataHome, 'never'), 'create', '--userns=keep-id', alpine, 'true'], { expectCode: 125 });
    expect(r.stderr).toMatch(/keep-id is only supported in rootless mode/);
  });

  it('the rootless store never holds a file of the host root, and is not root\'s store', async () => {
    const store = join(dataHome, 'tsengine');
    expect(statSync(store).uid).toBe(users.full.uid);
    expect((await execa('find', [store, '-uid', '0', '-o', '-gid', '0'])).stdout).toBe('');
    // Root with the same environment (XDG_DATA_HOME included) keeps to its own store.
    const rootInfo = JSON.parse((await runCli(['info', '--format', 'json'], { expectCode: 0, env: { ...env, TSENGINE_ROOT: join(dataHome, 'root-store'), TSENGINE_RUNROOT: join(dataHome, 'root-run') } })).stdout) as Record<string, any>;
    expect(rootInfo['store'].graphRoot).not.toBe(store);
    expect((await runCli(['images', '-q'], { expectCode: 0, env: { ...env, TSENGINE_ROOT: join(dataHome, 'root-store'), TSENGINE_RUNROOT: join(dataHome, 'root-run') } })).stdout).toBe('');
  });

  it('the namespace holder: joined while alive, replaced when stale, gone when idle', async () => {
    const u = users.full;
    const pidFile = join(u.runtimeDir, 'tsengine', 'userns.pid');
    const before = holderPid(u)!;
    expect(alive(before)).toBe(true);
    // Stale: a pid file naming a process that is not the holder any more (wrong start time).
    process.kill(before, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(pidFile, `${process.pid} 1\n`);
    await runAs(u, ['run', '--rm', alpine, 'true'], { expectCode: 0, env: { ...env, TSENGINE_USERNS_IDLE_SECONDS: '2' } });
    const fresh = holderPid(u)!;
    expect(fresh).not.toBe(before);
    expect(fresh).not.toBe(process.pid);
    expect(readFileSync(`/proc/${fresh}/cmdline`, 'utf8').split('\0').slice(1, 3)).toEqual(['holder', '2']);
    // A running container keeps it; once nothing is in the namespace it exits by itself.
    const id = (await as(['run', '-d', alpine, 'sleep', '5'], 0)).stdout.trim();
    await new Promise((r) => setTimeout(r, 3000));
    expect(alive(fresh)).toBe(true);
    await as(['wait', id], 0);
    await as(['rm', id], 0);
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      await new Promise((r) => setTimeout(r, 100));
      gone = !alive(fresh);
    }
    expect(gone).toBe(true);
  });
});
