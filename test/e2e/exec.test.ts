// `exec` through the built CLI, for every installed runtime: podman's exit codes, -d, -e/--env-file/-u/-w/
// --privileged read back from the process, -it on a real pty (util-linux `script`), and exec'd processes
// going away with their container.
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useAlpineStore } from '../helpers/alpine-store.ts';
import { runOnPty } from '../helpers/pty.ts';
import { runCli } from '../helpers/run-cli.ts';

const s = useAlpineStore('e2e-exec');

const RUNTIMES = ['crun', 'runc', 'runsc'] as const;
const installed = await Promise.all(RUNTIMES.map(async (r) => (await execa('which', [r], { reject: false })).exitCode === 0));

/** Host processes whose command line starts with `prefix` (a monitor's title, a command). */
function processes(prefix: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').startsWith(prefix)) found.push(Number(pid));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; // gone meanwhile
    }
  }
  return found;
}

async function until(what: string, probe: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(RUNTIMES.map((r, i) => [r, installed[i], i] as const))('runtime %s', (runtime, present, index) => {
  it.skipIf(!present)('exit codes as podman: the process\'s own, 126, 127; 125 for a stopped or unknown container', async () => {
    const name = `exec-codes-${runtime}`;
    await runCli([...s.g, 'run', '-d', '--name', name, '--runtime', runtime, s.alpine, 'sleep', '1000'], { expectCode: 0 });
    const rows: [string[], number][] = [
      [['true'], 0],
      [['sh', '-c', 'exit 3'], 3],
      [['/etc'], 126],
      [['/no/such/command'], 127],
      [['nosuchcmd'], 127],
    ];
    for (const [cmd, code] of rows) {
      const r = await runCli([...s.g, 'exec', name, ...cmd], { expectCode: code });
      if (code >= 126) expect(r.stderr, cmd.join(' ')).toMatch(new RegExp(`^Error: ${runtime}: `));
      else expect(r.stderr).toBe('');
    }
    const out = await runCli([...s.g, 'exec', name, 'sh', '-c', 'echo out; echo err >&2; echo "$@"', 'x', '-la', '--', 'y'], { expectCode: 0 });
    expect(out.stdout).toBe('out\n-la -- y\n');
    expect(out.stderr).toBe('err\n');
    await runCli([...s.g, 'stop', '-t', '0', name], { expectCode: 0 });
    const stopped = await runCli([...s.g, 'exec', name, 'true'], { expectCode: 125 });
    expect(stopped.stderr).toMatch(/can only create exec sessions on running containers/);
    await runCli([...s.g, 'exec', `no-such-${runtime}`, 'true'], { expectCode: 125 });
    await runCli([...s.g, 'exec', name], { expectCode: 125 }); // no command
    await runCli([...s.g, 'rm', name], { expectCode: 0 });
  });

  it.skipIf(!present)('-e, --env-file, -u, -w and --privileged apply to the process; -i feeds its stdin', async () => {
    const name = `exec-opts-${runtime}`;
    await runCli([...s.g, 'run', '-d', '--name', name, '--runtime', runtime, '-e', 'KEEP=ctr', s.alpine, 'sleep', '1000'], { expectCode: 0 });
    const envFile = join(s.t.root, `env-${runtime}`);
    writeFileSync(envFile, '# comment\nFROMFILE=file\nBOTH=file\n');
    const r = await runCli(
      [...s.g, 'exec', '--env-file', envFile, '-e', 'BOTH=flag', '-u', '65534:65534', '-w', '/tmp', name, 'sh', '-c', 'echo $KEEP $FROMFILE $BOTH $(id -u):$(id -g) $(pwd)'],
      { expectCode: 0 },
    );
    expect(r.stdout).toBe('ctr file flag 65534:65534 /tmp\n');
    // CapEff: the default set, or every capability with --privileged.
    const capEff = async (extra: string[]) =>
      BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec((await runCli([...s.g, 'exec', ...extra, name, 'cat', '/proc/self/status'], { expectCode: 0 })).stdout)![1]}`);
    const plain = await capEff([]);
    const privileged = await capEff(['--privileged']);
    expect(privileged > plain).toBe(true);
    expect(privileged & (1n << 21n)).toBe(1n << 21n); // CAP_SYS_ADMIN
    expect(plain & (1n << 21n)).toBe(0n);
    const fed = await runCli([...s.g, 'exec', '-i', name, 'sh', '-c', 'cat; echo " eof"'], { expectCode: 0, input: 'piped in' });
    expect(fed.stdout).toBe('piped in eof\n');
    await runCli([...s.g, 'rm', '-f', name], { expectCode: 0 });
  });

  it.skipIf(!present)('exec -it: a terminal of the host\'s size from the first byte', async () => {
    const name = `exec-tty-${runtime}`;
    await runCli([...s.g, 'run', '-d', '--name', name, '--runtime', runtime, s.alpine, 'sleep', '1000'], { expectCode: 0 });
    const r = await runOnPty([...s.g, 'exec', '-it', name, 'sh', '-c', 'stty size; [ -t 0 ] && echo on-a-tty; exit 5'], { rows: 37, cols: 111 });
    expect(r.output).toBe('37 111\r\non-a-tty\r\n');
    expect(r.code).toBe(5);
    await runCli([...s.g, 'rm', '-f', name], { expectCode: 0 });
  });

  it.skipIf(!present)('exec -d prints the session ID; exec\'d processes end with the container', async () => {
    const name = `exec-d-${runtime}`;
    const id = (await runCli([...s.g, 'run', '-d', '--name', name, '--runtime', runtime, s.alpine, 'sleep', '1000'], { expectCode: 0 })).stdout.trim();
    const sleeper = `sleep ${7770 + index}`; // one per runtime: each test sees only its own
    const d = await runCli([...s.g, 'exec', '-d', name, ...sleeper.split(' ')], { expectCode: 0 });
    expect(d.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    const title = `tsengine-monitor ${id.slice(0, 12)}`;
    // The container's monitor and the exec session's.
    await until('two monitors', () => processes(title).length === 2);
    // gVisor's processes are not host processes; runc's and crun's are.
    if (runtime !== 'runsc') await until('the exec\'d process', () => processes(sleeper).length === 1);
    await runCli([...s.g, 'stop', '-t', '0', name], { expectCode: 0 });
    await until('both monitors gone', () => processes(title).length === 0);
    expect(processes(sleeper)).toEqual([]);
    await runCli([...s.g, 'rm', name], { expectCode: 0 });
  });

  it.skipIf(!present)('inspect .ExecIDs lists the running exec sessions, oldest first; not those that ended; none once stopped', async () => {
    const name = `exec-ids-${runtime}`;
    const ids = async () => JSON.parse((await runCli([...s.g, 'inspect', '-f', '{{json .ExecIDs}}', name], { expectCode: 0 })).stdout) as string[];
    const cid = (await runCli([...s.g, 'run', '-d', '--name', name, '--runtime', runtime, s.alpine, 'sleep', '1000'], { expectCode: 0 })).stdout.trim();
    expect(await ids()).toEqual([]);
    const a = (await runCli([...s.g, 'exec', '-d', name, 'sleep', '1000'], { expectCode: 0 })).stdout.trim();
    const b = (await runCli([...s.g, 'exec', '-d', name, 'sleep', '1001'], { expectCode: 0 })).stdout.trim();
    await runCli([...s.g, 'exec', name, 'true'], { expectCode: 0 }); // ended: not listed
    const ended = (await runCli([...s.g, 'exec', '-d', name, 'true'], { expectCode: 0 })).stdout.trim();
    await until('the detached `true` to end (its exit file)', () => existsSync(join(s.t.runRoot, 'containers', cid, 'exec', ended, 'exit.json')));
    expect(await ids()).toEqual([a, b]);
    await runCli([...s.g, 'stop', '-t', '0', name], { expectCode: 0 });
    expect(await ids()).toEqual([]);
    await runCli([...s.g, 'rm', name], { expectCode: 0 });
  });
});
