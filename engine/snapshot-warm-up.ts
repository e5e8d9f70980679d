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
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtimes } from './runtime/runtimes.ts';
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { runChild } from './child.ts';
import { SCHEMA_VERSION } from '../storage/db.ts';
import { Engine } from './engine.ts';
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

/**
 * A better-sqlite3 binding that answers every statement with no rows, and the schema version when asked for
 * it (so no migration runs): what warmUpStore opens its engine with. Build time only.
 */
class NoRowsStatement {
  #pluck = false;
  readonly #source: string;
  constructor(source: string) {
    this.#source = source;
  }
  pluck(on = true): this {
    this.#pluck = on;
    return this;
  }
  run(): { changes: number; lastInsertRowid: number } {
    return { changes: 0, lastInsertRowid: 0 };
  }
  get(): unknown {
    if (!/user_version/i.test(this.#source)) return undefined;
    return this.#pluck ? SCHEMA_VERSION : { user_version: SCHEMA_VERSION };
  }
  all(): unknown[] {
    return [];
  }
}

const NO_ROWS_BINDING = {
  Database: class {
    readonly name: string;
    readonly readonly: boolean;
    readonly memory = false;
    readonly inTransaction = false;
    open = true;
    constructor(filename: string, _given: string, _anonymous: boolean, readonly: boolean) {
      this.name = filename;
      this.readonly = readonly;
    }
    prepare(source: string): NoRowsStatement {
      return new NoRowsStatement(source);
    }
    exec(): void {}
    close(): void {
      this.open = false;
    }
  },
  setErrorConstructor(): void {},
};

/**
 * Snapshot build only: opens an engine on a temp store through NO_ROWS_BINDING (the real SQLite addon cannot
 * be in a snapshot), asks it for a container and an image that do not exist the way each verb does, and
 * closes it. Engine.open, the stores, the sweep and the lookups are then compiled in the snapshot instead of
 * at every call (an open took ~3.5-4.5 ms in the CLI against ~1.2 ms warm). Nothing of it is kept: the engine
 * is dropped, the binding unset, the temp dir removed.
 */
export async function warmUpStore(): Promise<void> {
  // Imported here: the library (engine/index.ts) must not load better-sqlite3 before a store is opened.
  const { withStandInBinding } = await import('../storage/sqlite.snapshot.ts');
  const dir = mkdtempSync(join(tmpdir(), 'tsengine-warm-up-store-'));
  try {
    await withStandInBinding(NO_ROWS_BINDING, async () => {
      const engine = await Engine.open({ root: join(dir, 'root'), runRoot: join(dir, 'run') });
      try {
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
      } finally {
        await engine.close();
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
