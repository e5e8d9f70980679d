/**
 * Pull benchmark, run by hand (never in tests): `npm run build && node dist/bench/pull.bench.js`.
 * In one run: a loopback docker-registry fed with the shared fixtures and the big bench image
 * (bench/fixtures/make-big-image.sh: 6 gzip layers, ~90 MB, ~30k files); then, for tsengine and for podman
 * (each with its own throw-away root), cold pulls (empty store) and warm pulls (everything stored), timed
 * as whole commands with /usr/bin/time, which also gives the peak RSS. Prints a markdown table.
 * Env: BENCH_RUNS (default 3; the median is reported), TSENGINE_FIXTURES, BENCH_CACHE.
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistryFixture } from '../test/helpers/registry-fixture.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
/** The launcher users run (the CLI from its start-up snapshot). */
const cli = join(repo, 'dist', 'cmd', 'tsengine');
const runs = Number(process.env['BENCH_RUNS'] ?? 3);

interface Sample {
  seconds: number;
  rssMiB: number;
}

async function timed(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Sample> {
  const r = await execa('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { reject: false, env, all: true });
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.exitCode}):\n${r.all}`);
  const last = r.stderr.trim().split('\n').at(-1)!.split(' ');
  return { seconds: Number(last[0]), rssMiB: Number(last[1]) / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Engine {
  name: string;
  pull(root: string, ref: string): Promise<Sample>;
}

const tsengine: Engine = {
  name: 'tsengine',
  pull: (root, ref) => timed(cli, ['--root', join(root, 'root'), '--runroot', join(root, 'run'), 'pull', '-q', ref], {
    CONTAINERS_REGISTRIES_CONF: '/dev/null',
  }),
};

const podman: Engine = {
  name: 'podman',
  pull: (root, ref) =>
    timed('podman', ['--root', join(root, 'root'), '--runroot', join(root, 'run'), '--storage-driver', 'overlay', 'pull', '-q', '--tls-verify=false', ref], {
      CONTAINERS_REGISTRIES_CONF: '/dev/null',
    }),
};

async function cleanRoot(engine: Engine, dir: string): Promise<void> {
  if (engine.name === 'podman') {
    // podman leaves overlay mounts and layer state under its root; let it remove its own store first.
    await execa('podman', ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), 'system', 'reset', '-f'], { reject: false });
  }
  rmSync(dir, { recursive: true, force: true });
}

async function measure(engine: Engine, ref: string): Promise<{ cold: Sample; warm: Sample }> {
  const cold: Sample[] = [];
  const warm: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), `bench-${engine.name}-`));
    try {
      cold.push(await engine.pull(dir, ref));
      warm.push(await engine.pull(dir, ref));
    } finally {
      await cleanRoot(engine, dir);
    }
  }
  const pick = (xs: Sample[]): Sample => ({ seconds: median(xs.map((x) => x.seconds)), rssMiB: Math.max(...xs.map((x) => x.rssMiB)) });
  return { cold: pick(cold), warm: pick(warm) };
}

async function main(): Promise<void> {
  const fixture = await startRegistryFixture();
  try {
    const { images, host } = fixture.info;
    const big = `${host}/bench/big:1`;
    await execa('bash', [join(repo, 'bench', 'fixtures', 'make-big-image.sh'), big], { stdio: 'inherit' });
    const refs: [string, string][] = [
      ['busybox (1 layer, 0.9 MB)', images.busyboxAmd64.ref],
      ['alpine (1 layer, 3.5 MB)', images.alpine.ref],
      ['big (6 layers, ~90 MB, ~30k files)', big],
    ];
    const rows: string[] = [];
    for (const [label, ref] of refs) {
      const t = await measure(tsengine, ref);
      const p = await measure(podman, ref);
      const ratio = (t.cold.seconds / p.cold.seconds).toFixed(2);
      rows.push(
        `| ${label} | ${t.cold.seconds.toFixed(2)} s / ${t.cold.rssMiB.toFixed(0)} MiB | ${p.cold.seconds.toFixed(2)} s / ${p.cold.rssMiB.toFixed(0)} MiB | ${ratio}× ` +
          `| ${t.warm.seconds.toFixed(2)} s | ${p.warm.seconds.toFixed(2)} s |`,
      );
    }
    process.stdout.write(
      `\nMedian of ${runs} runs; peak RSS is the max over runs.\n\n` +
        '| image | tsengine cold (time / peak RSS) | podman cold | tsengine/podman | tsengine warm | podman warm |\n' +
        '|---|---|---|---|---|---|\n' +
        `${rows.join('\n')}\n`,
    );
  } finally {
    await fixture[Symbol.asyncDispose]();
  }
}

await main();
