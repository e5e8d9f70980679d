// Real OCI bundles for the runtime tests: the Alpine minirootfs extracted once per test file into a temp
// dir (plus a few crafted executables), a config.json from `runc spec` (or `crun spec`), one bundle dir per
// container pointing at that shared read-only rootfs. Every container started is recorded and deleted
// (`RUNTIME --root S delete --force ID`) in cleanup(), then the temp dir is removed.
import { execa, type ResultPromise } from 'execa';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isEngineError } from '../../../engine/errors.ts';
import { isErrno } from '../../../storage/errors.ts';
import { OciCliRuntime } from '../../../engine/runtime/oci-cli.ts';
import { resolveRuntime, type ResolveRuntimeOptions } from '../../../engine/runtime/profiles.ts';
import { runtimeErrorMessages } from '../../../engine/runtime/runtime-log.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURES = resolve(REPO, '../shared/fixtures/rootfs');
export const ALPINE_X86 = join(FIXTURES, 'alpine-minirootfs-3.20.3-x86_64.tar.gz');
export const ALPINE_ARM = join(FIXTURES, 'alpine-minirootfs-3.20.3-aarch64.tar.gz');

export const KNOWN_RUNTIMES = ['runc', 'crun', 'runsc'] as const;

/** The foreground runtime never waits on stdin; a stuck one is ended after 90 s. */
const RUN_OPTIONS = { reject: false, stdin: 'ignore', timeout: 90_000 } as const;

export interface RunResult {
  readonly id: string;
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** msg of every error-level entry of the runtime's JSON log. */
  readonly logErrors: string[];
}

export interface BundleOptions {
  /** Drop the network namespace from the spec (the container shares the host's). */
  readonly hostNetwork?: boolean;
  /** Change the spec (from `runc spec`, terminal off, args set) before it is written. */
  readonly edit?: (spec: Record<string, any>) => void;
}

export interface Started {
  readonly id: string;
  readonly bundle: string;
  readonly pidFile: string;
  readonly logFile: string;
  /** The foreground runtime process (resolves, never rejects). */
  readonly done: ResultPromise<typeof RUN_OPTIONS>;
}

export interface BundleFixture {
  readonly dir: string;
  readonly runRoot: string;
  /** A runtime by name, or the reason it is missing (for the skip message). */
  runtime(name: string, o?: Partial<ResolveRuntimeOptions>): OciCliRuntime | string;
  /** Writes a bundle for `args`. */
  bundle(args: readonly string[], o?: BundleOptions): string;
  /** Runs `args` in the foreground through rt.runArgv and waits for it. */
  run(rt: OciCliRuntime, args: readonly string[], o?: BundleOptions): Promise<RunResult>;
  /** Starts `args` in the foreground without waiting. */
  start(rt: OciCliRuntime, args: readonly string[], o?: BundleOptions): Started;
  cleanup(): Promise<void>;
}

export async function makeBundleFixture(label: string): Promise<BundleFixture> {
  const dir = mkdtempSync(join(tmpdir(), `tse-rt-${label}-`));
  const runRoot = join(dir, 'run');
  const rootfs = join(dir, 'rootfs');
  mkdirSync(rootfs);
  await execa('tar', ['-xzf', ALPINE_X86, '-C', rootfs]);
  // Crafted commands: a chmod 644 script, a script whose interpreter is missing, an aarch64 binary
  // (ENOEXEC on this x86_64 host: no binfmt_misc handler), and an executable that is not a binary.
  writeFileSync(join(rootfs, 'noexec.sh'), '#!/bin/sh\necho hi\n', { mode: 0o644 });
  chmodSync(join(rootfs, 'noexec.sh'), 0o644);
  writeFileSync(join(rootfs, 'badinterp.sh'), '#!/no/such/interp\necho hi\n', { mode: 0o755 });
  writeFileSync(join(rootfs, 'garbage'), 'garbage\n', { mode: 0o755 });
  const arm = join(dir, 'arm');
  mkdirSync(arm);
  await execa('tar', ['-xzf', ALPINE_ARM, '-C', arm, './bin/busybox']);
  copyFileSync(join(arm, 'bin', 'busybox'), join(rootfs, 'armbox'));
  chmodSync(join(rootfs, 'armbox'), 0o755);

  const specDir = join(dir, 'spec');
  mkdirSync(specDir);
  const specTool = (await execa('runc', ['spec', '--bundle', specDir], { reject: false })).exitCode === 0 ? 'runc' : 'crun';
  if (specTool === 'crun') await execa('crun', ['spec'], { cwd: specDir });
  const baseSpec = JSON.parse(readFileSync(join(specDir, 'config.json'), 'utf8')) as {
    process: { terminal: boolean; args: string[] };
    root: { path: string; readonly: boolean };
    linux: { namespaces: { type: string }[] };
  };

  const started: { rt: OciCliRuntime; id: string; done: ResultPromise<typeof RUN_OPTIONS> }[] = [];
  let n = 0;

  const fx: BundleFixture = {
    dir,
    runRoot,
    runtime(name, o = {}) {
      try {
        return new OciCliRuntime(resolveRuntime(name, { runRoot, ...o }));
      } catch (e) {
        if (isEngineError(e) && e.code === 'RUNTIME_NOT_FOUND') return `${name} is not installed: ${e.message}`;
        throw e;
      }
    },
    bundle(args, o = {}) {
      const b = join(dir, 'bundles', String(++n));
      mkdirSync(b, { recursive: true });
      const spec = structuredClone(baseSpec);
      spec.process.terminal = false;
      spec.process.args = [...args];
      spec.root = { path: rootfs, readonly: true };
      if (o.hostNetwork === true) spec.linux.namespaces = spec.linux.namespaces.filter((ns) => ns.type !== 'network');
      o.edit?.(spec);
      writeFileSync(join(b, 'config.json'), JSON.stringify(spec));
      return b;
    },
    start(rt, args, o = {}) {
      const b = fx.bundle(args, o);
      const id = `tse-${rt.profile.name.replace(/[^A-Za-z0-9]/g, '')}-${n}-${process.pid}`;
      const pidFile = join(b, 'pid');
      const logFile = join(b, 'runtime.log');
      const argv = rt.runArgv({ id, bundle: b, pidFile, logFile, hostNetwork: o.hostNetwork === true });
      const done = execa(argv[0]!, argv.slice(1), RUN_OPTIONS);
      started.push({ rt, id, done });
      return { id, bundle: b, pidFile, logFile, done };
    },
    async run(rt, args, o = {}) {
      const { id, logFile, done } = fx.start(rt, args, o);
      const r = await done;
      let log = '';
      try {
        log = readFileSync(logFile, 'utf8');
      } catch (e) {
        // runc writes its log only when it has something to say.
        if (!isErrno(e, 'ENOENT')) throw e;
      }
      return { id, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, logErrors: runtimeErrorMessages(log) };
    },
    async cleanup() {
      const errors: unknown[] = [];
      for (const s of started) {
        try {
          await s.rt.delete(s.id, { force: true });
        } catch (e) {
          errors.push(e);
        }
        // The foreground runtime exits once its container is gone; make sure, by pid, then reap it.
        if (s.done.exitCode === null && s.done.pid !== undefined) s.done.kill('SIGKILL');
        await s.done;
      }
      rmSync(dir, { recursive: true, force: true });
      if (errors.length > 0) throw new AggregateError(errors, 'runtime test cleanup failed');
    },
  };
  return fx;
}
