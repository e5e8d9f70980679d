// The lifecycle verbs through the built binary: detached runs that outlive the CLI, logs and wait after
// the fact, stop/kill, ps states, SIGKILL of the CLI, races between CLIs, and a runc-compatible runtime
// registered under another name (the path youki and kata-runtime take; neither is packaged here, so this
// runs runc under the name my-runc).
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { leftovers } from '../helpers/leftovers.ts';
import { runCli, spawnCli } from '../helpers/run-cli.ts';
import { useAlpineStore } from '../helpers/alpine-store.ts';

const s = useAlpineStore('e2e-life');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settled(): Promise<ReturnType<typeof leftovers>> {
  let left = leftovers(s.t.root, s.t.runRoot);
  for (let i = 0; i < 100 && (left.rows.length || left.mounts.length || left.dirs.length || left.runtimeState.length); i++) {
    await sleep(100);
    left = leftovers(s.t.root, s.t.runRoot);
  }
  return left;
}


describe('detached containers outlive the CLI', () => {
  it('run -d prints the full ID; ps, logs and wait tell the truth afterwards', async () => {
    const r = await runCli([...s.g, 'run', '-d', '--name', 'det', s.alpine, 'sh', '-c', 'echo start; echo oops >&2; sleep 1; echo end; exit 3'], { expectCode: 0 });
    const id = r.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const ps = await runCli([...s.g, 'ps'], { expectCode: 0 });
    expect(ps.stdout.split('\n')[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    expect(ps.stdout).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+${s.alpine.replace(/[.]/g, '\\.')}\\s+"sh -c 'echo start; …"\\s+.*\\s+Up .*det$`, 'm'));
    const w = await runCli([...s.g, 'wait', 'det'], { expectCode: 0 });
    expect(w.stdout).toBe('3\n');
    const logs = await runCli([...s.g, 'logs', 'det'], { expectCode: 0 });
    expect(logs.stdout).toBe('start\nend\n');
    expect(logs.stderr).toBe('oops\n');
    const tail = await runCli([...s.g, 'logs', '--tail', '1', '-t', id.slice(0, 10)], { expectCode: 0 });
    expect(tail.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z end\n$/);
    const since = await runCli([...s.g, 'logs', '--since', '1h', 'det'], { expectCode: 0 });
    expect(since.stdout).toBe('start\nend\n');
    const until = await runCli([...s.g, 'logs', '--until', '1h', 'det'], { expectCode: 0 });
    expect(until.stdout + until.stderr).toBe('');
    const future = await runCli([...s.g, 'logs', '--since', String(Math.floor(Date.now() / 1000) + 3600), 'det'], { expectCode: 0 });
    expect(future.stdout + future.stderr).toBe('');
    const badSince = await runCli([...s.g, 'logs', '--since', 'yesterday', 'det'], { expectCode: 125 });
    expect(badSince.stderr).toMatch(/^Error: invalid value for --since: "yesterday"/);
    const latest = await runCli([...s.g, 'ps', '-l', '--format', '{{.Names}}'], { expectCode: 0 });
    expect(latest.stdout).toBe('det\n');
    const psa = await runCli([...s.g, 'ps', '-a', '--format', '{{.Names}} {{.Status}}'], { expectCode: 0 });
    expect(psa.stdout).toMatch(/^det Exited \(3\) .* ago$/m);
    const insp = JSON.parse((await runCli([...s.g, 'inspect', 'det'], { expectCode: 0 })).stdout)[0];
    expect(insp.State).toMatchObject({ Status: 'exited', Running: false, ExitCode: 3 });
    expect(insp.Id).toBe(id);
    expect(insp.Path).toBe('sh');
    expect(insp.Args).toEqual(['-c', 'echo start; echo oops >&2; sleep 1; echo end; exit 3']);
    await runCli([...s.g, 'rm', 'det'], { expectCode: 0 });
  });

  it('create, then start -a; logs -f follows until exit', async () => {
    const id = (await runCli([...s.g, 'create', '--name', 'cr', s.alpine, 'sh', '-c', 'echo one; sleep 0.5; echo two'], { expectCode: 0 })).stdout.trim();
    expect((await runCli([...s.g, 'ps', '-a', '--format', '{{.Status}}', '--no-trunc'], { expectCode: 0 })).stdout).toContain('Created');
    const attached = runCli([...s.g, 'start', '-a', id], { expectCode: 0 });
    for (let i = 0; i < 100; i++) {
      if ((await runCli([...s.g, 'ps', '-q'], { expectCode: 0 })).stdout.includes(id.slice(0, 12))) break;
      await sleep(20);
    }
    const follow = spawnCli([...s.g, 'logs', '-f', 'cr']);
    expect((await attached).stdout).toBe('one\ntwo\n');
    const f = await follow;
    expect(f.exitCode).toBe(0);
    expect(f.stdout).toBe('one\ntwo\n');
    await runCli([...s.g, 'rm', 'cr'], { expectCode: 0 });
  });

  it('stop sends the stop signal then SIGKILL after -t; kill -s takes names and numbers', async () => {
    await runCli([...s.g, 'run', '-d', '--name', 'st', s.alpine, 'sleep', '100'], { expectCode: 0 });
    const t0 = Date.now();
    expect((await runCli([...s.g, 'stop', '-t', '1', 'st'], { expectCode: 0 })).stdout).toBe('st\n');
    expect(Date.now() - t0).toBeGreaterThan(900); // sleep as PID 1 ignores SIGTERM: the KILL came after the timeout
    expect((await runCli([...s.g, 'wait', 'st'], { expectCode: 0 })).stdout).toBe('137\n');
    await runCli([...s.g, 'start', 'st'], { expectCode: 0 });
    const pid = (await runCli([...s.g, 'inspect', '-f', '{{.State.Pid}}', 'st'], { expectCode: 0 })).stdout;
    // Starting a running container is no error and changes nothing (podman, docker).
    expect((await runCli([...s.g, 'start', 'st'], { expectCode: 0 })).stdout).toBe('st\n');
    expect((await runCli([...s.g, 'inspect', '-f', '{{.State.Pid}}', 'st'], { expectCode: 0 })).stdout).toBe(pid);
    expect((await runCli([...s.g, 'kill', '-s', '9', 'st'], { expectCode: 0 })).stdout).toBe('st\n');
    expect((await runCli([...s.g, 'wait', 'st'], { expectCode: 0 })).stdout).toBe('137\n');
    const notRunning = await runCli([...s.g, 'kill', 'st'], { expectCode: 125 });
    expect(notRunning.stderr).toMatch(/^Error: can only kill running containers/);
    await runCli([...s.g, 'run', '-d', '--name', 'trap', s.alpine, 'sh', '-c', 'trap "exit 42" TERM; while :; do sleep 0.1; done'], { expectCode: 0 });
    await sleep(300);
    await runCli([...s.g, 'kill', '-s', 'TERM', 'trap'], { expectCode: 0 });
    expect((await runCli([...s.g, 'wait', 'trap'], { expectCode: 0 })).stdout).toBe('42\n');
    await runCli([...s.g, 'rm', 'st', 'trap'], { expectCode: 0 });
  });
});

describe('errors and exit codes', () => {
  it('unknown containers: 125 for stop/kill/logs/inspect, 1 for rm; a running container needs rm -f (2)', async () => {
    for (const verb of ['stop', 'kill', 'logs', 'wait', 'start']) {
      const r = await runCli([...s.g, verb, 'nosuch'], { expectCode: 125 });
      expect(r.stderr).toBe('Error: no container with name or ID "nosuch" found: no such container\n');
    }
    await runCli([...s.g, 'rm', 'nosuch'], { expectCode: 1 });
    await runCli([...s.g, 'run', '-d', '--name', 'busy', s.alpine, 'sleep', '100'], { expectCode: 0 });
    const r = await runCli([...s.g, 'rm', 'busy'], { expectCode: 2 });
    expect(r.stderr).toMatch(/^Error: cannot remove container [0-9a-f]{64} as it is running/);
    const dup = await runCli([...s.g, 'create', '--name', 'busy', s.alpine, 'true'], { expectCode: 125 });
    expect(dup.stderr).toMatch(/^Error: the container name "busy" is already in use/);
    expect((await runCli([...s.g, 'rm', '-f', 'busy'], { expectCode: 0 })).stdout).toBe('busy\n');
    const bad = await runCli([...s.g, 'run', '--runtime', '/no/such/runtime', s.alpine, 'true'], { expectCode: 125 });
    expect(bad.stderr).toMatch(/^Error: .*\/no\/such\/runtime/);
  });

  it("rm -i ignores missing containers; rm -f -t N sends the stop signal and waits N seconds (podman's flags)", async () => {
    expect(await runCli([...s.g, 'rm', '-i', 'nosuch'], { expectCode: 0 })).toEqual({ code: 0, stdout: '', stderr: '' });
    const id = (await runCli([...s.g, 'create', s.alpine, 'true'], { expectCode: 0 })).stdout.trim();
    expect((await runCli([...s.g, 'rm', '-i', 'nosuch', id], { expectCode: 0 })).stdout).toBe(`${id}\n`);
    const need = await runCli([...s.g, 'rm', '-t', '1', 'nosuch'], { expectCode: 125 });
    expect(need.stderr).toBe("Error: --force option must be specified to use the --time option\nSee 'tsengine rm --help'\n");
    // sleep as PID 1 ignores SIGTERM, so the container ends only by the SIGKILL a second later.
    const busy = (await runCli([...s.g, 'run', '-d', s.alpine, 'sleep', '100'], { expectCode: 0 })).stdout.trim();
    const t0 = Date.now();
    expect((await runCli([...s.g, 'rm', '-f', '-t', '1', busy], { expectCode: 0 })).stdout).toBe(`${busy}\n`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    await runCli([...s.g, 'inspect', busy], { expectCode: 125 });
  });

  it('Ctrl-C ends wait and logs -f with one coded line (125); the container runs on', async () => {
    const id = (await runCli([...s.g, 'run', '-d', s.alpine, 'sleep', '100'], { expectCode: 0 })).stdout.trim();
    for (const verb of [['wait'], ['logs', '-f']]) {
      const child = spawnCli([...s.g, ...verb, id]);
      // SIGINT only once the CLI handles it (bit 2 of SigCgt): before, node's default would just end it.
      const caught = () => BigInt(`0x${/^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? '0'}`) & 2n;
      for (let i = 0; i < 200 && !caught(); i++) await sleep(20);
      await sleep(100); // in the verb's polling loop by now
      child.kill('SIGINT');
      const r = await child;
      expect({ verb: verb[0], code: r.exitCode, stderr: r.stderr }).toEqual({ verb: verb[0], code: 125, stderr: 'Error: interrupted (SIGINT)\n' });
    }
    expect((await runCli([...s.g, 'inspect', '-f', '{{.State.Running}}', id], { expectCode: 0 })).stdout).toBe('true\n');
    await runCli([...s.g, 'rm', '-f', id], { expectCode: 0 });
  });
});

describe('the CLI can die at any time', () => {
  it('SIGKILL of the CLI during run --rm: the container finishes and is removed anyway', async () => {
    const child = spawnCli([...s.g, 'run', '--rm', '--name', 'orphan', s.alpine, 'sh', '-c', 'sleep 1; echo done']);
    for (let i = 0; i < 100; i++) {
      const ps = await runCli([...s.g, 'ps', '--format', '{{.Names}}'], { expectCode: 0 });
      if (ps.stdout.includes('orphan')) break;
      await sleep(50);
    }
    child.kill('SIGKILL');
    expect((await child).signal).toBe('SIGKILL');
    expect(await settled(), JSON.stringify(leftovers(s.t.root, s.t.runRoot))).toEqual({ mounts: [], rows: [], dirs: [], runtimeState: [] });
  });

  it('10 parallel run --rm all succeed and leave nothing behind', async () => {
    const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => runCli([...s.g, 'run', '--rm', s.alpine, 'sh', '-c', `echo ${i}`], { expectCode: 0 })));
    expect(runs.map((r) => r.stdout).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `${i}\n`).sort());
    expect(await settled(), JSON.stringify(leftovers(s.t.root, s.t.runRoot))).toEqual({ mounts: [], rows: [], dirs: [], runtimeState: [] });
  });

  it('rm -f racing start leaves nothing behind', async () => {
    for (let i = 0; i < 3; i++) {
      await runCli([...s.g, 'create', '--name', `race${i}`, s.alpine, 'sleep', '100'], { expectCode: 0 });
      const starting = spawnCli([...s.g, 'start', `race${i}`]);
      await sleep(20 * i);
      const removing = spawnCli([...s.g, 'rm', '-f', `race${i}`]);
      await Promise.all([starting, removing]);
      // Whatever the interleaving, a final rm -f leaves no trace.
      const rows = await runCli([...s.g, 'ps', '-a', '-q'], { expectCode: 0 });
      if (rows.stdout.trim()) await runCli([...s.g, 'rm', '-f', ...rows.stdout.trim().split('\n')], { expectCode: 0 });
    }
    expect(await settled(), JSON.stringify(leftovers(s.t.root, s.t.runRoot))).toEqual({ mounts: [], rows: [], dirs: [], runtimeState: [] });
  });
});

describe('a container whose monitor was killed', () => {
  const pids = async (name: string) => {
    const f = (await runCli([...s.g, 'inspect', '-f', '{{.State.Pid}} {{.State.ConmonPid}}', name], { expectCode: 0 })).stdout.trim().split(' ').map(Number);
    expect(f.every((n) => n > 0), f.join(' ')).toBe(true);
    return { pid: f[0]!, monitor: f[1]! };
  };
  const gone = async (pid: number) => {
    for (let i = 0; i < 100 && (() => { try { process.kill(pid, 0); return true; } catch { return false; } })(); i++) await sleep(20);
  };

  it('with its process gone too: exited 255 (docker\'s code for a dead shim), and rm cleans up', async () => {
    await runCli([...s.g, 'run', '-d', '--name', 'headless', s.alpine, 'sleep', '100'], { expectCode: 0 });
    const { pid, monitor } = await pids('headless');
    process.kill(monitor, 'SIGKILL');
    process.kill(pid, 'SIGKILL');
    await gone(monitor);
    await gone(pid);
    expect((await runCli([...s.g, 'wait', 'headless'], { expectCode: 0 })).stdout).toBe('255\n');
    expect((await runCli([...s.g, 'ps', '-a', '--format', '{{.Names}} {{.Status}}'], { expectCode: 0 })).stdout).toMatch(/^headless Exited \(255\) /m);
    await runCli([...s.g, 'rm', 'headless'], { expectCode: 0 });
    expect(await settled(), JSON.stringify(leftovers(s.t.root, s.t.runRoot))).toEqual({ mounts: [], rows: [], dirs: [], runtimeState: [] });
  });

  it('with its process still running: it shows as running, and rm -f stops and removes it', async () => {
    await runCli([...s.g, 'run', '-d', '--name', 'unwatched', s.alpine, 'sleep', '100'], { expectCode: 0 });
    const { pid, monitor } = await pids('unwatched');
    process.kill(monitor, 'SIGKILL');
    await gone(monitor);
    expect((await runCli([...s.g, 'ps', '--format', '{{.Names}}'], { expectCode: 0 })).stdout).toBe('unwatched\n');
    expect((await runCli([...s.g, 'rm', '-f', 'unwatched'], { expectCode: 0 })).stdout).toBe('unwatched\n');
    await gone(pid);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(await settled(), JSON.stringify(leftovers(s.t.root, s.t.runRoot))).toEqual({ mounts: [], rows: [], dirs: [], runtimeState: [] });
  });
});

describe('runtime pluggability', () => {
  it('a runc-compatible binary under another name runs containers (the youki/kata path; runc stands in)', async () => {
    const myRunc = join(s.t.dir, 'my-runc');
    symlinkSync('/usr/sbin/runc', myRunc);
    const r = await runCli([...s.g, 'run', '--name', 'mine', '--runtime', myRunc, s.alpine, 'sh', '-c', 'echo via my-runc; exit 5'], { expectCode: 5 });
    expect(r.stdout).toBe('via my-runc\n');
    expect((await runCli([...s.g, 'inspect', '-f', '{{.HostConfig.Runtime}}', 'mine'], { expectCode: 0 })).stdout).toBe(`${myRunc}\n`);
    // The recorded runtime is used later, whatever the default is now.
    await runCli([...s.g, '--runtime', 'crun', 'start', 'mine'], { expectCode: 0 });
    expect((await runCli([...s.g, 'wait', 'mine'], { expectCode: 0 })).stdout).toBe('5\n');
    await runCli([...s.g, 'rm', 'mine'], { expectCode: 0 });
  });

  it('--runtime-flag X takes one value each time, before the verb as podman\'s does, and reaches the runtime', async () => {
    // A runc that notes its arguments: the flags must come before its command, as global flags.
    const log = join(s.t.dir, 'noting-runc.log');
    const noting = join(s.t.dir, 'noting-runc');
    writeFileSync(noting, `#!/bin/sh\necho "$*" >> ${log}\nexec /usr/sbin/runc "$@"\n`, { mode: 0o755 });
    // Once through the CLI's fast path, once through yargs (--name takes a value).
    for (const line of [['run', '--rm', s.alpine, 'true'], ['run', '--rm', '--name', 'noted', s.alpine, 'true']]) {
      writeFileSync(log, '');
      const r = await runCli([...s.g, '--runtime', noting, '--runtime-flag', 'debug', '--runtime-flag', 'log-format=json', ...line], { expectCode: 0 });
      expect(r.stderr).toBe('');
      const run = readFileSync(log, 'utf8').split('\n').find((l) => / run /.test(l));
      expect(run).toMatch(/ --debug --log-format=json run --bundle /);
    }
  });
});
