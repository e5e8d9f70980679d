/**
 * Rootless benchmark (issue 6), run by hand as root (never in tests): `npm run build && node dist/bench/rootless.bench.js`.
 * `run --rm alpine true`, median of BENCH_RUNS, for: tsengine as root; tsengine as the test user tsetest
 * (made by test/helpers/rootless-users.ts) with its default network (slirp4netns) and with --network none;
 * podman rootless for the same user, the same two ways. Each tool pulls alpine from a docker-registry on
 * 127.0.0.1 fed by the shared fixture into stores of its own under a temp dir. /dev/net/tun is made 0666
 * for the run (slirp4netns needs it; it is 0600 on this VM) and put back after. Prints a markdown table.
 */
import { execa } from 'execa';
import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistryFixture } from '../test/helpers/registry-fixture.ts';
import { openDevice, rootlessUsers, type TestUser } from '../test/helpers/rootless-users.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(repo, 'dist', 'cmd', 'tsengine');
const runs = Number(process.env['BENCH_RUNS'] ?? 7);
const PATH = process.env['PATH'] ?? '/usr/bin:/bin';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A command as `user` (setpriv, the user's groups), or as root when `user` is undefined. */
function asUser(user: TestUser | undefined, env: Record<string, string>, cmd: string, args: readonly string[]): [string, string[], Record<string, string>] {
  const base = { PATH, CONTAINERS_REGISTRIES_CONF: '/dev/null', ...env };
  if (user === undefined) return [cmd, [...args], base];
  return ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', cmd, ...args], { ...base, HOME: user.home, USER: user.name, XDG_RUNTIME_DIR: user.runtimeDir }];
}

async function run(c: [string, string[], Record<string, string>]): Promise<void> {
  const r = await execa(c[0], c[1], { env: c[2], extendEnv: false, reject: false, cwd: '/' });
  if (r.exitCode !== 0) throw new Error(`${c[1].join(' ')}: exit ${r.exitCode}\n${r.stderr}`);
}

async function time(c: [string, string[], Record<string, string>]): Promise<number> {
  await run(c); // warm-up
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run(c);
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

async function main(): Promise<void> {
  const fixture = await startRegistryFixture();
  const { full: user } = await rootlessUsers();
  const restoreTun = openDevice('/dev/net/tun');
  const dir = mkdtempSync(join(tmpdir(), 'bench-rootless-'));
  const own = (d: string) => {
    mkdirSync(d, { recursive: true });
    chownSync(d, user.uid, user.gid);
    return d;
  };
  own(dir);
  const alpine = fixture.info.images.alpine.ref;
  const ts = (u: TestUser | undefined, ...args: string[]) =>
    asUser(u, u ? { XDG_DATA_HOME: own(join(dir, 'ts-data')) } : {}, cli, u ? args : ['--root', join(dir, 'ts-root'), '--runroot', join(dir, 'ts-run'), ...args]);
  const pmRoots = ['--root', own(join(dir, 'pm-root')), '--runroot', own(join(dir, 'pm-run')), '--tmpdir', own(join(dir, 'pm-tmp'))];
  const pm = (...args: string[]) => asUser(user, {}, 'podman', [...pmRoots, ...args]);
  try {
    await run(ts(undefined, 'pull', '-q', alpine));
    await run(ts(user, 'pull', '-q', alpine));
    await run(pm('pull', '-q', '--tls-verify=false', alpine));
    const rows = [
      ['tsengine as root (private network)', await time(ts(undefined, 'run', '--rm', alpine, 'true'))],
      ['tsengine rootless, slirp4netns (default)', await time(ts(user, 'run', '--rm', alpine, 'true'))],
      ['tsengine rootless, --network none', await time(ts(user, 'run', '--rm', '--network', 'none', alpine, 'true'))],
      ['podman rootless, slirp4netns (default)', await time(pm('run', '--rm', alpine, 'true'))],
      ['podman rootless, --network none', await time(pm('run', '--rm', '--network', 'none', alpine, 'true'))],
    ] as const;
    process.stdout.write(`\n\`run --rm alpine true\`, median of ${runs} runs (user ${user.name}).\n\n| case | time |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${v.toFixed(0)} ms |`).join('\n')}\n`);
  } finally {
    const [c, a, env] = pm('system', 'reset', '-f');
    await execa(c, a, { env, extendEnv: false, reject: false, cwd: '/' });
    await execa(cli, ['--root', join(dir, 'ts-root'), '--runroot', join(dir, 'ts-run'), 'rm', '-a', '-f'], { reject: false });
    rmSync(dir, { recursive: true, force: true });
    restoreTun();
    await fixture.stop();
  }
}

await main();
