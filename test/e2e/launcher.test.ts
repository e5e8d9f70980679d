// The `tsengine` launcher (dist/cmd/tsengine, written by scripts/bundle.mjs): it starts the CLI from its
// start-up snapshot when `node` on PATH is the node that built it, and falls back to the plain entry
// otherwise; the container's cleanup (the monitor's exit command) runs from the snapshot too. Every other
// e2e test goes through the launcher, so these check which path was taken, read back from /proc.
import { execa } from 'execa';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { useAlpineStore } from '../helpers/alpine-store.ts';
import { CLI, isolatedEnv, runCli, spawnCli } from '../helpers/run-cli.ts';

const s = useAlpineStore('e2e-launcher');
const MAIN = fileURLToPath(new URL('../../dist/cmd/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tse-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
/** A process's environment as it was exec'd (unsetenv later does not change /proc/PID/environ). */
const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the tsengine launcher', () => {
  it('runs the CLI from the snapshot, and the container cleanup too', async () => {
    const id = (await runCli([...s.g, 'run', '-d', s.alpine, 'sleep', '30'], { expectCode: 0 })).stdout.trim();
    const waiting = spawnCli([...s.g, 'wait', id]);
    // The launcher execs node: same pid, node's command line.
    const argv = await until('the wait CLI to exec node', () => {
      const a = cmdline(waiting.pid!);
      return a[0]?.endsWith('node') ? a : undefined;
    });
    expect(argv.slice(1, 4)).toEqual(['--snapshot-blob', join(CLI, '..', 'tsengine.blob'), MAIN]);
    expect(argv.slice(4)).toEqual([...s.g, 'wait', id]);
    await runCli([...s.g, 'kill', id], { expectCode: 0 });
    expect((await waiting).stdout).toBe('137\n');
    // The monitor's exit command (engine.ts cleanupCommand) ran: the rootfs is unmounted.
    await until('the rootfs to be unmounted', () => (readFileSync('/proc/self/mountinfo', 'utf8').includes(id) ? undefined : true));
    await runCli([...s.g, 'rm', id], { expectCode: 0 });
  });

  // The launcher gives node glibc's huge-page malloc tunables unless the caller set GLIBC_TUNABLES; the
  // CLI drops them before spawning, so the monitor (and what it runs) gets the caller's environment.
  it.each([
    ['the launcher', {}, (env: string[]) => env.some((v) => v.startsWith('GLIBC_TUNABLES=glibc.malloc.hugetlb=1')) && env.includes('TSENGINE_GLIBC_TUNABLES=1'), []],
    ['the caller', { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, (env: string[]) => env.includes('GLIBC_TUNABLES=glibc.malloc.arena_max=2') && !env.some((v) => v.startsWith('TSENGINE_GLIBC_TUNABLES=')), ['GLIBC_TUNABLES=glibc.malloc.arena_max=2']],
  ])("node runs with %s's GLIBC_TUNABLES; the monitor inherits only the caller's", async (_who, env, nodeHas, monitorTunables) => {
    const id = (await runCli([...s.g, 'run', '-d', s.alpine, 'sleep', '30'], { expectCode: 0, env })).stdout.trim();
    const waiting = spawnCli([...s.g, 'wait', id], env);
    const nodeEnv = await until('the wait CLI to exec node', () => (cmdline(waiting.pid!)[0]?.endsWith('node') ? environ(waiting.pid!) : undefined));
    expect(nodeHas(nodeEnv)).toBe(true);
    const monitor = Number((await runCli([...s.g, 'inspect', '-f', '{{.State.ConmonPid}}', id], { expectCode: 0 })).stdout);
    expect(cmdline(monitor)[0]).not.toMatch(/node$/);
    expect(environ(monitor).filter((v) => /^(TSENGINE_)?GLIBC_TUNABLES=/.test(v))).toEqual(monitorTunables);
    await runCli([...s.g, 'kill', id], { expectCode: 0 });
    expect((await waiting).stdout).toBe('137\n');
    await runCli([...s.g, 'rm', id], { expectCode: 0 });
  });

  it('falls back to the plain entry when node on PATH is not the node that built the snapshot', async () => {
    // A `node` that is another path (a wrapper recording its arguments, then the real node).
    const bin = join(dir, 'bin');
    const log = join(dir, 'node-args');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'node'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${log}\nexec ${process.execPath} "$@"\n`);
    chmodSync(join(bin, 'node'), 0o755);
    const r = await execa(CLI, [...s.g, 'run', '--rm', s.alpine, 'sh', '-c', 'echo via-plain; exit 4'], {
      reject: false,
      env: isolatedEnv({ PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` }),
      extendEnv: false,
      stdin: 'ignore',
    });
    expect({ code: r.exitCode, stdout: r.stdout }).toEqual({ code: 4, stdout: 'via-plain' });
    expect(readFileSync(log, 'utf8').split('\n')[0]).toBe(MAIN);
  });

  it('plain `node dist/cmd/main.js` is the same CLI', async () => {
    const r = await execa(process.execPath, [MAIN, ...s.g, 'run', '--rm', s.alpine, 'sh', '-c', 'echo plain >&2; exit 5'], {
      reject: false,
      env: isolatedEnv(),
      extendEnv: false,
      stdin: 'ignore',
    });
    expect({ code: r.exitCode, stderr: r.stderr }).toEqual({ code: 5, stderr: 'plain' });
  });
});
