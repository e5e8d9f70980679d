// The monitor under real runtimes: an Alpine minirootfs bundle (config.json from `runc spec`, no terminal,
// read-only root) run by runc, crun and runsc (`--network=none`: runsc in the host's network namespace
// needs it, DESIGN.md §4), each with its own --root state dir under the test's temp dir, deleted after.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LaunchSpec, MonitorEvent } from '../../../monitor/protocol.ts';
import { readLog } from './cri-log.ts';
import { assertMonitorBuilt, killLeftovers, launchMonitor } from './monitor-process.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = resolve(process.env['TSENGINE_FIXTURES'] ?? join(REPO, '../shared/fixtures'));
const ALPINE = join(FIXTURES, 'rootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz');

let dir: string;

beforeAll(() => assertMonitorBuilt());

beforeEach((ctx) => {
  dir = mkdtempSync(join(tmpdir(), `tse-monitor-rt-${ctx.task.name.replace(/[^a-zA-Z0-9]+/g, '-').slice(0, 30)}-`));
});

afterEach(async () => {
  const left = await killLeftovers();
  rmSync(dir, { recursive: true, force: true });
  expect(left, 'processes left running by the test').toEqual([]);
});

const types = (events: MonitorEvent[]) => events.map((e) => e.type);

interface RuntimeCase {
  readonly name: string;
  readonly bin: string;
  /** Global flags for every call (runsc in the host's network namespace needs --network=none). */
  readonly globalArgs: readonly string[];
}

const RUNTIMES: RuntimeCase[] = [
  { name: 'runc', bin: '/usr/sbin/runc', globalArgs: [] },
  { name: 'crun', bin: '/usr/bin/crun', globalArgs: [] },
  { name: 'runsc', bin: '/usr/bin/runsc', globalArgs: ['--network=none'] },
];

describe.each(RUNTIMES)('monitor running $name', (rt) => {
  const missing = !existsSync(rt.bin);
  let rootfs: string;
  let rootfsDir: string;
  let ids: string[] = [];

  beforeAll(() => {
    if (missing) return;
    rootfsDir = mkdtempSync(join(tmpdir(), `tse-monitor-rootfs-${rt.name}-`));
    rootfs = join(rootfsDir, 'rootfs');
    mkdirSync(rootfs);
    run('tar', ['-xzf', ALPINE, '-C', rootfs]);
  });

  afterAll(() => {
    if (rootfsDir) rmSync(rootfsDir, { recursive: true, force: true });
  });

  afterEach(() => {
    const state = join(dir, 'state');
    try {
      for (const id of ids) spawnSync(rt.bin, [...rt.globalArgs, '--root', state, 'delete', '--force', id], { stdio: 'ignore' });
      if (existsSync(state)) {
        const list = run(rt.bin, [...rt.globalArgs, '--root', state, 'list', '--quiet']);
        expect(list.trim(), `containers left in ${state}`).toBe('');
      }
    } finally {
      ids = [];
      rmSync(dir, { recursive: true, force: true }); // also when the check above failed
    }
  });

  /** A bundle whose config.json comes from `runc spec`, running `args` without a terminal, read-only root. */
  function bundleSpec(args: string[]): LaunchSpec {
    const id = `tse-mon-${rt.name}-${process.pid}-${ids.length}-${Date.now().toString(36)}`;
    ids.push(id);
    const bundle = join(dir, 'bundle');
    mkdirSync(bundle);
    run('runc', ['spec', '--bundle', bundle]);
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    config.process.terminal = false;
    config.process.args = args;
    config.root = { path: rootfs, readonly: true };
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
    const pidFile = join(dir, 'pidfile');
    const runtimeLog = join(dir, 'runtime.log');
    return {
      v: 1,
      containerId: id,
      argv: [rt.bin, ...rt.globalArgs, '--root', join(dir, 'state'), '--log', runtimeLog, '--log-format', 'json', 'run', '--bundle', bundle, '--pid-file', pidFile, id],
      logPath: join(dir, 'ctr.log'),
      exitFile: join(dir, 'exit.json'),
      pidFile,
      runtimeLogPath: runtimeLog,
      stdin: false,
    };
  }

  it.skipIf(missing)(`sh -c 'echo hi; exit 7': the log has hi, exit code 7`, async () => {
    const spec = bundleSpec(['sh', '-c', 'echo hi; exit 7']);
    const m = launchMonitor(spec);
    const started = await m.next('started', 60_000);
    const { record } = await m.next('exited', 60_000);
    expect(await m.exit).toBe(0);
    expect(types(m.events)).toEqual(['started', 'exited']);
    expect(record).toMatchObject({ exitCode: 7, pid: started.pid });
    expect(record.runtimeError).toBeUndefined();
    expect(readLog(spec.logPath)).toContainEqual({ stream: 'stdout', tag: 'F', text: 'hi' });
  });

  it.skipIf(missing)('sleep 100 killed with `kill ID KILL`: exit code 137', async () => {
    const spec = bundleSpec(['sleep', '100']);
    const m = launchMonitor(spec);
    await m.next('started', 60_000);
    run(rt.bin, [...rt.globalArgs, '--root', join(dir, 'state'), 'kill', spec.containerId, 'KILL']);
    const { record } = await m.next('exited', 60_000);
    expect(record.exitCode).toBe(137);
    expect(record.runtimeError).toBeUndefined();
    expect(await m.exit).toBe(0);
  });

  it.skipIf(missing)('a missing command: the runtime error reaches the exit record', async () => {
    const spec = bundleSpec(['/no/such/command']);
    const m = launchMonitor(spec);
    const { record } = await m.next('exited', 60_000);
    expect(record.exitCode).not.toBe(0);
    expect(record.runtimeError).toMatch(/no\/such\/command/);
    // runc and crun fail before the pid file; runsc writes it first, then fails: then `started` came first.
    expect(types(m.events).at(-2)).toBe(record.pid === undefined ? 'start-failed' : 'started');
    expect(await m.exit).toBe(0);
  });
});

function run(file: string, args: readonly string[]): string {
  const r = spawnSync(file, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}
