// Resource flags (issue 7) through the built CLI, on every runtime: limits read back from the host's cgroup
// files of the container's process and from inside (ulimit, /dev/shm), a real OOM kill seen by inspect, the
// one-line errors for bad values, and rootless on cgroup v1 (podman's warning, the container still runs).
import { execa } from 'execa';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LimitFile, limitFilePath, parseCgroupMounts, parseProcCgroup } from '../../engine/runtime/conformance/cgroups.ts';
import { useAlpineStore } from '../helpers/alpine-store.ts';
import { rootlessUsers, runAs } from '../helpers/rootless-users.ts';
import { runCli } from '../helpers/run-cli.ts';

const s = useAlpineStore('e2e-flags-resources');

const RUNTIMES = ['crun', 'runc', 'runsc'] as const;
const installed = await Promise.all(RUNTIMES.map(async (r) => (await execa('which', [r], { reject: false })).exitCode === 0));

/** The value of a v1 cgroup file of the process `pid`, read on the host. */
function cgroupValue(pid: number, controller: string, file: string): string {
  const f: LimitFile = { controller, v1: file, v2: file };
  const where = limitFilePath(f, parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8')), parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8')));
  if ('missing' in where) throw new Error(`no ${controller} cgroup file ${file}: ${where.missing}`);
  return readFileSync(where.path, 'utf8').trim();
}

async function logsUntil(id: string, lines: number): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const out = (await runCli([...s.g, 'logs', id], { expectCode: 0 })).stdout;
    if (out.split('\n').length > lines) return out;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`container ${id} printed fewer than ${lines} lines`);
}

describe.each(RUNTIMES.map((r, i) => [r, installed[i]] as const))('runtime %s', (runtime, present) => {
  it.skipIf(!present)(`memory, swap, cpus, cpu-shares, pids, ulimit and shm-size apply (skipped only if ${runtime} is not installed)`, async () => {
    const id = (
      await runCli(
        [...s.g, 'run', '-d', '--runtime', runtime, '-m', '64m', '--memory-swap', '96m', '--cpus', '1.5', '--cpu-shares', '512', '--pids-limit', '99',
          '--ulimit', 'nofile=321:654', '--shm-size', '32m', s.alpine, 'sh', '-c', 'ulimit -Sn; ulimit -Hn; df -k /dev/shm | tail -1; sleep 1000'],
        { expectCode: 0 },
      )
    ).stdout.trim();
    const out = await logsUntil(id, 3);
    const [soft, hard, shm] = out.split('\n');
    expect([soft, hard]).toEqual(['321', '654']);
    expect(shm).toMatch(/^\S+\s+32768\s/); // 1K-blocks of /dev/shm
    // The host's view: the cgroup of the container's process (for runsc, its sandbox).
    const pid = Number((await runCli([...s.g, 'inspect', '-f', '{{.State.Pid}}', id], { expectCode: 0 })).stdout.trim());
    expect(pid).toBeGreaterThan(0);
    expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toContain(`/tsengine/${id}`);
    expect(cgroupValue(pid, 'memory', 'memory.limit_in_bytes')).toBe(String(64 * 2 ** 20));
    expect(cgroupValue(pid, 'memory', 'memory.memsw.limit_in_bytes')).toBe(String(96 * 2 ** 20));
    expect(cgroupValue(pid, 'cpu', 'cpu.cfs_quota_us')).toBe('150000');
    expect(cgroupValue(pid, 'cpu', 'cpu.cfs_period_us')).toBe('100000');
    expect(cgroupValue(pid, 'cpu', 'cpu.shares')).toBe('512');
    expect(cgroupValue(pid, 'pids', 'pids.max')).toBe('99');
    // Killed by us, not by the OOM killer.
    await runCli([...s.g, 'kill', '-s', 'KILL', id], { expectCode: 0 });
    expect((await runCli([...s.g, 'wait', id], { expectCode: 0 })).stdout).toBe('137\n');
    expect((await runCli([...s.g, 'inspect', '-f', '{{.State.OOMKilled}}', id], { expectCode: 0 })).stdout).toBe('false\n');
    await runCli([...s.g, 'rm', id], { expectCode: 0 });
  });

  it.skipIf(!present)('--ulimit TYPE=unlimited where the host allows it, and --ulimit host', async () => {
    const host = readFileSync('/proc/self/limits', 'utf8');
    const coreHard = /^Max core file size\s+\S+\s+(\S+)/m.exec(host)![1];
    expect(coreHard, 'this test needs an unlimited hard core limit (the default)').toBe('unlimited');
    const un = await runCli([...s.g, 'run', '--rm', '--runtime', runtime, '--ulimit', 'core=-1', '--ulimit', 'stack=unlimited', s.alpine, 'sh', '-c', 'ulimit -Sc; ulimit -Hc; ulimit -Hs'], { expectCode: 0 });
    expect(un.stdout).toBe('unlimited\nunlimited\nunlimited\n');
    const nofile = /^Max open files\s+(\d+)\s+(\d+)/m.exec(host)!;
    const h = await runCli([...s.g, 'run', '--rm', '--runtime', runtime, '--ulimit', 'host', s.alpine, 'sh', '-c', 'ulimit -Sn; ulimit -Hn; ulimit -Sc'], { expectCode: 0 });
    expect(h.stdout).toBe(`${nofile[1]}\n${nofile[2]}\n0\n`);
  });

  it.skipIf(!present)('defaults: pids limit 2048; --pids-limit -1 lifts it', async () => {
    for (const [flags, want] of [[[], '2048'], [['--pids-limit', '-1'], 'max']] as const) {
      const id = (await runCli([...s.g, 'run', '-d', '--runtime', runtime, ...flags, s.alpine, 'sleep', '1000'], { expectCode: 0 })).stdout.trim();
      const pid = Number((await runCli([...s.g, 'inspect', '-f', '{{.State.Pid}}', id], { expectCode: 0 })).stdout.trim());
      expect(cgroupValue(pid, 'pids', 'pids.max'), flags.join(' ')).toBe(want);
      await runCli([...s.g, 'rm', '-f', id], { expectCode: 0 });
    }
  });

  it.skipIf(!present)('an OOM kill: exit 137 and inspect says OOMKilled', async () => {
    // runsc's sandbox itself needs memory (with 10m it is killed before the container starts): 128m for all.
    const name = `oom-${runtime}`;
    await runCli([...s.g, 'run', '--name', name, '--runtime', runtime, '--memory', '128m', '--memory-swap', '128m', s.alpine, 'tail', '/dev/zero'], { expectCode: 137 });
    const f = await runCli([...s.g, 'inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', name], { expectCode: 0 });
    expect(f.stdout).toBe('true 137\n');
    await runCli([...s.g, 'rm', name], { expectCode: 0 });
  });
});

describe('bad values: one line, exit 125, nothing created', () => {
  const cases: [string[], RegExp][] = [
    [['--ulimit', 'nofile=100:999999999'], /^Error: --ulimit nofile=100:999999999: the hard limit is above the current hard limit \d+ for nofile, and raising it needs CAP_SYS_RESOURCE/],
    [['--ulimit', 'nofile=200:100'], /soft limit 200 is above the hard limit 100/],
    [['--ulimit', 'bogus=1'], /unknown type "bogus"/],
    [['--memory', '1k'], /minimum memory limit is 6MB/],
    [['--memory', 'lots'], /invalid --memory "lots"/],
    [['--memory-swap', '64m'], /--memory-swap needs --memory/],
    [['--memory', '64m', '--memory-swap', '32m'], /must be at least --memory/],
    [['--cpus', 'x'], /invalid --cpus/],
  ];
  it.each(cases)('%j', async (flags, message) => {
    const r = await runCli([...s.g, 'create', ...flags, s.alpine, 'true'], { expectCode: 125 });
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^Error: /);
    expect((await runCli([...s.g, 'ps', '-a', '-q'], { expectCode: 0 })).stdout).toBe('');
  });
});

describe('rootless on cgroup v1', () => {
  let dataHome: string | undefined;
  afterAll(() => {
    if (dataHome) rmSync(dataHome, { recursive: true, force: true });
  });

  it('a limit flag: podman 4.3.1\'s warning, and the container runs without the limit (ulimit still applies)', async () => {
    const users = await rootlessUsers();
    dataHome = mkdtempSync(join(tmpdir(), 'tse-rootless-limits-'));
    chownSync(dataHome, users.full.uid, users.full.gid);
    const env = { XDG_DATA_HOME: dataHome };
    const r = await runAs(users.full, ['run', '--rm', '-q', '--network', 'none', '--memory', '64m', '--ulimit', 'nofile=100:200', s.alpine, 'sh', '-c', 'ulimit -n'], { expectCode: 0, env });
    expect(r.stderr).toBe('Resource limits are not supported and ignored on cgroups V1 rootless systems\n');
    expect(r.stdout).toBe('100\n');
  });
});
