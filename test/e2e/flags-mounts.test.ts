// -v (bind rw/ro, named and anonymous volumes), --mount, --tmpfs and --read-only, read back from inside
// the container (mount table, write errors) and from the host, on every installed runtime.
import { execa } from 'execa';
import { chownSync, lstatSync, mkdirSync, readFileSync, type Stats, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useAlpineStore } from '../helpers/alpine-store.ts';
import { runCli } from '../helpers/run-cli.ts';

const s = useAlpineStore('e2e-flags-mounts');

const RUNTIMES = ['crun', 'runc', 'runsc'] as const;
const installed = await Promise.all(RUNTIMES.map(async (r) => (await execa('which', [r], { reject: false })).exitCode === 0));

const owner = (st: Stats) => `${st.uid}:${st.gid}`;

/** The mount options of `dst` in the container's /proc/mounts text. */
function mountOptions(procMounts: string, dst: string): string[] | undefined {
  const line = procMounts.split('\n').find((l) => l.split(' ')[1] === dst);
  return line?.split(' ')[3]?.split(',');
}

describe.each(RUNTIMES.map((r, i) => [r, installed[i]] as const))('runtime %s', (runtime, present) => {
  it.skipIf(!present)(`binds rw and ro, --mount, --tmpfs, --read-only (skipped only if ${runtime} is not installed)`, async () => {
    const host = join(s.t.dir, `binds-${runtime}`);
    mkdirSync(join(host, 'rw'), { recursive: true });
    mkdirSync(join(host, 'ro'), { recursive: true });
    writeFileSync(join(host, 'ro', 'hello'), 'from host\n');
    const script = [
      'echo written > /rw/out && echo rw-ok',
      'cat /ro/hello',
      'touch /ro/x 2>/dev/null || echo ro-denied',
      'touch /m2/x 2>/dev/null || echo m2-denied',
      'touch /etc/x 2>/dev/null || echo rootfs-denied',
      'touch /tmp/x && echo tmp-ok',
      'echo y > /scratch/y && echo scratch-ok',
      'cp /bin/busybox /scratch/bb && { /scratch/bb true 2>/dev/null || echo scratch-noexec; }',
      'echo z > /t2/z && echo t2-ok',
      'echo ---',
      'cat /proc/mounts',
    ].join('; ');
    const r = await runCli(
      [
        ...s.g, 'run', '--rm', '--runtime', runtime, '--read-only',
        '-v', `${host}/rw:/rw`, '-v', `${host}/ro:/ro:ro`,
        '--mount', `type=bind,source=${host}/ro,target=/m2,readonly`,
        '--tmpfs', '/scratch:size=1m', '--mount', 'type=tmpfs,target=/t2,tmpfs-size=2m',
        s.alpine, 'sh', '-c', script,
      ],
      { expectCode: 0 },
    );
    const [out, mounts = ''] = r.stdout.split('---\n');
    expect(out).toBe('rw-ok\nfrom host\nro-denied\nm2-denied\nrootfs-denied\ntmp-ok\nscratch-ok\nscratch-noexec\nt2-ok\n');
    expect(readFileSync(join(host, 'rw', 'out'), 'utf8')).toBe('written\n');
    expect(mountOptions(mounts, '/ro')).toContain('ro');
    expect(mountOptions(mounts, '/m2')).toContain('ro');
    expect(mountOptions(mounts, '/rw')).toContain('rw');
    expect(mountOptions(mounts, '/')).toContain('ro');
    const scratch = mounts.split('\n').find((l) => l.split(' ')[1] === '/scratch') ?? '';
    expect(scratch).toMatch(/^\S+ \/scratch tmpfs /);
    // gVisor's /proc/mounts lists rw/ro, noexec and the size only; the effect of noexec is checked above.
    expect(mountOptions(mounts, '/scratch')).toEqual(expect.arrayContaining(runtime === 'runsc' ? ['rw', 'noexec'] : ['rw', 'nosuid', 'nodev', 'noexec']));
    expect(mounts).toMatch(/ \/t2 tmpfs /);
  });

  it.skipIf(!present)('a named volume: copy-up of the image content on first use, data outlives the container', async () => {
    const vol = `data-${runtime}`;
    // /etc/apk is in the image: a new volume there starts with the image's files.
    const first = await runCli([...s.g, 'run', '--rm', '--runtime', runtime, '-v', `${vol}:/etc/apk`, s.alpine, 'sh', '-c', 'ls /etc/apk; echo kept > /etc/apk/mine'], { expectCode: 0 });
    expect(first.stdout).toMatch(/^repositories$/m);
    const second = await runCli([...s.g, 'run', '--rm', '--runtime', runtime, '-v', `${vol}:/etc/apk:ro`, s.alpine, 'sh', '-c', 'cat /etc/apk/mine; touch /etc/apk/x 2>/dev/null || echo ro-denied'], {
      expectCode: 0,
    });
    expect(second.stdout).toBe('kept\nro-denied\n');
    const mountpoint = (await runCli([...s.g, 'volume', 'inspect', '-f', '{{.Mountpoint}}', vol], { expectCode: 0 })).stdout.trim();
    expect(readFileSync(join(mountpoint, 'mine'), 'utf8')).toBe('kept\n');
    await runCli([...s.g, 'volume', 'rm', vol], { expectCode: 0 });
  });

  it.skipIf(!present)('an anonymous volume (-v DST) is removed with the container by --rm', async () => {
    const before = (await runCli([...s.g, 'volume', 'ls', '-q'], { expectCode: 0 })).stdout;
    const r = await runCli([...s.g, 'run', '--rm', '--runtime', runtime, '-v', '/anon', s.alpine, 'sh', '-c', 'echo a > /anon/a && cat /anon/a && grep -c " /anon " /proc/mounts'], { expectCode: 0 });
    expect(r.stdout).toBe('a\n1\n');
    expect((await runCli([...s.g, 'volume', 'ls', '-q'], { expectCode: 0 })).stdout).toBe(before);
  });
});

// The chown is the engine's, before the runtime runs: one runtime shows it (crun, as the defaults use).
describe('U: the source belongs to the container\'s user (podman\'s -v …:U, --mount …,U)', () => {
  it('a root-owned bind dir, and what is in it, become -u 1000:1000\'s, seen so inside and on the host', async () => {
    const host = join(s.t.dir, 'chown-bind');
    mkdirSync(join(host, 'sub'), { recursive: true });
    writeFileSync(join(host, 'sub', 'f'), 'x');
    symlinkSync('/etc/passwd', join(host, 'link')); // chowned itself: its target on the host is left alone
    chownSync(host, 0, 0);
    const passwdOwner = statSync('/etc/passwd');
    const r = await runCli([...s.g, 'run', '--rm', '-u', '1000:1000', '-v', `${host}:/data:U`, s.alpine, 'sh', '-c', 'stat -c %u:%g /data /data/sub/f; touch /data/new && echo wrote'], { expectCode: 0 });
    expect(r.stdout).toBe('1000:1000\n1000:1000\nwrote\n');
    for (const p of [host, join(host, 'sub'), join(host, 'sub', 'f'), join(host, 'new')]) expect(owner(statSync(p)), p).toBe('1000:1000');
    expect(owner(lstatSync(join(host, 'link')))).toBe('1000:1000');
    expect(owner(statSync('/etc/passwd'))).toBe(owner(passwdOwner));
  });

  it('a named volume with --mount …,U, for the image\'s user by name (-u guest: 405:100 in alpine)', async () => {
    const vol = 'chown-vol';
    const r = await runCli([...s.g, 'run', '--rm', '-u', 'guest', '--mount', `type=volume,source=${vol},target=/data,U`, s.alpine, 'sh', '-c', 'stat -c %u:%g /data; echo hi > /data/f && stat -c %u:%g /data/f'], { expectCode: 0 });
    expect(r.stdout).toBe('405:100\n405:100\n');
    const mountpoint = (await runCli([...s.g, 'volume', 'inspect', '-f', '{{.Mountpoint}}', vol], { expectCode: 0 })).stdout.trim();
    expect(owner(statSync(mountpoint))).toBe('405:100');
    expect(owner(statSync(join(mountpoint, 'f')))).toBe('405:100');
    // Without U a later container leaves the owner as it is; with U and another user, it follows the user.
    await runCli([...s.g, 'run', '--rm', '-v', `${vol}:/data`, s.alpine, 'true'], { expectCode: 0 });
    expect(owner(statSync(mountpoint))).toBe('405:100');
    await runCli([...s.g, 'run', '--rm', '-u', '1000:1000', '-v', `${vol}:/data:U`, s.alpine, 'true'], { expectCode: 0 });
    expect(owner(statSync(join(mountpoint, 'f')))).toBe('1000:1000');
    await runCli([...s.g, 'volume', 'rm', vol], { expectCode: 0 });
  });
});

describe('mount flag errors (exit 125, one line)', () => {
  it.each([
    [['-v', '/nonexistent-src-dir:/x'], /^Error: statfs \/nonexistent-src-dir: no such file or directory$/m],
    [['-v', '/tmp:/x:ro,rw'], /cannot set ro or rw options more than once/],
    [['-v', '/tmp:relative'], /must be an absolute path/],
    [['--mount', 'type=nfs,target=/x'], /invalid mount type "nfs"/],
    [['--mount', 'type=bind,target=/x,bogus=1'], /unknown mount option "bogus"/],
    [['--mount', 'type=bind,source=/tmp'], /target is required/],
    [['-v', '/tmp:/x', '--tmpfs', '/x'], /\/x: duplicate mount destination/],
    [['-v', '/tmp:/x:U,U'], /cannot set U more than once/],
    [['--mount', 'type=tmpfs,target=/x,U'], /invalid option u in .*only for type=bind or type=volume/],
  ])('%j', async (flags, message) => {
    const r = await runCli([...s.g, 'create', ...flags, s.alpine, 'true'], { expectCode: 125 });
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('Error:'))).toHaveLength(1);
  });
});
