// The container monitor (monitor/main.ts), as built into dist/, launched the way the engine launches it,
// with plain commands standing in for the runtime (a helper line writes the pid file); runtimes.test.ts
// runs it under runc, crun and runsc. Effects are read back from disk: the CRI log, the exit file, the exit
// command's marker, /proc.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  decodeEvent,
  decodeExitRecord,
  decodeLaunchSpec,
  encodeEvent,
  encodeLaunchSpec,
  ProtocolError,
  type LaunchSpec,
  type MonitorEvent,
} from '../../../monitor/protocol.ts';
import { readLog, streamText } from './cri-log.ts';
import {
  assertMonitorBuilt,
  isRunning,
  killLeftovers,
  launchMonitor,
  MONITOR_MAIN,
  procStat,
  readExit,
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

  it('outlives its parent: SIGKILLed launcher, container runs on, exit file and exit command still happen', async () => {
    const marker = join(dir, 'cleaned-up');
    const spec = shellSpec('echo $$ > "$PIDFILE"; while [ ! -e "$DIR/go" ]; do sleep 0.01; done; echo bye; exit 5', {
      exitCommand: ['/bin/sh', '-c', `echo cleanup ran; touch ${marker}`],
      exitCommandLog: join(dir, 'cleanup.log'),
    });
    const parent = spawn(process.execPath, [PARENT, MONITOR_MAIN, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
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
    exitCommand: ['/bin/true'],
    exitCommandLog: '/x',
  };

  it('round-trips launch specs and events, one line per event', () => {
    expect(decodeLaunchSpec(encodeLaunchSpec(full))).toEqual(full);
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
    ['{', /invalid JSON/],
    [JSON.stringify({ ...full, v: 2 }), /unsupported protocol version/],
    [JSON.stringify({ ...full, logPath: 'ctr.log' }), /`logPath` to be an absolute path/],
    [JSON.stringify({ ...full, argv: [] }), /`argv` to be a non-empty array/],
    [JSON.stringify({ ...full, argv: ['/bin/sh\0'] }), /without NUL/],
    [JSON.stringify({ ...full, stdin: 'yes' }), /`stdin` to be a boolean/],
    [JSON.stringify({ ...full, attachSocket: `/${'s'.repeat(120)}` }), /longer than 107 bytes/],
    [JSON.stringify({ ...full, env: { A: 1 } }), /`env.A`/],
  ])('rejects the launch spec %s', (text, message) => {
    expect(() => decodeLaunchSpec(text)).toThrow(ProtocolError);
    expect(() => decodeLaunchSpec(text)).toThrow(message);
  });

  it('rejects events and exit records that do not validate', () => {
    expect(() => decodeEvent('{"v":1,"type":"paused"}')).toThrow(/unknown type/);
    expect(() => decodeEvent('{"v":1,"type":"started","pid":0,"monitorPid":1}')).toThrow(/`pid` to be an integer >= 1/);
    expect(() => decodeExitRecord('{"v":1,"exitCode":-1,"finishedAt":"2024-01-01T00:00:00Z"}')).toThrow(ProtocolError);
    expect(() => decodeExitRecord('{"v":1,"exitCode":0,"finishedAt":"yesterday"}')).toThrow(/ISO 8601/);
  });
});

describe('monitor process', () => {
  it('imports nothing but node builtins and its own files', () => {
    const dir = join(REPO, 'monitor');
    const bad = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        [...readFileSync(join(dir, f), 'utf8').matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)]
          .map((m) => m[1]!)
          .filter((spec) => !spec.startsWith('node:') && !/^\.\/[a-z-]+\.ts$/.test(spec))
          .map((spec) => `${f} → ${spec}`),
      );
    expect(bad).toEqual([]);
  });

  it('runs without an event pipe (fd 3): the exit file is the answer', async () => {
    const spec = shellSpec('echo $$ > "$PIDFILE"; echo quiet; exit 6');
    const child = spawn(process.execPath, [MONITOR_MAIN], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    track(child.pid);
    child.stdin!.end(JSON.stringify(spec));
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
    expect(readExit(spec.exitFile)).toMatchObject({ exitCode: 6 });
    expect(streamText(readLog(spec.logPath), 'stdout')).toBe('quiet\n');
  });

  it('lets go of descriptors it inherited beyond 0-3 (the caller is not kept waiting on them)', async () => {
    const spec = shellSpec('echo $$ > "$PIDFILE"; while [ ! -e "$DIR/go" ]; do sleep 0.01; done');
    // fd 5 and fd 60 in the monitor: sockets whose other ends we hold, like a caller's pipe or terminal.
    const stdio = ['pipe', 'ignore', 'ignore', 'pipe', 'ignore', 'pipe', ...Array<'ignore'>(54).fill('ignore'), 'pipe'] as const;
    const child = spawn(process.execPath, [MONITOR_MAIN], { detached: true, stdio: [...stdio] });
    track(child.pid);
    const held = [5, 60].map((fd) => (child.stdio as unknown as Readable[])[fd]!);
    const closed = held.map((s) => new Promise<void>((r) => s.on('end', () => r()).resume()));
    child.stdin!.end(JSON.stringify(spec));
    let out = '';
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (d: string) => (out += d));
    const started = await waitFor('started', () => (out.includes('"started"') ? (decodeEvent(out.split('\n')[0]!) as Extract<MonitorEvent, { type: 'started' }>) : undefined));
    track(started.pid);
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

  it('without a runtime log, the message is the last lines of the runtime stderr', async () => {
    const m = launchMonitor(shellSpec('echo first >&2; echo "cannot create container: no luck" >&2; exit 2'));
    expect(await m.next('start-failed')).toMatchObject({ exitCode: 2, message: 'first\ncannot create container: no luck' });
    expect((await m.next('exited')).record.runtimeError).toBeUndefined();
    expect(await m.exit).toBe(0);
  });

  it('a runtime binary that does not exist: start-failed 125, and the exit file says why', async () => {
    const spec = shellSpec('unused', { argv: [join(dir, 'no-such-runtime'), 'run'] });
    const m = launchMonitor(spec);
    const failed = await m.next('start-failed');
    expect(failed.exitCode).toBe(125);
    expect(failed.message).toMatch(/no-such-runtime.*ENOENT/);
    expect(readExit(spec.exitFile)).toMatchObject({ exitCode: 125, runtimeError: failed.message });
    expect(await m.exit).toBe(0);
  });

  it('a log file it cannot create: start-failed 125, nothing run', async () => {
    const spec = shellSpec('echo $$ > "$PIDFILE"; touch "$DIR/ran"', { logPath: join(dir, 'missing-dir', 'ctr.log') });
    const m = launchMonitor(spec);
    expect(await m.next('start-failed')).toMatchObject({ exitCode: 125, message: expect.stringContaining('ENOENT') });
    expect(await m.exit).toBe(0);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('an invalid launch spec: start-failed naming the problem, monitor exits 2', async () => {
    const child = spawn(process.execPath, [MONITOR_MAIN], { detached: true, stdio: ['pipe', 'ignore', 'ignore', 'pipe'] });
    track(child.pid);
    child.stdin!.end(JSON.stringify({ v: 1, containerId: 'x', argv: [], logPath: 'relative.log' }));
    let out = '';
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8');
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: string) => (out += d));
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(2);
    expect(decodeEvent(out.trim())).toMatchObject({ type: 'start-failed', exitCode: 125, message: expect.stringContaining('argv') });
  });
});

describe('monitor stdin', () => {
  it('feeds bytes from the attach socket to the container, and closing the client ends its stdin', async () => {
    const sock = join(dir, 'attach.sock');
    const spec = shellSpec('echo $$ > "$PIDFILE"; exec cat', { stdin: true, attachSocket: sock });
    const m = launchMonitor(spec);
    await m.next('started');
    const client = connect(sock);
    await new Promise<void>((r) => client.once('connect', () => r()));
    client.write('hello\n');
    await waitFor('the echo', () => (readFileSync(spec.logPath, 'utf8').includes('hello') ? true : undefined));
    expect(m.events.some((e) => e.type === 'exited')).toBe(false); // cat still reads
    client.end('world');
    const { record } = await m.next('exited');
    expect(record.exitCode).toBe(0);
    expect(streamText(readLog(spec.logPath), 'stdout')).toBe('hello\nworld');
    expect(existsSync(sock)).toBe(false);
    client.destroy();
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
