/**
 * Snapshot build only (cmd/snapshot-entry.ts): runs the pure code every `run` goes through, on made-up
 * input, so V8 compiles it before the CLI's start-up snapshot is saved (it keeps the bytecode of functions
 * that ran; otherwise every call compiles them lazily again). Reads no file, no environment, no clock that
 * matters, and leaves no state behind: whatever it cached would be frozen into every later call.
 */
import { parseToml } from './config/config-file.ts';
import { resolveShortName } from './image/short-names.ts';
import { hostnameFile, hostsFile, resolvConfFile } from './container/etc-files.ts';
import { readHostLimits } from './container/rlimits.ts';
import { buildRuntimeSpec } from './container/runtime-spec.ts';
import { resolveUser } from './container/user.ts';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtimes } from './runtime/runtimes.ts';
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { runChild } from './child.ts';
import { monitorBinary } from './container/launch.ts';
import { openDb } from '../storage/db.ts';
import { builtFile } from '../storage/package-root.ts';
import { Engine } from './engine.ts';
import type { EngineOptions } from './options.ts';
import { memorySqliteBinding } from './snapshot-sql.ts';
import { withStandInNative } from '../storage/native.ts';
import { createHash } from 'node:crypto';
import { isEngineError } from './errors.ts';

const TOML = `# comment
unqualified-search-registries = ["docker.io", "quay.io"]
[aliases]
"alpine" = "docker.io/library/alpine"
[[registry]]
prefix = "example.com/foo"
location = "mirror.example.com:5000"
insecure = true
[engine]
runtime = "crun" # trailing comment
[engine.runtimes]
crun = ["/usr/bin/crun"]
`;

const SECCOMP = JSON.stringify({
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 38,
  archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
    { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
    { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
  ],
});

export function warmUpEngine(): void {
  // Runtime resolution (create, start, rm): the config files of a made-up system root, a binary that exists.
  const root = mkdtempSync(join(tmpdir(), 'tsengine-warm-up-'));
  try {
    mkdirSync(join(root, 'usr/share/containers'), { recursive: true });
    writeFileSync(join(root, 'usr/share/containers/containers.conf'), '[engine]\nruntime = "crun"\n[engine.runtimes]\ncrun = ["/nonexistent/crun", "/bin/sh"]\n[engine.runtimes_flags]\ncrun = ["debug"]\n');
    const runtimes = new Runtimes({ runRoot: join(root, 'run'), flags: [], config: { env: {}, euid: 0, rootPrefix: root }, path: '/nonexistent' });
    runtimes.get(runtimes.default().name);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  parseToml('warm-up.toml', TOML);
  resolveShortName('alpine', { aliases: new Map([['alpine', 'docker.io/library/alpine']]), unqualifiedSearchRegistries: ['docker.io'], insecure: [], blocked: [], files: [] });
  resolveShortName('busybox:1', { aliases: new Map(), unqualifiedSearchRegistries: ['docker.io', 'quay.io'], insecure: [], blocked: [], files: [] });
  const user = resolveUser('nobody', { passwd: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n', group: 'root:x:0:root\nnobody:x:65534:\n' });
  const hostname = 'warmup';
  hostsFile({ hostname, name: 'warm', network: 'private', base: '127.0.0.1 localhost\n::1 localhost # ip6\n' });
  hostnameFile(hostname);
  resolvConfFile({ network: 'private', hostResolvConf: 'nameserver 10.0.0.1\nsearch example.com\noptions ndots:2\n' });
  buildRuntimeSpec({
    image: { architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'], WorkingDir: '/' }, rootfs: { type: 'layers', diff_ids: [] } },
    command: ['true'],
    env: ['A=B'],
    user,
    hostname,
    rootfs: '/warm-up/rootfs',
    terminal: false,
    network: 'private',
    hostLimits: readHostLimits('Limit Soft Limit Hard Limit Units\nMax open files 1024 4096 files\nMax processes 1000 2000 processes\n', '4194304\n'),
    etcFiles: { hosts: '/warm-up/hosts', hostname: '/warm-up/hostname', resolvConf: '/warm-up/resolv.conf' },
    cgroupsPath: '/tsengine/warm-up',
    security: {
      settings: undefined,
      host: {
        allCapabilities: ['CAP_CHOWN', 'CAP_SYS_ADMIN', 'CAP_KILL'],
        defaultSeccompProfile: SECCOMP,
        seccompHost: { arch: 'x64', kernel: '6.1.0' },
        device: () => {
          throw new Error('no devices in the warm-up');
        },
        privilegedDevices: () => [],
      },
    },
  });
}

/**
 * Snapshot build only: a program started the way launch.ts starts a monitor (detached, a pipe on fd 3 read
 * by lines) and one run the way child.ts runs a runtime, so that node's child_process, net, stream and
 * readline code that `start` and `run` go through is compiled in the snapshot. Both have exited and every
 * handle is closed before the heap is saved.
 */
export async function warmUpProcesses(): Promise<void> {
  const child = spawn('/bin/sh', ['-c', 'echo warm-up >&3'], { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const lines = createInterface({ input: child.stdio[3] as Socket });
  await Promise.all([new Promise((resolve) => lines.once('line', resolve)), new Promise((resolve) => child.once('close', resolve))]);
  lines.close();
  const r = await runChild('/bin/sh', ['-c', 'cat'], { input: 'warm-up' });
  if (r.stdout !== 'warm-up') throw new Error(`snapshot warm-up: a child process answered ${JSON.stringify(r.stdout)}`);
}

/** A stand-in for crun: the "container" is this shell, which writes its pid file and exits 0 at once. */
const FAKE_RUNTIME = `#!/bin/sh
pidfile=
while [ $# -gt 0 ]; do
  case $1 in --pid-file) pidfile=$2; shift ;; --version) echo 'crun version 1.8.1'; exit 0 ;; esac
  shift
done
[ -n "$pidfile" ] && echo $$ > "$pidfile"
exit 0
`;

/**
 * Snapshot build only: a temp store behind an in-memory SQLite stand-in (engine/snapshot-sql.ts; the real
 * addon cannot be in a snapshot). An engine on it is asked for a container and an image that do not exist,
 * the way each verb asks. Then, as root and with the monitor built, the store gets an image of one empty
 * layer (written the way a pull leaves it) and `fn` gets engines on it, one per call as the CLI opens them:
 * cmd/cli-main.ts's warmUpCycle runs the verbs through them. The overlay mount and the tree removal go to a
 * stand-in of our addon, the runtime is a shell script (FAKE_RUNTIME), the monitor is the real one.
 *
 * The code all this runs is then compiled in the snapshot instead of at every call (measured, alternating:
 * `start` −4 ms, `run --rm` −4 ms; the bigger snapshot costs create and rm ~1 ms each). Nothing of it is
 * kept: engines closed, stand-ins unset, every child reaped, the temp dir removed; the one module-level
 * cache it fills (engine.ts) is reset by a serialize callback.
 */
export async function withWarmUpStore(fn: (open: () => Promise<Engine>) => Promise<void>): Promise<void> {
  // Imported here: the library (engine/index.ts) must not load better-sqlite3 before a store is opened.
  const { withStandInBinding } = await import('../storage/sqlite.snapshot.ts');
  const dir = mkdtempSync(join(tmpdir(), 'tsengine-warm-up-store-'));
  // Next to the launcher, not in the temp dir: that may be mounted noexec, dist/cmd is where our programs run.
  // Named crun, as the runtime's kind goes by the binary's name (crun gets its seccomp program compiled).
  const bin = builtFile(`cmd/.warm-up-${process.pid}`);
  const runtime = join(bin, 'crun');
  try {
    mkdirSync(bin, { recursive: true });
    writeFileSync(runtime, FAKE_RUNTIME, { mode: 0o755 });
    // Debian's storage.conf has inline tables like this; the driver is what a user gets anyway.
    const storageConf = join(dir, 'storage.conf');
    writeFileSync(storageConf, '[storage]\ndriver = "overlay"\n[storage.options]\npull_options = {enable_partial_images = "false", use_hard_links = "false"}\n');
    const none = '/dev/null';
    const options = {
      root: join(dir, 'root'),
      runRoot: join(dir, 'run'),
      env: { PATH: '/usr/bin:/bin', HOME: dir, CONTAINERS_CONF: none, CONTAINERS_STORAGE_CONF: storageConf, CONTAINERS_REGISTRIES_CONF: none, TSENGINE_CONFIG: none, TSENGINE_DAEMON_JSON: none },
      runtimes: { crun: { path: runtime } },
      defaultRuntime: 'crun',
    };
    const standIn = {
      mountOverlay: (_layers: string, _options: string, target: string) => void mkdirSync(target, { recursive: true }),
      umount: () => undefined,
      removeTree: (path: string) => rmSync(path, { recursive: true, force: true }),
    };
    await withStandInBinding(memorySqliteBinding(), () =>
      withStandInNative(standIn, async () => {
        await inEngine(options, askForMissing);
        // As root only (rootless, the engine would start a user namespace holder), and with the monitor
        // built (an install without scripts has none; its build still works, with less warmed up).
        if (process.geteuid?.() !== 0 || !monitorBuilt()) return;
        await inEngine(options, async () => seedImage(options.root));
        await fn(() => Engine.open(options));
        // A child process still running (or not yet reaped) cannot be in a snapshot: wait for the monitors.
        for (let i = 0; childPids().length > 0; i++) {
          if (i === 500) throw new Error(`snapshot warm-up: child processes ${childPids().join(', ')} did not exit`);
          await sleep(10);
        }
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(bin, { recursive: true, force: true });
  }
}

async function askForMissing(engine: Engine): Promise<void> {
  const asks = [
    () => engine.containers.wait('warm-up'),
    () => engine.containers.start('warm-up'),
    () => engine.containers.stop('warm-up'),
    () => engine.containers.remove('warm-up'),
    () => engine.containers.inspect('warm-up'),
    () => engine.containers.create({ image: 'localhost/warm-up' }),
    () => engine.images.inspect('localhost/warm-up'),
  ];
  for (const ask of asks) {
    await ask().then(
      () => {
        throw new Error('snapshot warm-up: an empty store answered');
      },
      (e: unknown) => {
        if (!isEngineError(e) || !/NOT_FOUND/.test(e.code)) throw e;
      },
    );
  }
  await engine.containers.list({ all: true });
  await engine.images.list();
}

/** `localhost/warm-up`: one empty layer, its rows written by a second connection, as a pull would. */
function seedImage(root: string): void {
  const layer = `sha256:${'0'.repeat(64)}`;
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [layer] }, history: [{ created: '2024-09-06T22:20:07Z', created_by: 'ADD rootfs.tar /' }] }));
  const manifest = Buffer.from('{}');
  const digest = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const id = digest(config).slice('sha256:'.length);
  const now = Date.now();
  const db = openDb(join(root, 'store.db'));
  try {
    const put = (sql: string, ...values: unknown[]) => db.prepare(sql).run(...values);
    put('INSERT INTO blobs (digest, media_type, data) VALUES (?, ?, ?)', digest(config), 'application/vnd.oci.image.config.v1+json', config);
    put('INSERT INTO blobs (digest, media_type, data) VALUES (?, ?, ?)', digest(manifest), 'application/vnd.oci.image.manifest.v1+json', manifest);
    put("INSERT INTO layers (diff_id, dir, state, owner, size, created_at) VALUES (?, 'warm-up', 'ready', NULL, 0, ?)", layer, now);
    put('INSERT INTO images (id, config_digest, manifest_digest, manifest_media_type, created, size, pulled_at) VALUES (?, ?, ?, ?, NULL, 0, ?)', id, digest(config), digest(manifest), 'application/vnd.oci.image.manifest.v1+json', now);
    put('INSERT INTO image_layers (image_id, idx, diff_id) VALUES (?, ?, ?)', id, 0, layer);
    put('INSERT INTO tags (name, image_id, created_at) VALUES (?, ?, ?)', 'localhost/warm-up:latest', id, now);
  } finally {
    db.close();
  }
  mkdirSync(join(root, 'layers', 'warm-up'), { recursive: true });
}

function monitorBuilt(): boolean {
  try {
    return monitorBinary() !== '';
  } catch (e) {
    if (isEngineError(e) && e.code === 'RUNTIME_FAILED') return false;
    throw e;
  }
}

async function inEngine<T>(options: EngineOptions, fn: (e: Engine) => Promise<T>): Promise<T> {
  const engine = await Engine.open(options);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

/** This process's children, from /proc (a zombie counts until node reaps it). */
function childPids(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) out.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}
