/**
 * Container benchmark, run by hand (never in tests): `npm run build && node dist/bench/run.bench.js`.
 * In one run, tsengine vs podman (own --root/--runroot/--tmpdir; podman with --network none, which like
 * our default gives the container a network namespace with loopback only):
 *   - `run --rm alpine true` per runtime (crun, runc, runsc), median of BENCH_RUNS (default 11);
 *   - one create + start + wait + rm cycle (crun), median of BENCH_RUNS, with each verb's median too;
 *   - 10 `run --rm` at once (crun): wall time and how many succeeded;
 *   - monitor memory: Pss summed over the monitors of 10 running `sleep` containers, divided by 10
 *     (podman: conmon).
 * tsengine and podman take turns (one run each, the order flipping every run): this VM's speed drifts by
 * ±20% over minutes, and runs of one tool after the other's measured the drift as much as the tools.
 * Prints a markdown table.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistryFixture } from '../test/helpers/registry-fixture.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
/** The launcher users run (the CLI from its start-up snapshot). */
const cli = join(repo, 'dist', 'cmd', 'tsengine');
const runs = Number(process.env['BENCH_RUNS'] ?? 11);
const env = { CONTAINERS_REGISTRIES_CONF: '/dev/null', PATH: process.env['PATH'] ?? '/usr/bin:/bin' };

interface Tool {
  name: string;
  argv(...args: string[]): [string, string[]];
  monitorPids(): Promise<number[]>;
}

function tools(dir: string): Tool[] {
  const ts: Tool = {
    name: 'tsengine',
    argv: (...args) => [cli, ['--root', join(dir, 'ts-root'), '--runroot', join(dir, 'ts-run'), ...args]],
    // The engine spawns monitors as `tsengine-monitor <id12>` (argv0: monitor/protocol.ts monitorTitle()).
    monitorPids: async () => pidsOf((cmd) => cmd.startsWith('tsengine-monitor ')),
  };
  const podman: Tool = {
    name: 'podman',
    argv: (...args) => [
      'podman',
      ['--root', join(dir, 'pm-root'), '--runroot', join(dir, 'pm-run'), '--tmpdir', join(dir, 'pm-tmp'), '--storage-driver', 'overlay', ...args],
    ],
    monitorPids: async () => pidsOf((cmd) => cmd.startsWith('/usr/bin/conmon') && cmd.includes(join(dir, 'pm-'))),
  };
  return [ts, podman];
}

function pidsOf(match: (cmdline: string) => boolean): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (match(cmd)) out.push(Number(p));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; // exited meanwhile
    }
  }
  return out;
}

function pssKiB(pid: number): number {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? 0);
}

async function sh(tool: Tool, ...args: string[]) {
  const [cmd, a] = tool.argv(...args);
  const r = await execa(cmd, a, { env, reject: false });
  if (r.exitCode !== 0) throw new Error(`${cmd} ${a.join(' ')}: exit ${r.exitCode}\n${r.stderr}`);
  return r;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const fixture = await startRegistryFixture();
  const dir = mkdtempSync(join(tmpdir(), 'bench-run-'));
  const rows: string[] = [];
  try {
    const alpine = fixture.info.images.alpine.ref;
    const [ts, pm] = tools(dir) as [Tool, Tool];
    await sh(ts, 'pull', '-q', alpine);
    await sh(pm, 'pull', '-q', '--tls-verify=false', alpine);
    // podman's default RLIMIT_NOFILE (1048576) is above this machine's hard limit (20000) and fails with EPERM:
    // explicit limits below it (as this machine kind's containers.conf default_ulimits) let it run.
    const runFlags = (tool: Tool) => (tool === pm ? ['--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'] : []);
    /** Each run measures every tool once, in an order that flips every run. */
    const turns = async (measure: (tool: Tool) => Promise<void>) => {
      for (let i = 0; i < runs; i++) for (const tool of i % 2 === 0 ? [ts, pm] : [pm, ts]) await measure(tool);
    };
    for (const runtime of ['crun', 'runc', 'runsc']) {
      const argsOf = (tool: Tool) => (tool === pm ? ['--runtime', runtime, ...(runtime === 'runsc' ? ['--runtime-flag', 'network=none'] : [])] : ['--runtime', runtime]);
      const times = new Map<Tool, number[]>([[ts, []], [pm, []]]);
      for (const tool of [ts, pm]) await sh(tool, ...argsOf(tool), 'run', '--rm', ...runFlags(tool), alpine, 'true'); // warm-up
      await turns(async (tool) => {
        times.get(tool)!.push(await timed(() => sh(tool, ...argsOf(tool), 'run', '--rm', ...runFlags(tool), alpine, 'true')));
      });
      const [a, b] = [median(times.get(ts)!), median(times.get(pm)!)];
      rows.push(`| run --rm alpine true (${runtime}) | ${a.toFixed(0)} ms | ${b.toFixed(0)} ms | ${(a / b).toFixed(2)}× |`);
    }
    const verbs = ['create', 'start', 'wait', 'rm', 'cycle'] as const;
    const cycle = new Map<Tool, Record<(typeof verbs)[number], number[]>>([ts, pm].map((t) => [t, { create: [], start: [], wait: [], rm: [], cycle: [] }]));
    await turns(async (tool) => {
      const c = cycle.get(tool)!;
      let id = '';
      const t0 = performance.now();
      c.create.push(await timed(async () => (id = (await sh(tool, 'create', ...runFlags(tool), alpine, 'true')).stdout.trim())));
      c.start.push(await timed(() => sh(tool, 'start', id)));
      c.wait.push(await timed(() => sh(tool, 'wait', id)));
      c.rm.push(await timed(() => sh(tool, 'rm', id)));
      c.cycle.push(performance.now() - t0);
    });
    const [cts, cpm] = [cycle.get(ts)!, cycle.get(pm)!];
    rows.push(`| create+start+wait+rm (crun) | ${median(cts.cycle).toFixed(0)} ms | ${median(cpm.cycle).toFixed(0)} ms | ${(median(cts.cycle) / median(cpm.cycle)).toFixed(2)}× |`);
    for (const v of verbs.slice(0, 4)) rows.push(`| … ${v} | ${median(cts[v]).toFixed(0)} ms | ${median(cpm[v]).toFixed(0)} ms | |`);
    const par: string[] = [];
    for (const tool of [ts, pm]) {
      let ok = 0;
      const ms = await timed(() =>
        Promise.all(
          Array.from({ length: 10 }, async () => {
            const [cmd, a] = tool.argv('run', '--rm', ...runFlags(tool), alpine, 'true');
            if ((await execa(cmd, a, { env, reject: false })).exitCode === 0) ok++;
          }),
        ),
      );
      par.push(`${ms.toFixed(0)} ms, ${ok}/10 ok`);
    }
    rows.push(`| 10 × run --rm at once (crun) | ${par[0]} | ${par[1]} | |`);
    const mem: number[] = [];
    for (const tool of [ts, pm]) {
      for (let i = 0; i < 10; i++) await sh(tool, 'run', '-d', ...runFlags(tool), alpine, 'sleep', '300');
      await new Promise((r) => setTimeout(r, 1000));
      const pids = await tool.monitorPids();
      mem.push(pids.reduce((a, p) => a + pssKiB(p), 0) / 10 / 1024);
      await sh(tool, 'rm', '-f', '-a');
    }
    rows.push(`| monitor Pss per container (10 running) | ${mem[0]!.toFixed(2)} MiB | ${mem[1]!.toFixed(2)} MiB (conmon) | |`);
    process.stdout.write(`\nMedian of ${runs} runs.\n\n| case | tsengine | podman | ratio |\n|---|---|---|---|\n${rows.join('\n')}\n`);
  } finally {
    await execa('podman', ['--root', join(dir, 'pm-root'), '--runroot', join(dir, 'pm-run'), 'rm', '-a', '-f'], { reject: false });
    await execa('podman', ['--root', join(dir, 'pm-root'), '--runroot', join(dir, 'pm-run'), 'system', 'reset', '-f'], { reject: false });
    await execa(cli, ['--root', join(dir, 'ts-root'), '--runroot', join(dir, 'ts-run'), 'rm', '-a', '-f'], { reject: false });
    rmSync(dir, { recursive: true, force: true });
    await fixture.stop();
  }
}

await main();
