// fuse-overlayfs as containers' root filesystem (issue 6): storage.conf's `mount_program`, as root and
// rootless, through the built CLI. Effects are read back from outside: the mount's type in mountinfo (the
// holder's, rootless), the upper dir on disk, the fuse-overlayfs processes, what the container sees of an
// image whose upper layers delete a file and make a directory opaque.
import { execa } from 'execa';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileRegistry, startHostileRegistry } from '../helpers/hostile-registry.ts';
import { leftovers } from '../helpers/leftovers.ts';
import { fixturesRoot } from '../helpers/registry-fixture.ts';
import { fuseTestUser, openDevice, runAs, type TestUser } from '../helpers/rootless-users.ts';
import { runCli } from '../helpers/run-cli.ts';
import { makeTmpRoots, type TmpRoots } from '../helpers/tmp-root.ts';

const BUSYBOX_LAYER = 'sha256:5c3b447848a98e48dce106cb3e6acbd4fb6f9b26ee778798137349ce01f4d3c1';
const FUSE_OVERLAYFS = '/usr/bin/fuse-overlayfs';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Entry = { name: string; type?: 'file' | 'directory'; body?: string };

async function tarGz(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) p.entry({ name: e.name, type: e.type ?? 'file', mode: e.type === 'directory' ? 0o755 : 0o644, mtime: new Date(1_700_000_000_000) }, e.body ?? '');
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

let reg: HostileRegistry;
/** busybox, then a layer of files, then one that deletes /data/gone and makes /opq opaque. */
let image: string;

beforeAll(async () => {
  reg = await startHostileRegistry({ auth: 'none' });
  const busybox = readFileSync(join(fixturesRoot(), 'oci/busybox-1.38.0-musl/amd64/blobs/sha256', BUSYBOX_LAYER.slice(7)));
  const files = await tarGz([
    { name: 'data/', type: 'directory' }, { name: 'data/keep', body: 'keep\n' }, { name: 'data/gone', body: 'gone\n' },
    { name: 'opq/', type: 'directory' }, { name: 'opq/old', body: 'old\n' }, { name: 'opq/sub/', type: 'directory' }, { name: 'opq/sub/deep', body: 'deep\n' },
  ]);
  const deletions = await tarGz([{ name: 'data/.wh.gone' }, { name: 'opq/.wh..wh..opq' }, { name: 'opq/new', body: 'new\n' }]);
  reg.addImage({ repository: 'team/whiteouts', tag: 'v1', layers: [busybox, files, deletions], config: { config: { Env: ['PATH=/bin:/usr/bin'] } } });
  image = `${reg.host}/team/whiteouts:v1`;
});
afterAll(async () => {
  await reg?.close();
});

/**
 * What the container prints on each start: /written from the run before, /data and /opq, whether
 * /data/gone is there; then it writes, deletes a lower file, replaces /opq with a directory of its own,
 * says `ready` and sleeps.
 */
const SCRIPT = [
  'cat /written 2>/dev/null || echo none',
  'echo "data: $(ls /data | tr "\\n" " ")"',
  'echo "opq: $(ls -R /opq | tr "\\n" " ")"',
  'test -e /data/gone && echo gone-visible || echo gone-hidden',
  'echo hi > /written', 'rm -f /data/keep', 'rm -rf /opq', 'mkdir /opq', 'echo x > /opq/fresh',
  'echo ready', 'exec sleep 1000',
].join('; ');

/** The mountinfo line of `target` (a real path: mountinfo names no symlinks; in `pid`'s mount namespace): its file system type. */
function fsType(target: string, pid: number | 'self' = 'self'): string | undefined {
  for (const l of readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n')) {
    const f = l.split(' ');
    if (f[4] === target) return f[f.indexOf('-') + 1];
  }
  return undefined;
}

/** fuse-overlayfs processes serving a mount under `dir` (their argv names it). */
async function fuseProcesses(dir: string): Promise<string[]> {
  const r = await execa('pgrep', ['-a', '-x', 'fuse-overlayfs'], { reject: false });
  return r.stdout.split('\n').filter((l) => l.includes(dir));
}

async function until<T>(get: () => T | Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  let v = await get();
  for (let waited = 0; !ok(v) && waited < ms; waited += 100) {
    await sleep(100);
    v = await get();
  }
  return v;
}

interface Cli {
  (args: readonly string[], code: number): Promise<{ stdout: string; stderr: string }>;
}

/**
 * The scenario both as root and rootless: run, see the FUSE mount and the layers right, stop; start again
 * and see what the first run wrote and deleted; rm leaves no mount and no fuse-overlayfs.
 */
/** A rootless describe's afterAll: its containers, /dev/fuse's mode, an extra mount, its temp dir. */
async function rootlessCleanUp(o: { cli: Cli | undefined; closeFuse: (() => void) | undefined; dir: string | undefined; unmount?: string | undefined }): Promise<void> {
  try {
    if (o.cli) await o.cli(['rm', '-a', '-f'], 0);
  } finally {
    o.closeFuse?.();
    if (o.unmount !== undefined) await execa('umount', ['-l', o.unmount]);
    if (o.dir) rmSync(o.dir, { recursive: true, force: true });
  }
}

async function scenario(o: { cli: Cli; storeDir: string; mountinfoPid: () => number | 'self'; runFlags?: readonly string[] }): Promise<void> {
  const { cli } = o;
  await cli(['pull', '-q', image], 0);
  const id = (await cli(['run', '-d', '--name', 'fuse', ...(o.runFlags ?? []), image, 'sh', '-c', SCRIPT], 0)).stdout.trim();
  const insp = JSON.parse((await cli(['inspect', id], 0)).stdout)[0];
  const { MergedDir: mergedDir, UpperDir: upper } = insp.GraphDriver.Data as { MergedDir: string; UpperDir: string };
  const merged = join(realpathSync(dirname(mergedDir)), basename(mergedDir));
  const logs = async () => (await cli(['logs', id], 0)).stdout;
  expect(await until(logs, (l) => l.includes('ready'))).toBe('none\ndata: keep \nopq: /opq: new \ngone-hidden\nready\n');
  expect(fsType(merged, o.mountinfoPid())).toBe('fuse.fuse-overlayfs');
  expect(await fuseProcesses(o.storeDir)).toHaveLength(1);
  await cli(['kill', id], 0);
  expect((await cli(['wait', id], 0)).stdout).toBe('137\n');
  expect(await until(() => fsType(merged, o.mountinfoPid()), (t) => t === undefined)).toBeUndefined();
  expect(await until(() => fuseProcesses(o.storeDir), (p) => p.length === 0)).toEqual([]);
  expect(readFileSync(join(upper, 'written'), 'utf8')).toBe('hi\n');

  await cli(['start', id], 0);
  expect(await until(logs, (l) => l.split('ready').length === 3)).toMatch(/ready\nhi\ndata: \nopq: \/opq: fresh \ngone-hidden\nready\n$/);
  expect(fsType(merged, o.mountinfoPid())).toBe('fuse.fuse-overlayfs');
  await cli(['rm', '-f', id], 0);
  expect(await until(() => fuseProcesses(o.storeDir), (p) => p.length === 0)).toEqual([]);
  expect(fsType(merged, o.mountinfoPid())).toBeUndefined();
}

describe('as root, mount_program in $CONTAINERS_STORAGE_CONF', () => {
  let t: TmpRoots;
  let env: Record<string, string>;
  const cli: Cli = (args, code) => runCli(['--root', t.root, '--runroot', t.runRoot, ...args], { expectCode: code, env });
  beforeAll(() => {
    t = makeTmpRoots('e2e-fuse-root');
    mkdirSync(t.dir, { recursive: true });
    writeFileSync(join(t.dir, 'storage.conf'), `[storage]\ndriver = "overlay"\n\n[storage.options.overlay]\nmount_program = "${FUSE_OVERLAYFS}"\nmountopt = "nodev"\n`);
    env = { CONTAINERS_STORAGE_CONF: join(t.dir, 'storage.conf') };
  });
  afterAll(async () => {
    if (t) await cli(['rm', '-a', '-f'], 0);
    t?.cleanup();
  });

  it('the root filesystem is a fuse-overlayfs mount; whiteouts and opaque dirs hold; writes persist; rm leaves nothing', async () => {
    await scenario({ cli, storeDir: t.root, mountinfoPid: () => 'self' });
    const left = await until(() => leftovers(t.root, t.runRoot), (l) => l.mounts.length + l.rows.length + l.dirs.length === 0);
    expect(left).toMatchObject({ mounts: [], rows: [], dirs: [] });
  });

  it('a non-root user in the container can use its root filesystem (allow_other)', async () => {
    const r = await cli(['run', '--rm', '--user', '1000:1000', image, 'sh', '-c', 'id -u; cat /data/keep; ls /opq'], 0);
    expect(r.stdout).toBe('1000\nkeep\nnew\n');
  });

  it('info: the overlay kind and podman\'s graphOptions / graphStatus', async () => {
    const info = JSON.parse((await cli(['info', '--format', 'json'], 0)).stdout);
    expect(info.store).toMatchObject({
      graphDriverName: 'overlay',
      overlayKind: 'fuse-overlayfs',
      graphOptions: { 'overlay.mount_program': { Executable: FUSE_OVERLAYFS, Version: expect.stringMatching(/^fuse-overlayfs: version \d/) } },
      graphStatus: { 'Native Overlay Diff': 'false' },
      storageConfigFile: env['CONTAINERS_STORAGE_CONF'],
    });
    const plain = JSON.parse((await runCli(['--root', t.root, '--runroot', t.runRoot, 'info', '--format', 'json'], { expectCode: 0 })).stdout);
    // No mount_program configured now, but this store used one: it stays fuse-overlayfs (overlay-kind.ts).
    expect(plain.store.overlayKind).toBe('fuse-overlayfs');
    const fresh = makeTmpRoots('e2e-fuse-native');
    try {
      const native = JSON.parse((await runCli(['--root', fresh.root, '--runroot', fresh.runRoot, 'info', '--format', 'json'], { expectCode: 0 })).stdout);
      expect(native.store).toMatchObject({ overlayKind: 'native', graphOptions: {}, graphStatus: { 'Native Overlay Diff': 'true' } });
    } finally {
      fresh.cleanup();
    }
  });

  it('a bad storage.conf: one line naming the file and line, exit 125', async () => {
    const bad = join(t.dir, 'bad.conf');
    writeFileSync(bad, '[storage.options.overlay]\nmount_program = "fuse-overlayfs"\n');
    const r = await runCli(['--root', t.root, '--runroot', t.runRoot, 'run', '--rm', image, 'true'], { expectCode: 125, env: { CONTAINERS_STORAGE_CONF: bad } });
    expect(r.stderr).toBe(`Error: ${bad}:2: storage.options.overlay.mount_program: expected an absolute path, such as "/usr/bin/fuse-overlayfs", got "fuse-overlayfs"\n`);
    writeFileSync(bad, '[storage.options.overlay\nmount_program = "/usr/bin/fuse-overlayfs"\n');
    const syntax = await runCli(['--root', t.root, '--runroot', t.runRoot, 'run', '--rm', image, 'true'], { expectCode: 125, env: { CONTAINERS_STORAGE_CONF: bad } });
    expect(syntax.stderr.split('\n')[0]).toMatch(new RegExp(`^Error: ${bad}:1:\\d+: `));
    writeFileSync(bad, '[storage.options.overlay]\nmount_program = "/nonexistent/fuse-overlayfs"\n');
    const missing = await runCli(['--root', t.root, '--runroot', t.runRoot, 'run', '--rm', image, 'true'], { expectCode: 125, env: { CONTAINERS_STORAGE_CONF: bad } });
    expect(missing.stderr).toBe(`Error: ${bad}:2: storage.options.overlay.mount_program: /nonexistent/fuse-overlayfs does not exist (apt-get install fuse-overlayfs)\n`);
  });
});

describe('rootless, mount_program in the user\'s $XDG_CONFIG_HOME/containers/storage.conf', () => {
  let user: TestUser;
  let dir: string;
  let env: Record<string, string>;
  let closeFuse: (() => void) | undefined;
  const cli: Cli = (args, code) => runAs(user, args, { expectCode: code, env });
  const holderPid = () => Number(readFileSync(join(user.runtimeDir, 'tsengine', 'userns.pid'), 'utf8').split(' ')[0]);
  beforeAll(async () => {
    closeFuse = openDevice('/dev/fuse');
    user = await fuseTestUser();
    dir = mkdtempSync(join(tmpdir(), 'tse-fuse-rootless-'));
    chmodSync(dir, 0o755);
    for (const d of ['data', 'config', 'config/containers']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'config/containers/storage.conf'), `[storage.options.overlay]\nmount_program = "${FUSE_OVERLAYFS}"\n`);
    for (const d of ['data', 'config', 'config/containers', 'config/containers/storage.conf']) chownSync(join(dir, d), user.uid, user.gid);
    // CONTAINERS_STORAGE_CONF empty: the search, as for a user who never set it (run-cli.ts sets /dev/null).
    env = { XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config'), CONTAINERS_STORAGE_CONF: '' };
  });
  afterAll(() => rootlessCleanUp({ cli: user ? cli : undefined, closeFuse, dir }));

  it('the root filesystem is a fuse-overlayfs mount in the holder\'s namespace; the same layers, writes and rm', async () => {
    // --network none: slirp4netns (the rootless default) needs /dev/net/tun opened too; not this file's business.
    await scenario({ cli, storeDir: join(dir, 'data', 'tsengine'), mountinfoPid: holderPid, runFlags: ['--network', 'none'] });
    const info = JSON.parse((await cli(['info', '--format', 'json'], 0)).stdout);
    expect(info.store).toMatchObject({ overlayKind: 'fuse-overlayfs', storageConfigFile: join(dir, 'config/containers/storage.conf') });
  });

  it('/dev/fuse closed to the user: one line that says what to do', async () => {
    chmodSync('/dev/fuse', 0o600); // as this VM ships it (afterAll restores whatever it was)
    try {
      const r = await cli(['run', '--rm', '--network', 'none', image, 'true'], 125);
      expect(r.stderr).toBe('Error: fuse-overlayfs needs /dev/fuse, which is not readable and writable by you (it is 0600 root on some hosts): as root run `chmod 0666 /dev/fuse`\n');
    } finally {
      chmodSync('/dev/fuse', 0o666);
    }
  });
});

describe('rootless, no mount_program, a store where the kernel refuses overlay', () => {
  let user: TestUser;
  let dir: string;
  let env: Record<string, string>;
  let closeFuse: (() => void) | undefined;
  let mounted = false;
  const cli: Cli = (args, code) => runAs(user, args, { expectCode: code, env });
  const holderFile = () => join(user.runtimeDir, 'tsengine', 'userns.pid');
  const holderPid = () => Number(readFileSync(holderFile(), 'utf8').split(' ')[0]);
  beforeAll(async () => {
    closeFuse = openDevice('/dev/fuse');
    user = await fuseTestUser();
    // Containers' upper dirs on an overlay mount (as in a container): the kernel's overlay refuses an upper
    // dir on overlay. The layers stay on the host's file system (whiteouts are char devices: an unprivileged
    // mknod on overlay is refused too, so a whole store on overlay is out of reach for now).
    dir = mkdtempSync(join(tmpdir(), 'tse-fuse-fallback-'));
    chmodSync(dir, 0o755);
    for (const d of ['l', 'u', 'w', 'm', 'config', 'data', 'data/tsengine']) mkdirSync(join(dir, d));
    await execa('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${join(dir, 'l')},upperdir=${join(dir, 'u')},workdir=${join(dir, 'w')}`, join(dir, 'm')]);
    mounted = true;
    mkdirSync(join(dir, 'm', 'containers'));
    symlinkSync(join(dir, 'm', 'containers'), join(dir, 'data', 'tsengine', 'containers'));
    chmodSync(join(dir, 'data', 'tsengine'), 0o700);
    for (const d of ['m/containers', 'config', 'data', 'data/tsengine']) chownSync(join(dir, d), user.uid, user.gid);
    // A holder made before the mount would not see it (its mount namespace is a private copy).
    try {
      process.kill(holderPid(), 'SIGKILL');
    } catch (e) {
      if (!(e instanceof Error && ['ENOENT', 'ESRCH'].includes((e as NodeJS.ErrnoException).code ?? ''))) throw e;
    }
    await until(() => { try { return readFileSync(`/proc/${holderPid()}/stat`, 'utf8'); } catch { return undefined; } }, (s) => s === undefined || /\) Z /.test(s));
    env = { XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config'), CONTAINERS_STORAGE_CONF: '' };
  });
  afterAll(async () => {
    await rootlessCleanUp({ cli: user ? cli : undefined, closeFuse, dir, unmount: mounted ? join(dir, 'm') : undefined });
  });

  it('falls back to fuse-overlayfs, records it in the store, and says so in info', async () => {
    await scenario({ cli, storeDir: join(dir, 'data', 'tsengine'), mountinfoPid: holderPid, runFlags: ['--network', 'none'] });
    expect(readFileSync(join(dir, 'data', 'tsengine', 'overlay-kind'), 'utf8')).toBe('fuse-overlayfs\n');
    const info = JSON.parse((await cli(['info', '--format', 'json'], 0)).stdout);
    expect(info.store).toMatchObject({ overlayKind: 'fuse-overlayfs', graphOptions: { 'overlay.mount_program': { Executable: FUSE_OVERLAYFS } } });
  });
});
