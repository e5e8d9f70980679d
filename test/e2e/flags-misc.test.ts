// Env and identity (-e, --env-file, -u, --group-add, --hostname, --add-host, --dns*), networks (none,
// private, host), --init, --stop-signal/--stop-timeout, labels, --cidfile, --pull, --replace: read back
// from inside the container and from the host, on every installed runtime where the runtime matters.
import { execa } from 'execa';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useAlpineStore } from '../helpers/alpine-store.ts';
import { runCli } from '../helpers/run-cli.ts';

const s = useAlpineStore('e2e-flags-misc');
const cli = (args: string[], expectCode = 0, env?: Record<string, string>) => runCli([...s.g, ...args], { expectCode, ...(env ? { env } : {}) });

const RUNTIMES = ['crun', 'runc', 'runsc'] as const;
const installed = await Promise.all(RUNTIMES.map(async (r) => (await execa('which', [r], { reject: false })).exitCode === 0));

describe.each(RUNTIMES.map((r, i) => [r, installed[i]] as const))('runtime %s', (runtime, present) => {
  it.skipIf(!present)(`env, user, groups, hostname, /etc/hosts, resolv.conf (skipped only if ${runtime} is not installed)`, async () => {
    const envFile = join(s.t.dir, `env-${runtime}`);
    writeFileSync(envFile, '# a comment\nFROM_FILE=file value\nOVERRIDDEN=file\n\nHOSTVAR2\n');
    const script = [
      'echo "$A|$HOSTVAR|$FROM_FILE|$OVERRIDDEN|$HOSTVAR2|${UNSET_HOST-unset}"',
      'id -un; id -gn; id -G | tr " " "\\n" | sort -n | tr "\\n" " "; echo',
      'hostname',
      'cat /etc/hostname',
      'echo ---',
      'cat /etc/hosts',
      'echo ---',
      'cat /etc/resolv.conf',
    ].join('; ');
    const r = await cli(
      [
        'run', '--rm', '--runtime', runtime, '-e', 'A=1', '-e', 'HOSTVAR', '-e', 'UNSET_HOST', '--env-file', envFile, '-e', 'OVERRIDDEN=flag',
        '-u', 'guest', '--group-add', 'wheel', '--group-add', '1234', '-h', 'box1',
        '--add-host', 'db.example:10.1.2.3', '--add-host', 'v6host:fd00::1', '--dns', '192.0.2.53', '--dns-search', 'corp.example', '--dns-option', 'ndots:2',
        s.alpine, 'sh', '-c', script,
      ],
      0,
      { HOSTVAR: 'from host', HOSTVAR2: 'second' },
    );
    const [head = '', hosts = '', resolv = ''] = r.stdout.split('---\n');
    expect(head).toBe('1|from host|file value|flag|second|unset\nguest\nusers\n10 100 1234 \nbox1\nbox1\n');
    expect(hosts.split('\n').slice(0, 2)).toEqual(['10.1.2.3\tdb.example', 'fd00::1\tv6host']);
    expect(hosts).toMatch(/^127\.0\.0\.1\tbox1 /m);
    expect(resolv).toBe('search corp.example\nnameserver 192.0.2.53\noptions ndots:2\n');
  });

  it.skipIf(!present)('-u uid:gid and name:group from the image files; an unknown user or group fails (125)', async () => {
    const r = await cli(['run', '--rm', '--runtime', runtime, '-u', '1000:wheel', s.alpine, 'sh', '-c', 'id -u; id -g; id -G']);
    expect(r.stdout).toBe('1000\n10\n10\n');
    const n = await cli(['run', '--rm', '--runtime', runtime, '-u', 'nobody:nogroup', s.alpine, 'id']);
    expect(n.stdout).toBe('uid=65534(nobody) gid=65533(nogroup) groups=65533(nogroup)\n');
    expect((await cli(['run', '--rm', '--runtime', runtime, '-u', 'nosuchuser', s.alpine, 'true'], 125)).stderr).toMatch(/^Error: unable to find user nosuchuser: no matching entries in passwd file$/m);
    expect((await cli(['run', '--rm', '--runtime', runtime, '--group-add', 'nosuchgroup', s.alpine, 'true'], 125)).stderr).toMatch(/^Error: unable to find group nosuchgroup: no matching entries in group file$/m);
  });

  it.skipIf(!present)('--network none and private: only loopback, up and working; host: the host\'s interfaces and name', async () => {
    const probe = [
      'ip -o link | cut -d: -f2 | tr -d " "',
      'ip -o link show lo | grep -q "[<,]UP[,>]" && echo lo-up',
      '(nc -l -p 5555 > /tmp/got &); sleep 0.3; echo hi | nc -w 1 127.0.0.1 5555; sleep 0.2; echo "loopback: $(cat /tmp/got)"',
    ].join('; ');
    for (const net of ['none', 'private']) {
      const r = await cli(['run', '--rm', '--runtime', runtime, '--network', net, s.alpine, 'sh', '-c', probe]);
      expect(r.stdout, net).toBe('lo\nlo-up\nloopback: hi\n');
    }
    // No network: no resolv.conf of ours (alpine has none of its own); private: ours.
    const none = await cli(['run', '--rm', '--runtime', runtime, '--network', 'none', s.alpine, 'sh', '-c', 'test -e /etc/resolv.conf && echo has-resolv || echo no-resolv']);
    expect(none.stdout).toBe('no-resolv\n');
    const host = await cli(['run', '--rm', '--runtime', runtime, '--network', 'host', s.alpine, 'sh', '-c', 'hostname; ip -o link | cut -d: -f2 | tr -d " " | cut -d@ -f1']);
    const [name, ...ifaces] = host.stdout.trim().split('\n');
    expect(name).toBe(hostname());
    if (runtime === 'runsc') {
      // runsc in the host's network namespace runs with its own --network=none (DESIGN.md §4): a sandbox netstack
      // with loopback only, so the host's interfaces are not visible there.
      expect(ifaces).toEqual(['lo']);
    } else {
      expect(ifaces.sort()).toEqual(readdirSync('/sys/class/net').sort());
    }
  });

  it.skipIf(!present)('--init: catatonit is PID 1 and the command its child; stop signal and timeout apply', async () => {
    const r = await cli(['run', '--rm', '--runtime', runtime, '--init', s.alpine, 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline; echo; echo $$']);
    const [cmdline, pid] = r.stdout.split('\n');
    expect(cmdline).toBe('/run/podman-init -- sh -c tr "\\0" " " < /proc/1/cmdline; echo; echo $$ ');
    expect(Number(pid)).toBeGreaterThan(1);
    // --stop-signal: the container's own trap runs and decides the exit code.
    const id = (await cli(['run', '-d', '--runtime', runtime, '--stop-signal', 'SIGUSR1', s.alpine, 'sh', '-c', 'trap "echo got USR1; exit 3" USR1; while :; do sleep 0.1; done'])).stdout.trim();
    await new Promise((res) => setTimeout(res, 300));
    await cli(['stop', id]);
    expect((await cli(['wait', id])).stdout).toBe('3\n');
    expect((await cli(['logs', id])).stdout).toBe('got USR1\n');
    await cli(['rm', id]);
    // --stop-timeout 1: TERM is ignored, SIGKILL follows after about a second.
    const id2 = (await cli(['run', '-d', '--runtime', runtime, '--stop-timeout', '1', s.alpine, 'sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done'])).stdout.trim();
    const t0 = Date.now();
    await cli(['stop', id2]);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(8000);
    expect((await cli(['wait', id2])).stdout).toBe('137\n');
    await cli(['rm', id2]);
  });
});

// /etc/hosts is the engine's (the runtime only mounts it): one runtime shows it, crun.
describe('--add-host NAME:host-gateway and host.containers.internal (runtime-independent: crun)', () => {
  /** An HTTP server on the host's own address: what host-gateway must reach (podman 4.3.1 writes that address). */
  async function serveOnHost(): Promise<{ ip: string; port: number; close: () => void }> {
    const ip = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.'))?.address;
    expect(ip, 'this test needs an IPv4 address other than loopback on the host').toBeDefined();
    const server = createServer((_req, res) => res.end('host-reached'));
    await new Promise<void>((done) => server.listen(0, ip, done));
    return { ip: ip!, port: (server.address() as AddressInfo).port, close: () => server.close() };
  }

  it.each(['host', 'slirp4netns'])('--network %s: gw and host.containers.internal are the host\'s address, and reach it', async (net) => {
    const srv = await serveOnHost();
    try {
      const r = await cli(['run', '--rm', '--network', net, '--add-host', 'gw:host-gateway', s.alpine, 'sh', '-c', `cat /etc/hosts; echo ---; wget -q -T 5 -O- http://gw:${srv.port}/`]);
      const [hosts = '', reached] = r.stdout.split('---\n');
      expect(hosts.split('\n')[0]).toBe(`${srv.ip}\tgw`);
      expect(hosts).toMatch(new RegExp(`^${srv.ip.replaceAll('.', '\\.')}\thost\\.containers\\.internal$`, 'm'));
      expect(reached).toBe('host-reached');
    } finally {
      srv.close();
    }
  });

  it.each(['none', 'private'])('--network %s: no address reaches the host: one line, exit 125, nothing created; no host.containers.internal', async (net) => {
    const before = (await cli(['ps', '-a', '-q'])).stdout;
    const r = await cli(['run', '--rm', '--network', net, '--add-host', 'gw:host-gateway', s.alpine, 'true'], 125);
    expect(r.stderr).toBe(`Error: --add-host gw:host-gateway: no host address for network mode ${net}: its network namespace has loopback only, nothing reaches the host (use --network slirp4netns or host)\n`);
    expect((await cli(['ps', '-a', '-q'])).stdout).toBe(before);
    expect((await cli(['run', '--rm', '--network', net, s.alpine, 'cat', '/etc/hosts'])).stdout).not.toContain('host.containers.internal');
  });
});

describe('labels, --cidfile, --replace, --pull (runtime-independent: crun)', () => {
  it('--label and --label-file end up in the container\'s labels; the flag wins over the file', async () => {
    const f = join(s.t.dir, 'labels');
    writeFileSync(f, '# labels\nteam=from-file\nfile.only=1\n');
    const id = (await cli(['create', '--label-file', f, '-l', 'team=flag', '--label', 'empty', s.alpine, 'true'])).stdout.trim();
    const labels = JSON.parse((await cli(['inspect', '-f', '{{json .Config.Labels}}', id])).stdout);
    expect(labels).toEqual({ team: 'flag', 'file.only': '1', empty: '' });
    await cli(['rm', id]);
    expect((await cli(['create', '--label-file', '/nonexistent/labels', s.alpine, 'true'], 125)).stderr).toBe('Error: --label-file /nonexistent/labels: no such file or directory\n');
  });

  it('--cidfile gets the ID; an existing file is refused before anything is created', async () => {
    const f = join(s.t.dir, 'cid');
    const id = (await cli(['create', '--cidfile', f, s.alpine, 'true'])).stdout.trim();
    expect(readFileSync(f, 'utf8')).toBe(id);
    const before = (await cli(['ps', '-a', '-q'])).stdout;
    expect((await cli(['create', '--cidfile', f, s.alpine, 'true'], 125)).stderr).toBe(`Error: container id file exists. Ensure another container is not using it or delete ${f}\n`);
    expect((await cli(['ps', '-a', '-q'])).stdout).toBe(before);
    await cli(['rm', id]);
  });

  it('--replace removes the container of that name first; without it the name is taken', async () => {
    const old = (await cli(['run', '-d', '--name', 'repl', s.alpine, 'sleep', '100'])).stdout.trim();
    expect((await cli(['create', '--name', 'repl', s.alpine, 'true'], 125)).stderr).toMatch(/the container name "repl" is already in use/);
    const neu = (await cli(['run', '--replace', '--name', 'repl', s.alpine, 'echo', 'new'])).stdout;
    expect(neu).toBe('new\n');
    expect((await cli(['inspect', old], 125)).stderr).toMatch(/no such object/);
    expect((await cli(['create', '--replace', s.alpine, 'true'], 125)).stderr).toBe('Error: cannot replace container without --name being set\n');
    await cli(['rm', 'repl']);
  });

  it('--pull never fails for a missing image; always pulls a stored one again; bad policies are refused', async () => {
    const missing = s.alpine.replace(/:[^:/]+$/, ':no-such-tag');
    expect((await cli(['run', '--rm', '--pull', 'never', missing, 'true'], 125)).stderr).toMatch(/^Error: .*no-such-tag: image not known$/m);
    const always = await cli(['run', '--rm', '--pull', 'always', s.alpine, 'true']);
    expect(always.stderr).toMatch(/Already exists|Pull complete/); // pull progress: it went to the registry although the image is stored
    const missingPolicy = await cli(['run', '--rm', '--pull', 'missing', s.alpine, 'true']);
    expect(missingPolicy.stderr).toBe('');
    await cli(['run', '--rm', '--pull', 'newer', s.alpine, 'true']);
    expect((await cli(['run', '--rm', '--pull', 'sometimes', s.alpine, 'true'], 125)).stderr).toBe('Error: invalid pull policy "sometimes": use always, missing, never or newer\n');
  });

  it('--add-host and --dns reject bad values; --dns with --network none conflicts', async () => {
    expect((await cli(['create', '--add-host', 'nohost', s.alpine, 'true'], 125)).stderr).toMatch(/^Error: invalid added host "nohost": expected HOST:IP$/m);
    expect((await cli(['create', '--add-host', 'h:1.2.3', s.alpine, 'true'], 125)).stderr).toMatch(/^Error: invalid IP address in add-host: "1.2.3"$/m);
    expect((await cli(['create', '--dns', 'x', s.alpine, 'true'], 125)).stderr).toMatch(/^Error: x is not an ip address$/m);
    expect((await cli(['create', '--dns', '1.1.1.1', '--network', 'none', s.alpine, 'true'], 125)).stderr).toMatch(/^Error: conflicting options: dns and the network mode: none$/m);
  });

  it('inspect .HostConfig shows the flags by docker\'s names, and the defaults without them', async () => {
    const id = (await cli([
      'create', '--rm', '--memory', '64m', '--memory-swap', '128m', '--cpus', '0.5', '--cpu-shares', '512', '--pids-limit', '100',
      '--ulimit', 'nofile=100:200', '--shm-size', '16m', '--cap-add', 'net_admin', '--cap-drop', 'CHOWN', '--security-opt', 'no-new-privileges',
      '--device', '/dev/null:/dev/mynull:rw', '-v', `${s.t.dir}:/data:ro`, '--tmpfs', '/scratch:size=1m', '--read-only',
      '--dns', '9.9.9.9', '--dns-search', 'example.com', '--add-host', 'db:10.0.0.2', '--group-add', 'wheel', '--init', s.alpine, 'true',
    ])).stdout.trim();
    const h = JSON.parse((await cli(['inspect', '-f', '{{json .HostConfig}}', id])).stdout) as Record<string, unknown>;
    expect(h).toMatchObject({
      AutoRemove: true, Memory: 64 * 2 ** 20, MemorySwap: 128 * 2 ** 20, NanoCpus: 5e8, CpuShares: 512, PidsLimit: 100,
      Ulimits: [{ Name: 'nofile', Soft: 100, Hard: 200 }], ShmSize: 16 * 2 ** 20, OomKillDisable: false, Privileged: false,
      CapAdd: ['CAP_NET_ADMIN'], CapDrop: ['CAP_CHOWN'], SecurityOpt: ['no-new-privileges'],
      Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'rw' }],
      Binds: [`${s.t.dir}:/data:ro`], ReadonlyRootfs: true, Dns: ['9.9.9.9'], DnsSearch: ['example.com'], ExtraHosts: ['db:10.0.0.2'],
      GroupAdd: ['wheel'], Init: true,
    });
    expect(Object.keys(h['Tmpfs'] as object)).toEqual(['/scratch']);
    const plain = JSON.parse((await cli(['inspect', '-f', '{{json .HostConfig}}', (await cli(['create', '--privileged', s.alpine, 'true'])).stdout.trim()])).stdout) as Record<string, unknown>;
    expect(plain).toMatchObject({
      AutoRemove: false, Memory: 0, NanoCpus: 0, PidsLimit: 2048, ShmSize: 64 * 2 ** 20, Privileged: true, CapAdd: null, Binds: null,
      Devices: [], Ulimits: [], ReadonlyRootfs: false, Init: false,
    });
  });
});
