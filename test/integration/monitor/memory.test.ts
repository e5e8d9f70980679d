// What one more running container costs in monitor memory (DESIGN.md §3: Pss summed over 10 monitors,
// not the RSS of one), and how long a monitor takes from spawn to `started`. conmon, the yardstick, takes
// about 1.2 MiB Pss per container. The numbers are printed; the assertions are loose guards (2 MiB) against
// the footprint growing, e.g. a buffer that grows with the container's output. No timing assertions.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LaunchSpec } from '../../../monitor/protocol.ts';
import { assertMonitorBuilt, killLeftovers, launchMonitor, waitFor, type LaunchedMonitor } from './monitor-process.ts';

const N = 10;
const SETTLE_MS = 1_500;
const MiB = 1024;

interface Pss {
  pss: number;
  anon: number;
  file: number;
}

/** kB from /proc/PID/smaps_rollup. */
function pssOf(pid: number): Pss {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { pss: field('Pss'), anon: field('Pss_Anon'), file: field('Pss_File') };
}

function perProcess(pids: number[]): Pss {
  const all = pids.map(pssOf);
  const avg = (k: keyof Pss) => all.reduce((n, p) => n + p[k], 0) / all.length;
  return { pss: avg('pss'), anon: avg('anon'), file: avg('file') };
}

const mib = (kb: number) => (kb / MiB).toFixed(2);

let dir: string;

beforeAll(() => assertMonitorBuilt());

afterEach(async () => {
  const left = await killLeftovers();
  rmSync(dir, { recursive: true, force: true });
  expect(left, 'processes left running by the test').toEqual([]);
});

/** Launches N monitors whose "container" runs `script` (after writing its pid file), one after the other. */
async function launchMonitors(label: string, script: string): Promise<{ monitors: LaunchedMonitor[]; startup: number[]; containers: number[] }> {
  const monitors: LaunchedMonitor[] = [];
  const startup: number[] = [];
  const containers: number[] = [];
  for (let i = 0; i < N; i++) {
    const d = join(dir, `${label}-${i}`);
    mkdirSync(d);
    const spec: LaunchSpec = {
      v: 1,
      containerId: `${label}${i}`,
      argv: ['/bin/sh', '-c', `echo $$ > "$1"; ${script}`, 'sh', join(d, 'pidfile')],
      logPath: join(d, 'ctr.log'),
      exitFile: join(d, 'exit.json'),
      pidFile: join(d, 'pidfile'),
      stdin: false,
    };
    const t0 = performance.now();
    const m = launchMonitor(spec);
    const started = await m.next('started');
    startup.push(performance.now() - t0);
    monitors.push(m);
    containers.push(started.pid);
  }
  return { monitors, startup, containers };
}

async function stopAll(monitors: LaunchedMonitor[], containers: number[]): Promise<void> {
  for (const pid of containers) process.kill(pid, 'SIGKILL');
  for (const m of monitors) expect((await m.next('exited')).record.exitCode).toBe(137);
  await Promise.all(monitors.map((m) => m.exit));
}

describe('monitor footprint', () => {
  it(`Pss over ${N} monitors, quiet and chatty containers, against conmon's 1.2 MiB`, async () => {
    dir = mkdtempSync(join(tmpdir(), 'tse-monitor-memory-'));

    const quiet = await launchMonitors('quiet', 'exec sleep 1000');
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const monitor = perProcess(quiet.monitors.map((m) => m.pid));
    await stopAll(quiet.monitors, quiet.containers);

    // The same after each container wrote 20000 lines and one line of 100 KiB (a few thousand reads).
    const lines = 20_000;
    const chatty = await launchMonitors(
      'chatty',
      `i=0; while [ $i -lt ${lines} ]; do echo "line $i"; i=$((i+1)); done; head -c 102400 /dev/zero | tr '\\0' x; echo; echo done; exec sleep 1000`,
    );
    for (const [i, m] of chatty.monitors.entries()) {
      const log = join(dir, `chatty-${i}`, 'ctr.log');
      await waitFor(`the output in ${log}`, () => (readFileSync(log, 'utf8').includes(' stdout F done\n') ? true : undefined));
      expect(m.events.map((e) => e.type)).toEqual(['started']);
    }
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const afterOutput = perProcess(chatty.monitors.map((m) => m.pid));
    await stopAll(chatty.monitors, chatty.containers);

    const startup = quiet.startup.sort((a, b) => a - b);
    console.log(
      [
        `monitor (quiet container) Pss per process over ${N}: ${mib(monitor.pss)} MiB (anon ${mib(monitor.anon)}, file ${mib(monitor.file)})`,
        `monitor after ${lines} lines and a 100 KiB line of output: ${mib(afterOutput.pss)} MiB (anon ${mib(afterOutput.anon)}, file ${mib(afterOutput.file)})`,
        `conmon for comparison: about 1.2 MiB Pss per container (DESIGN.md §3)`,
        `spawn → started (sh writes the pid file): min ${startup[0]!.toFixed(1)} ms, median ${startup[N >> 1]!.toFixed(1)} ms, max ${startup[N - 1]!.toFixed(1)} ms`,
      ].join('\n'),
    );
    expect(monitor.pss).toBeLessThan(2 * MiB);
    expect(afterOutput.pss).toBeLessThan(2 * MiB);
  });
});
