// The container monitor (monitor/tsengine-monitor.c), as built by node-gyp, launched the way the engine
// launches it, with plain commands standing in for the runtime (a helper line writes the pid file);
// runtimes.test.ts runs it under runc, crun and runsc. Effects are read back from disk: the CRI log, the
// exit file, the exit command's marker, /proc. Over 400 lines: one file per process under test, its suites
// sharing the shell-as-runtime fixture below.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchMonitor as engineLaunchMonitor, monitorCommand } from '../../../engine/container/launch.ts';
import {
  AttachFrameType,
  encodeAttachFrame,
  decodeEvent,
  decodeExitRecord,
  encodeEvent,
  launchArgv,
  monitorTitle,
  ProtocolError,
  type LaunchSpec,
  type MonitorEvent,
} from '../../../monitor/protocol.ts';
import { readLog, streamText } from './cri-log.ts';
import {
  assertMonitorBuilt,
  eventReader,
  isRunning,
  killLeftovers,
  launchMonitor,
  MONITOR_BINARY,
  openFds,
  procStat,
  readExit,
  spawnMonitor,
  track,
  waitFor,
} from './monitor-process.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PARENT = fileURLToPath(new URL('./fixtures/orphaning-parent.mjs', import.meta.url));

let dir: string;

beforeAll(() => assertMonitorBuilt());

beforeEach((ctx) => {
  dir = mkdtempSync(join(tmpdir(), `tse-monitor-${ctx.task.name.replace(/[^a-zA-Z0-9]+/g, '-').slice(0, 30)}-`));
});

afterEach(async () => {
  const left = await killLeftovers();
  rmSync(dir, { recursive: true, force: true });
  expect(left, 'processes left running by the test').toEqual([]);
});

/** A launch spec for a plain shell script as the "runtime"; `$PIDFILE` is in its environment. */
function shellSpec(script: string, extra: Partial<LaunchSpec> = {}): LaunchSpec {
  const pidFile = join(dir, 'pidfile');
  return {
    v: 1,
    containerId: 'c0ffee',
    argv: ['/bin/sh', '-c', script],
    env: { PATH: '/usr/bin:/bin', PIDFILE: pidFile, DIR: dir },
    logPath: join(dir, 'ctr.log'),
    exitFile: join(dir, 'exit.json'),
    pidFile,
    stdin: false,
    ...extra,
  };
}

const types = (events: MonitorEvent[]) => events.map((e) => e.type);

describe('monitor with a plain command as the runtime', () => {
  it('logs stdout and stderr apart in CRI format, reports started then exited, and writes the exit file atomically', async () => {
    const spec = shellSpec('echo $$ > "$PIDFILE"; echo out; echo err >&2; printf partial; exit 3');
    const m = launchMonitor(spec);
    const started = await m.next('started');
    const exited = await m.next('exited');
    expect(await m.exit).toBe(0);

    expect(types(m.events)).toEqual(['started', 'exited']);
    expect(started).toEqual({ v: 1, type: 'started', pid: expect.any(Number), monitorPid: m.pid });
    const records = readLog(spec.logPath);
    expect(records.filter((r) => r.stream === 'stdout')).toEqual([
      { stream: 'stdout', tag: 'F', text: 'out' },
      { stream: 'stdout', tag: 'P', text: 'partial' },
    ]);
    expect(records.filter((r) => r.stream === 'stderr')).toEqual([{ stream: 'stderr', tag: 'F', text: 'err' }]);

    const record = readExit(spec.exitFile);
    expect(record).toEqual(exited.record);
    expect(record).toMatchObject({ v: 1, exitCode: 3, pid: started.pid });
    expect(record.signal).toBeUndefined();
    expect(record.runtimeError).toBeUndefined();
    expect(Date.parse(record.finishedAt)).toBeGreaterThanOrEqual(Date.parse(record.startedAt!));
    expect(readdirSync(dir).sort()).toEqual(['ctr.log', 'exit.json', 'pidfile']);
  });

  it('cuts lines over 16 KiB into P records, keeps every byte of a large output, and appends to an existing log', async () => {
    const spec = shellSpec(
      'echo $$ > "$PIDFILE"; head -c 40000 /dev/zero | tr "\\0" x; echo; i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done',
    );
    writeFileSync(spec.logPath, '2024-01-01T00:00:00.000000000Z stdout F earlier run\n');
    const m = launchMonitor(spec);
    expect((await m.next('exited')).record.exitCode).toBe(0);
    const records = readLog(spec.logPath);
    expect(records[0]).toEqual({ stream: 'stdout', tag: 'F', text: 'earlier run' });
    expect(records.every((r) => Buffer.byteLength(r.text) <= 16 * 1024)).toBe(true);
    const lines = streamText(records.slice(1), 'stdout').split('\n');
    expect(lines[0]).toBe('x'.repeat(40000));
    expect(lines.slice(1, -1)).toEqual(Array.from({ length: 20000 }, (_, i) => `line ${i}`));
  });

  it('drains stdout/stderr at most 2 s after the runtime exits, when an escaped process still holds them', async () => {
    const spec = shellSpec('echo $$ > "$PIDFILE"; sleep 60 & echo $! > "$DIR/bg"; echo bye; exit 0');
    const launchedAt = Date.now();
    const m = launchMonitor(spec);
    const { record } = await m.next('exited', 20_000);
    const escaped = Number(readFileSync(join(dir, 'bg'), 'utf8'));
    track(escaped);
    expect(isRunning(escaped)).toBe(true);
    process.kill(escaped, 'SIGKILL');
    expect(record.exitCode).toBe(0);
    // finishedAt is taken when draining stops: 2 s after the runtime's exit.
    expect(Date.parse(record.finishedAt) - launchedAt).toBeGreaterThanOrEqual(1_999);
    expect(streamText(readLog(spec.logPath), 'stdout')).toBe('bye\n');
    expect(await m.exit).toBe(0);
  });

  it('a full disk drops log records without stopping the container, and a record cut short is ended before the next', async () => {
    const small = join(dir, 'small');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]);
    try {
      writeFileSync(join(small, 'filler'), Buffer.alloc(54 * 1024));
      const spec = shellSpec(
        'echo $$ > "$PIDFILE"; i=0; while [ $i -lt 40 ]; do printf "%0999d\\n" $i; i=$((i+1)); done; touch "$DIR/written"; ' +
          'while [ ! -e "$DIR/go" ]; do sleep 0.01; done; echo after',
        { logPath: join(small, 'ctr.log') },
      );
      const m = launchMonitor(spec);
      await waitFor('the output', () => (existsSync(join(dir, 'written')) ? true : undefined));
      await new Promise((r) => setTimeout(r, 300));
      rmSync(join(small, 'filler'));
      writeFileSync(join(dir, 'go'), '');
      expect((await m.next('exited')).record.exitCode).toBe(0);
      expect(await m.exit).toBe(0);
      const records = readLog(spec.logPath); // throws on a line that is not CRI
      expect(records.length).toBeLessThan(41);
      expect(records.at(-1)).toEqual({ stream: 'stdout', tag: 'F', text: 'after' });
      expect(records.slice(0, -1).every((r) => r.stream === 'stdout' && /^\d*$/.test(r.text))).toBe(true);
    } finally {
      execFileSync('umount', [small]);
    }
  });

  it('reports the runtime killed by a signal as 128+N with the signal name', async () => {
    const spec = shellSpec('echo $$ > "$PIDFILE"; kill -KILL $$');
    const m = launchMonitor(spec);
    const { record } = await m.next('exited');
    expect(record).toMatchObject({ exitCode: 137, signal: 'SIGKILL' });
    expect(await m.exit).toBe(0);
  });

  it('keeps monitoring through SIGTERM, SIGINT and SIGHUP sent to the monitor', async () => {
    const spec = shellSpec('echo $$ > "$PIDFILE"; while [ ! -e "$DIR/go" ]; do sleep 0.01; done; exit 4');
    const m = launchMonitor(spec);
    await m.next('started');
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.kill(m.pid, s);
    await new Promise((r) => setTimeout(r, 100));
    expect(isRunning(m.pid)).toBe(true);
    writeFileSync(join(dir, 'go'), '');
    expect((await m.next('exited')).record.exitCode).toBe(4);
    expect(await m.exit).toBe(0);
  });

  it('unmounts --unmount itself after the exit when nobody cleaned up, with no exit command', async () => {
    const mnt = join(dir, 'rootfs');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', mnt]);
    const isMounted = () => readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${mnt} `);
    try {
      expect(isMounted()).toBe(true);
      const m = launchMonitor(shellSpec('echo $$ > "$PIDFILE"; exit 0', { unmount: mnt }));
      await m.next('exited');
      expect(await m.exit).toBe(0);
      expect(isMounted()).toBe(false);
    } finally {
      if (isMounted()) execFileSync('umount', [mnt]);
    }
  });

  it('outlives its parent: SIGKILLed launcher, container runs on, exit file and exit command still happen', async () => {
    const marker = join(dir, 'cleaned-up');
    const spec = shellSpec('echo $$ > "$PIDFILE"; while [ ! -e "$DIR/go" ]; do sleep 0.01; done; echo bye; exit 5', {
      exitCommand: ['/bin/sh', '-c', `echo cleanup ran; touch ${marker}`],
      exitCommandLog: join(dir, 'cleanup.log'),
    });
    const parent = spawn(process.execPath, [PARENT, JSON.stringify(monitorCommand(spec))], { stdio: ['ignore', 'pipe', 'inherit'] });
    track(parent.pid);
    let out = '';
    parent.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const started = await waitFor('started from the parent', () => {
      const line = out.split('\n').find((l) => l.includes('"started"'));
      return line === undefined ? undefined : (decodeEvent(line) as Extract<MonitorEvent, { type: 'started' }>);
    });
    track(started.monitorPid);
    track(started.pid);

    // Detached: its own session and process group, no controlling terminal.
    const [, , pgrp, session, tty] = procStat(started.monitorPid);
    expect({ pgrp: Number(pgrp), session: Number(session), tty: Number(tty) }).toEqual({
      pgrp: started.monitorPid,
      session: started.monitorPid,
      tty: 0,
    });

    parent.kill('SIGKILL');
    await new Promise((r) => parent.once('exit', r));
    await new Promise((r) => setTimeout(r, 100));
    expect(isRunning(started.monitorPid)).toBe(true);
    expect(isRunning(started.pid)).toBe(true);
    expect(existsSync(spec.exitFile)).toBe(false);

    writeFileSync(join(dir, 'go'), '');
    await waitFor('the exit command', () => (existsSync(marker) ? true : undefined));
    expect(readExit(spec.exitFile)).toMatchObject({ exitCode: 5, pid: started.pid });
    expect(streamText(readLog(spec.logPath), 'stdout')).toBe('bye\n');
    expect(readFileSync(join(dir, 'cleanup.log'), 'utf8')).toBe('cleanup ran\n');
    await waitFor('the monitor to exit', () => (isRunning(started.monitorPid) ? undefined : true));
  });
});

describe('protocol', () => {
  const full: LaunchSpec = {
    v: 1,
    containerId: 'abc',
    argv: ['/usr/bin/crun', 'run', 'abc'],
    env: { PATH: '/bin' },
    logPath: '/l',
    exitFile: '/e',
    pidFile: '/p',
    runtimeLogPath: '/r',
    stdin: true,
    attachSocket: '/s',
    exitCommand: ['/bin/true', '--rm'],
    exitCommandLog: '/x',
  };

  it('lays a launch spec out as the monitor command line, and events one per line', () => {
    expect(launchArgv(full)).toEqual([
      '--cid', 'abc', '--log', '/l', '--exit-file', '/e', '--pid-file', '/p', '--runtime-log', '/r', '--stdin', '--attach-socket', '/s',
      '--exit-command-log', '/x', '--exit-command-arg', '/bin/true', '--exit-command-arg', '--rm', '--', '/usr/bin/crun', 'run', 'abc',
    ]);
    // Optional parts absent, absent options.
    const minimal: LaunchSpec = { v: 1, containerId: 'abc', argv: ['crun'], logPath: '/l', exitFile: '/e', pidFile: '/p', stdin: false };
    expect(launchArgv(minimal)).toEqual(['--cid', 'abc', '--log', '/l', '--exit-file', '/e', '--pid-file', '/p', '--', 'crun']);
    // A TTY through the runtime's console socket, an attached client on fd 4, a runtime that detaches.
    const tty: LaunchSpec = { ...minimal, attached: true, consoleSocket: '/c', terminalSize: { rows: 33, cols: 101 }, runtimeDetaches: true };
    expect(launchArgv(tty)).toEqual([
      '--cid', 'abc', '--log', '/l', '--exit-file', '/e', '--pid-file', '/p', '--attached', '--console-socket', '/c', '--tty-size', '33x101',
      '--runtime-detaches', '--', 'crun',
    ]);
    // create, then start (runsc: the terminal is sized between the two).
    expect(launchArgv({ ...tty, argv: ['runsc', 'create', 'abc'], startArgv: ['runsc', 'start', 'abc'] }).slice(-11)).toEqual([
      '--runtime-detaches', '--start-arg', 'runsc', '--start-arg', 'start', '--start-arg', 'abc', '--', 'runsc', 'create', 'abc',
    ]);
    expect(monitorTitle('0123456789abcdef')).toBe('tsengine-monitor 0123456789ab');
    const exited: MonitorEvent = { v: 1, type: 'exited', record: { v: 1, exitCode: 137, signal: 'SIGKILL', finishedAt: new Date().toISOString() } };
    const line = encodeEvent(exited);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(decodeEvent(line)).toEqual(exited);
    expect(decodeExitRecord(JSON.stringify({ v: 1, exitCode: 0, finishedAt: '2024-01-01T00:00:00.000Z', future: 1 }))).toEqual({
      v: 1,
      exitCode: 0,
      finishedAt: '2024-01-01T00:00:00.000Z',
    });
  });

  it.each([
    [{ ...full, v: 2 }, /unsupported protocol version/],
    [{ ...full, logPath: 'ctr.log' }, /`logPath` to be an absolute path/],
    [{ ...full, argv: [] }, /`argv` to be a non-empty array/],
    [{ ...full, argv: ['/bin/sh\0'] }, /without NUL/],
    [{ ...full, containerId: 'a\0b' }, /`containerId` to have no NUL/],
    [{ ...full, stdin: 'yes' }, /`stdin` to be a boolean/],
    [{ ...full, attachSocket: `/${'s'.repeat(120)}` }, /longer than 107 bytes/],
    [{ ...full, consoleSocket: `/${'s'.repeat(120)}` }, /`consoleSocket` is longer than 107 bytes/],
    [{ ...full, terminalSize: { rows: 1, cols: 1 } }, /`terminalSize` needs `consoleSocket`/],
    [{ ...full, consoleSocket: '/c', terminalSize: { rows: 0, cols: 80 } }, /`rows` to be an integer >= 1/],
    [{ ...full, attached: 'yes' }, /`attached` to be a boolean/],
    [{ ...full, env: { A: 1 } }, /`env.A`/],
    [{ ...full, exitCommand: [''] }, /`exitCommand\[0\]` is empty/],
    [{ ...full, startArgv: ['runsc', 'start', 'abc'] }, /`startArgv` needs `runtimeDetaches`/],
    [{ ...full, runtimeDetaches: true, startArgv: [''] }, /`startArgv\[0\]` is empty/],
  ])('rejects the launch spec %o', (spec, message) => {
    expect(() => launchArgv(spec as unknown as LaunchSpec)).toThrow(ProtocolError);
    expect(() => launchArgv(spec as unknown as LaunchSpec)).toThrow(message);
  });

  it('rejects events and exit records that do not validate', () => {
    expect(() => decodeEvent('{"v":1,"type":"paused"}')).toThrow(/unknown type/);
    expect(() => decodeEvent('{"v":1,"type":"started","pid":0,"monitorPid":1}')).toThrow(/`pid` to be an integer >= 1/);
    expect(() => decodeExitRecord('{"v":1,"exitCode":-1,"finishedAt":"2024-01-01T00:00:00Z"}')).toThrow(ProtocolError);
    expect(() => decodeExitRecord('{"v":1,"exitCode":0,"finishedAt":"yesterday"}')).toThrow(/ISO 8601/);
  });
});

describe('monitor process', () => {
  it('is C and libc only: protocol.ts imports nothing, the sources include system headers and their own', () => {
    const dir = join(REPO, 'monitor');
    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual(['protocol.ts']);
    expect([...readFileSync(join(dir, 'protocol.ts'), 'utf8').matchAll(/^import\s/gm)]).toEqual([]);
    const bad = files
      .filter((f) => /\.[ch]$/.test(f))
      .flatMap((f) =>
        [...readFileSync(join(dir, f), 'utf8').matchAll(/^#include\s+(\S+)/gm)]
          .map((m) => m[1]!)
          .filter((h) => !/^<(sys\/)?[a-z_]+\.h>$/.test(h) && !(h.startsWith('"') && files.includes(h.slice(1, -1))))
          .map((h) => `${f} → ${h}`),
      );
    expect(bad).toEqual([]);
  });

  it('is titled `tsengine-monitor <id12>` in /proc/PID/cmdline, and the runtime inherits only fds 0-2', async () => {
    const spec = shellSpec('echo $$ > "$PIDFILE"; while [ ! -e "$DIR/go" ]; do sleep 0.01; done', {
      containerId: 'c0ffee0123456789abcdef',
      stdin: true,
      attachSocket: join(dir, 'attach.sock'),
      runtimeLogPath: join(dir, 'runtime.log'),
    });
    const m = launchMonitor(spec);
    const started = await m.next('started');
    const cmdline = readFileSync(`/proc/${m.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline[0]).toBe('tsengine-monitor c0ffee012345');
    expect(cmdline.slice(1, 3)).toEqual(['--cid', spec.containerId]);
    expect(readFileSync(`/proc/${m.pid}/comm`, 'utf8').trim()).toBe('tsengine-monito'); // the binary's name, cut to 15
    // The shell standing in for the runtime: stdin (the attach pipe), stdout and stderr pipes, nothing else.
    const container = openFds(started.pid);
    expect([...container.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2]);
    expect([...container.values()].every((l) => l.startsWith('pipe:'))).toBe(true);
    // The monitor: /dev/null on 0-2, the event socket on 3, then its own: the log, the stdout/stderr/stdin
    // pipes, the attach socket. Nothing else (no runtime log held open, no inherited fds).
    const own = openFds(m.pid);
    expect([0, 1, 2].map((fd) => own.get(fd))).toEqual(['/dev/null', '/dev/null', '/dev/null']);
    expect(own.get(3)).toMatch(/^socket:/);
    const kinds = [...own].filter(([fd]) => fd > 3).map(([, l]) => l.replace(/^(pipe|socket):.*/, '$1')).sort();
    expect(kinds).toEqual([spec.logPath, 'pipe', 'pipe', 'pipe', 'socket']);
    writeFileSync(join(dir, 'go'), '');
    expect((await m.next('exited')).record.exitCode).toBe(0);
    expect(await m.exit).toBe(0);
  });

  it('runs without an event channel (fd 3): the exit file is the answer, the exit command runs', async () => {
    const marker = join(dir, 'cleaned-up');
    const spec = shellSpec('echo $$ > "$PIDFILE"; echo quiet; exit 6', { exitCommand: ['/bin/sh', '-c', `touch ${marker}`] });
    const child = spawnMonitor(monitorCommand(spec), { stdio: ['ignore', 'ignore', 'ignore'] });
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
    expect(readExit(spec.exitFile)).toMatchObject({ exitCode: 6 });
    expect(streamText(readLog(spec.logPath), 'stdout')).toBe('quiet\n');
    expect(existsSync(marker)).toBe(true);
  });

  it('lets go of descriptors it inherited beyond 0-3 (the caller is not kept waiting on them)', async () => {
    const spec = shellSpec('echo $$ > "$PIDFILE"; while [ ! -e "$DIR/go" ]; do sleep 0.01; done');
    // fd 5 and fd 60 in the monitor: sockets whose other ends we hold, like a caller's pipe or terminal.
    const stdio = ['ignore', 'ignore', 'ignore', 'pipe', 'ignore', 'pipe', ...Array<'ignore'>(54).fill('ignore'), 'pipe'] as const;
    const child = spawnMonitor(monitorCommand(spec), { stdio: [...stdio] });
    const held = [5, 60].map((fd) => (child.stdio as unknown as Readable[])[fd]!);
    const closed = held.map((s) => new Promise<void>((r) => s.on('end', () => r()).resume()));
    const events: MonitorEvent[] = [];
    const fd3 = child.stdio[3] as Socket;
    fd3.setEncoding('utf8').on('data', eventReader((e) => events.push(e)));
    const started = await waitFor('started', () => events.find((e) => e.type === 'started'));
    await Promise.all(closed); // EOF: neither the monitor nor the "runtime" holds them
    expect(isRunning(started.pid)).toBe(true);
    writeFileSync(join(dir, 'go'), '');
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
  });

  it('copes with its container being removed while it runs: still reports, still runs the exit command', async () => {
    const ctr = join(dir, 'ctr');
    const marker = join(dir, 'cleaned-up');
    mkdirSync(ctr);
    const spec = shellSpec('echo $$ > "$PIDFILE"; while [ ! -e "$DIR/go" ]; do sleep 0.01; done; echo late; exit 3', {
      logPath: join(ctr, 'ctr.log'),
      exitFile: join(ctr, 'exit.json'),
      exitCommand: ['/bin/sh', '-c', `touch ${marker}`],
      exitCommandLog: join(ctr, 'cleanup.log'),
    });
    const m = launchMonitor(spec);
    await m.next('started');
    rmSync(ctr, { recursive: true });
    writeFileSync(join(dir, 'go'), '');
    expect((await m.next('exited')).record.exitCode).toBe(3);
    expect(await m.exit).toBe(0);
    expect(existsSync(marker)).toBe(true);
    expect(existsSync(ctr)).toBe(false);
  });

  it('an exit file it cannot write: still reports `exited`, still runs the exit command, says why in its log', async () => {
    // As an unprivileged user (root would write anyway) whose exit-file directory is read-only to it.
    const nobody = 65534;
    const marker = join(dir, 'cleaned-up');
    const readOnly = join(dir, 'ro');
    mkdirSync(readOnly);
    chownSync(dir, nobody, nobody);
    chownSync(readOnly, nobody, nobody);
    chmodSync(readOnly, 0o555);
    const spec = shellSpec('echo $$ > "$PIDFILE"; echo hi; exit 4', {
      exitFile: join(readOnly, 'exit.json'),
      exitCommand: ['/bin/sh', '-c', `touch ${marker}`],
      exitCommandLog: join(dir, 'cleanup.log'),
    });
    // A copy of the binary where nobody can reach it, whatever the checkout's permissions.
    const binary = join(dir, 'tsengine-monitor');
    copyFileSync(MONITOR_BINARY, binary);
    chmodSync(binary, 0o755);
    const m = launchMonitor(spec, { uid: nobody, file: binary });
    expect((await m.next('exited')).record).toMatchObject({ exitCode: 4, pid: expect.any(Number) });
    expect(await m.exit).toBe(0);
    expect(existsSync(spec.exitFile)).toBe(false);
    expect(readdirSync(readOnly)).toEqual([]);
    expect(existsSync(marker)).toBe(true);
    expect(readFileSync(join(dir, 'cleanup.log'), 'utf8')).toBe(`monitor: cannot write the exit file ${spec.exitFile}: EACCES: permission denied\n`);
    expect(streamText(readLog(spec.logPath), 'stdout')).toBe('hi\n');
  });
});

describe('monitor cleanup hand-off', () => {
  /** A container that waits for $DIR/go, and an exit command that leaves a marker. */
  function handOffSpec(): { spec: LaunchSpec; marker: string } {
    const marker = join(dir, 'cleaned-up');
    const spec = shellSpec('echo $$ > "$PIDFILE"; while [ ! -e "$DIR/go" ]; do sleep 0.01; done; exit 2', {
      exitCommand: ['/bin/sh', '-c', `touch ${marker}`],
      exitCommandLog: join(dir, 'cleanup.log'),
    });
    return { spec, marker };
  }

  it('`D` then close: the engine cleaned up, the exit command does not run', async () => {
    const { spec, marker } = handOffSpec();
    const m = launchMonitor(spec, { handOff: 'done' });
    await m.next('started');
    writeFileSync(join(dir, 'go'), '');
    expect((await m.next('exited')).record.exitCode).toBe(2);
    expect(await m.exit).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(dir, 'cleanup.log'))).toBe(false);
  });

  it('close without `D`: the exit command runs', async () => {
    const { spec, marker } = handOffSpec();
    const m = launchMonitor(spec, { handOff: 'hold' });
    await m.next('started');
    writeFileSync(join(dir, 'go'), '');
    await m.next('exited');
    // EOF of events came while the monitor waits for our answer.
    await new Promise<void>((r) => (m.channel.readableEnded ? r() : m.channel.once('end', () => r())));
    await new Promise((r) => setTimeout(r, 100));
    expect(isRunning(m.pid)).toBe(true);
    expect(existsSync(marker)).toBe(false);
    m.channel.end();
    expect(await m.exit).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it('the listener SIGKILLed after `exited`: the exit command runs', async () => {
    const { spec, marker } = handOffSpec();
    const parent = spawn(process.execPath, [PARENT, JSON.stringify(monitorCommand(spec))], { stdio: ['ignore', 'pipe', 'inherit'] });
    track(parent.pid);
    const events: MonitorEvent[] = [];
    parent.stdout.setEncoding('utf8').on('data', eventReader((e) => events.push(e)));
    const started = await waitFor('started from the parent', () => events.find((e) => e.type === 'started'));
    track(started.monitorPid);
    writeFileSync(join(dir, 'go'), '');
    await waitFor('exited from the parent', () => events.find((e) => e.type === 'exited'));
    await new Promise((r) => setTimeout(r, 100));
    expect(isRunning(started.monitorPid)).toBe(true); // waiting for the parent's answer
    expect(existsSync(marker)).toBe(false);
    parent.kill('SIGKILL');
    await waitFor('the exit command', () => (existsSync(marker) ? true : undefined));
    await waitFor('the monitor to exit', () => (isRunning(started.monitorPid) ? undefined : true));
  });

  it("the engine's channel handle (launch.ts keepChannel): done() skips the exit command, release() runs it", async () => {
    for (const how of ['done', 'release'] as const) {
      rmSync(join(dir, 'go'), { force: true });
      const { spec, marker } = handOffSpec();
      rmSync(marker, { force: true });
      const { event, monitorPid, channel } = await engineLaunchMonitor(monitorCommand(spec), { keepChannel: true });
      track(monitorPid);
      expect(event).toMatchObject({ type: 'started', monitorPid });
      if (event.type === 'started') track(event.pid);
      writeFileSync(join(dir, 'go'), '');
      expect(await channel!.exited).toMatchObject({ exitCode: 2 });
      if (how === 'done') await channel!.done();
      else channel!.release();
      await waitFor('the monitor to exit', () => (isRunning(monitorPid) ? undefined : true));
      expect(existsSync(marker), how).toBe(how === 'release');
    }
  });

  it("the engine's default (no keepChannel) lets go after `started`: the exit command runs", async () => {
    const { spec, marker } = handOffSpec();
    const { event, monitorPid, channel } = await engineLaunchMonitor(monitorCommand(spec));
    track(monitorPid);
    expect(channel).toBeUndefined();
    if (event.type === 'started') track(event.pid);
    writeFileSync(join(dir, 'go'), '');
    await waitFor('the exit command', () => (existsSync(marker) ? true : undefined));
    expect(readExit(spec.exitFile)).toMatchObject({ exitCode: 2 });
  });
});

describe('monitor when the runtime fails to start', () => {
  it('reports start-failed with the runtime log error, and the exit record carries it', async () => {
    const runtimeLog = join(dir, 'runtime.log');
    const spec = shellSpec(
      `echo '{"level":"warning","msg":"not this","time":"x"}' >> "$DIR/runtime.log"; ` +
        `echo '{"level":"error","msg":"boom","time":"x"}' >> "$DIR/runtime.log"; echo noise >&2; exit 1`,
      { runtimeLogPath: runtimeLog, exitCommand: ['/bin/sh', '-c', `touch ${join(dir, 'cleaned-up')}`] },
    );
    // An error of an earlier run (before this run's offset) must not be reported.
    writeFileSync(runtimeLog, '{"level":"error","msg":"old news"}\n');
    const m = launchMonitor(spec);
    const failed = await m.next('start-failed');
    expect(failed).toEqual({ v: 1, type: 'start-failed', exitCode: 1, message: 'boom' });
    const { record } = await m.next('exited');
    expect(record).toMatchObject({ exitCode: 1, runtimeError: 'boom' });
    expect(record.pid).toBeUndefined();
    expect(readExit(spec.exitFile)).toEqual(record);
    expect(await m.exit).toBe(0);
    expect(types(m.events)).toEqual(['start-failed', 'exited']);
    expect(existsSync(join(dir, 'cleaned-up'))).toBe(true);
  });

  it('decodes JSON escapes in the runtime log, reads only its last 64 KiB, and takes a last line without newline (runsc)', async () => {
    const runtimeLog = join(dir, 'runtime.log');
    // 70 KiB of entries this run wrote before the failure: the 64 KiB tail window starts inside one of them.
    const filler = `{"level":"info","msg":"${'y'.repeat(1000)}"}\n`.repeat(70);
    const last = String.raw`{"level":"fatal","msg":"say \"hi\"\\ \n\tnow: \u00e9\u4e2D\ud83d\ude00 \ud800 end \/","time":"x"}`;
    writeFileSync(join(dir, 'entries'), `${filler}${last}`);
    const spec = shellSpec('cat "$DIR/entries" >> "$DIR/runtime.log"; exit 1', { runtimeLogPath: runtimeLog });
    const m = launchMonitor(spec);
    const failed = await m.next('start-failed');
    expect(failed.message).toBe('say "hi"\\ \n\tnow: \u00e9\u4e2d\ud83d\ude00 \ufffd end /');
    expect((await m.next('exited')).record.runtimeError).toBe(failed.message);
    expect(await m.exit).toBe(0);
  });

  it('without a runtime log, the message is the last lines of the runtime stderr', async () => {
    const m = launchMonitor(shellSpec('echo first >&2; echo "cannot create container: no luck" >&2; exit 2'));
    expect(await m.next('start-failed')).toMatchObject({ exitCode: 2, message: 'first\ncannot create container: no luck' });
    expect((await m.next('exited')).record.runtimeError).toBeUndefined();
    expect(await m.exit).toBe(0);
  });

  it('without any output, the message says the runtime exited before the container started', async () => {
    const m = launchMonitor(shellSpec('exit 9'));
    expect(await m.next('start-failed')).toMatchObject({ exitCode: 9, message: '/bin/sh exited with code 9 before the container started' });
    expect(await m.exit).toBe(0);
  });

  it('a runtime binary that does not exist: start-failed 125, and the exit file says why', async () => {
    const marker = join(dir, 'cleaned-up');
    const runtime = join(dir, 'no-such-runtime');
    const spec = shellSpec('unused', { argv: [runtime, 'run'], exitCommand: ['/bin/sh', '-c', `touch ${marker}`] });
    const m = launchMonitor(spec);
    const failed = await m.next('start-failed');
    expect(failed).toMatchObject({ exitCode: 125, message: `monitor: cannot run ${runtime}: ENOENT: no such file or directory` });
    expect(readExit(spec.exitFile)).toMatchObject({ exitCode: 125, runtimeError: failed.message });
    expect(await m.exit).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it('a runtime that cannot be executed: start-failed 125 with EACCES', async () => {
    const runtime = join(dir, 'not-executable');
    writeFileSync(runtime, '#!/bin/sh\n', { mode: 0o644 });
    const m = launchMonitor(shellSpec('unused', { argv: [runtime] }));
    expect(await m.next('start-failed')).toMatchObject({ exitCode: 125, message: `monitor: cannot run ${runtime}: EACCES: permission denied` });
    expect(await m.exit).toBe(0);
  });

  it('a log file it cannot create: start-failed 125, nothing run, exit command run', async () => {
    const marker = join(dir, 'cleaned-up');
    const logPath = join(dir, 'missing-dir', 'ctr.log');
    const spec = shellSpec('echo $$ > "$PIDFILE"; touch "$DIR/ran"', { logPath, exitCommand: ['/bin/sh', '-c', `touch ${marker}`] });
    const m = launchMonitor(spec);
    expect(await m.next('start-failed')).toMatchObject({
      exitCode: 125,
      message: `monitor: cannot open the container log ${logPath}: ENOENT: no such file or directory`,
    });
    expect(readExit(spec.exitFile)).toMatchObject({ exitCode: 125 });
    expect(await m.exit).toBe(0);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    expect(existsSync(marker)).toBe(true);
  });

  it('an attach socket it cannot bind: start-failed 125, nothing run', async () => {
    const sock = join(dir, 'no-such-dir', 'attach.sock');
    const m = launchMonitor(shellSpec('echo $$ > "$PIDFILE"; touch "$DIR/ran"', { stdin: true, attachSocket: sock }));
    expect(await m.next('start-failed')).toMatchObject({
      exitCode: 125,
      message: `monitor: cannot listen on the attach socket ${sock}: ENOENT: no such file or directory`,
    });
    expect(await m.exit).toBe(0);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it.each([
    [['--cid', 'x', '--log', 'relative.log', '--exit-file', '/e', '--pid-file', '/p', '--', '/bin/true'], '--log: expected an absolute path, got "relative.log"'],
    [['--cid', 'x', '--log', '/l', '--exit-file', '/e', '--pid-file', '/p'], 'no runtime command line after --'],
    [['--cid', 'x', '--log', '/l', '--pid-file', '/p', '--', '/bin/true'], 'missing --exit-file'],
    [['--cid', 'x', '--log', '/l', '--exit-file', '/e', '--pid-file', '/p', '--verbose', '--', '/bin/true'], 'unknown option --verbose'],
    [['--cid', 'x', '--log', '/l', '--exit-file', '/e', '--pid-file', '/p', '--tty-size', '3x4', '--', '/bin/true'], '--tty-size needs --console-socket'],
    [['--cid', 'x', '--log', '/l', '--exit-file', '/e', '--pid-file', '/p', '--console-socket', '/c', '--tty-size', '3x', '--', '/bin/true'], '--tty-size: expected ROWSxCOLS (1-65535 each), got "3x"'],
    [['--cid', 'x', '--log', '/l', '--exit-file', '/e', '--pid-file', '/p', '--stdin', '--stdin', '--', '/bin/true'], '--stdin given twice'],
    [['--cid', 'x', '--log', '/l', '--exit-file', '/e', '--pid-file'], '--pid-file needs a value'],
  ])('a bad command line %j: start-failed 125 naming the problem, monitor exits 2, nothing run', async (args, problem) => {
    const child = spawnMonitor({ file: MONITOR_BINARY, argv0: 'tsengine-monitor x', args: args.map((a) => a.replace(/^\/[elp]$/, (p) => join(dir, p))) });
    let out = '';
    (child.stdio[3] as Socket).setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(2);
    expect(decodeEvent(out.trim())).toEqual({ v: 1, type: 'start-failed', exitCode: 125, message: `monitor: bad arguments: ${problem}` });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('monitor stdin', () => {
  it('feeds stdin frames from the attach socket to the container; a stdin-EOF frame ends its stdin', async () => {
    const sock = join(dir, 'attach.sock');
    const spec = shellSpec('echo $$ > "$PIDFILE"; exec cat', { stdin: true, attachSocket: sock });
    const m = launchMonitor(spec);
    await m.next('started');
    const client = connect(sock);
    await new Promise<void>((r) => client.once('connect', () => r()));
    client.write(encodeAttachFrame(AttachFrameType.stdin, Buffer.from('hello\n')));
    await waitFor('the echo', () => (readFileSync(spec.logPath, 'utf8').includes('hello') ? true : undefined));
    expect(m.events.some((e) => e.type === 'exited')).toBe(false); // cat still reads
    // A frame split across writes arrives whole.
    const world = encodeAttachFrame(AttachFrameType.stdin, Buffer.from('world'));
    client.write(world.subarray(0, 3));
    await new Promise((r) => setTimeout(r, 50));
    client.write(Buffer.concat([world.subarray(3), encodeAttachFrame(AttachFrameType.stdinEof)]));
    const { record } = await m.next('exited');
    expect(record.exitCode).toBe(0);
    expect(streamText(readLog(spec.logPath), 'stdout')).toBe('hello\nworld');
    expect(existsSync(sock)).toBe(false);
    client.destroy();
    expect(await m.exit).toBe(0);
  });

  it('passes a large input through with backpressure; a client that closes has detached, stdin stays open for the next', async () => {
    const sock = join(dir, 'attach.sock');
    // The container starts reading late: the client waits (the monitor buffers 16 KiB), and every byte arrives.
    const spec = shellSpec('echo $$ > "$PIDFILE"; sleep 0.5; wc -c; sleep 0.3', { stdin: true, attachSocket: sock });
    const m = launchMonitor(spec);
    await m.next('started');
    const size = 4 * 1024 * 1024;
    const first = connect(sock);
    await new Promise<void>((r) => first.once('connect', () => r()));
    first.end(encodeAttachFrame(AttachFrameType.stdin, Buffer.alloc(size / 2, 'z')));
    await new Promise<void>((r) => first.once('close', () => r()));
    const second = connect(sock);
    await new Promise<void>((r) => second.once('connect', () => r()));
    second.write(encodeAttachFrame(AttachFrameType.stdin, Buffer.alloc(size / 2, 'z')));
    second.write(encodeAttachFrame(AttachFrameType.stdinEof));
    await waitFor('the count', () => (readFileSync(spec.logPath, 'utf8').includes(`${size}`) ? true : undefined));
    expect((await m.next('exited')).record.exitCode).toBe(0);
    expect(streamText(readLog(spec.logPath), 'stdout').trim()).toBe(`${size}`);
    second.destroy();
    expect(await m.exit).toBe(0);
  });

  it('without stdin the container reads /dev/null', async () => {
    const spec = shellSpec('echo $$ > "$PIDFILE"; cat; echo "cat done $?"');
    const m = launchMonitor(spec);
    expect((await m.next('exited')).record.exitCode).toBe(0);
    expect(streamText(readLog(spec.logPath), 'stdout')).toBe('cat done 0\n');
    expect(await m.exit).toBe(0);
  });
});
