// The monitor's attach side (monitor/attach.c, console.c): framed output to clients (the engine's fd 4 and
// socket clients), stdin and resize frames in, a TTY whose master arrives over the console socket, and a
// runtime that detaches (the monitor as subreaper). The runtime is a stand-in: a shell, or
// fixtures/pty-runtime.py, which does with a pty what runc does (a master sent as SCM_RIGHTS).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AttachFrameDecoder, AttachFrameType, encodeAttachFrame, encodeResize, type LaunchSpec } from '../../../monitor/protocol.ts';
import { readLog, streamText } from './cri-log.ts';
import { assertMonitorBuilt, killLeftovers, launchMonitor, waitFor } from './monitor-process.ts';

const PTY_RUNTIME = fileURLToPath(new URL('./fixtures/pty-runtime.py', import.meta.url));

let dir: string;

beforeAll(() => assertMonitorBuilt());

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tse-attach-'));
});

afterEach(async () => {
  const left = await killLeftovers();
  rmSync(dir, { recursive: true, force: true });
  expect(left, 'processes left running by the test').toEqual([]);
});

function spec(argv: string[], extra: Partial<LaunchSpec> = {}): LaunchSpec {
  const pidFile = join(dir, 'pidfile');
  return {
    v: 1,
    containerId: 'a77ac4',
    argv,
    env: { PATH: '/usr/bin:/bin', PIDFILE: pidFile, DIR: dir },
    logPath: join(dir, 'ctr.log'),
    exitFile: join(dir, 'exit.json'),
    pidFile,
    stdin: false,
    ...extra,
  };
}

/** What a client received: the frames' text per stream, in order, and whether the monitor closed it. */
interface Received {
  frames: { type: number; text: string }[];
  text: () => string;
  ended: Promise<void>;
}

function receive(sock: Socket): Received {
  const decoder = new AttachFrameDecoder();
  const frames: { type: number; text: string }[] = [];
  sock.on('data', (d: Buffer) => {
    for (const f of decoder.push(d)) frames.push({ type: f.type, text: f.payload.toString('utf8') });
  });
  const ended = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  return { frames, text: () => frames.map((f) => f.text).join(''), ended };
}

async function connected(path: string): Promise<Socket> {
  const s = connect(path);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  });
  return s;
}

describe('monitor attach', () => {
  it('fd 4 (--attached) gets every byte of output from the first, framed by stream, then EOF after the exit', async () => {
    const s = spec(['/bin/sh', '-c', 'echo out1; echo err1 >&2; echo $$ > "$PIDFILE"; echo out2; exit 5'], { attached: true });
    const m = launchMonitor(s);
    const got = receive(m.child.stdio[4] as Socket);
    expect((await m.next('exited')).record.exitCode).toBe(5);
    await got.ended;
    const byType = (t: number) => got.frames.filter((f) => f.type === t).map((f) => f.text).join('');
    expect(byType(AttachFrameType.stdout)).toBe('out1\nout2\n');
    expect(byType(AttachFrameType.stderr)).toBe('err1\n');
    // The log has the same output.
    expect(streamText(readLog(s.logPath), 'stdout')).toBe('out1\nout2\n');
    expect(await m.exit).toBe(0);
  });

  it('socket clients get output from when they connect; without --stdin their stdin frames are dropped', async () => {
    const sock = join(dir, 'attach.sock');
    const s = spec(['/bin/sh', '-c', 'echo $$ > "$PIDFILE"; echo early; while [ ! -e "$DIR/go" ]; do sleep 0.01; done; echo late; cat'], {
      attachSocket: sock,
    });
    const m = launchMonitor(s);
    await m.next('started');
    await waitFor('early', () => (readFileSync(s.logPath, 'utf8').includes('early') ? true : undefined));
    const a = await connected(sock);
    const b = await connected(sock);
    const [ga, gb] = [receive(a), receive(b)];
    a.write(encodeAttachFrame(AttachFrameType.stdin, Buffer.from('ignored\n')));
    await new Promise((r) => setTimeout(r, 50)); // the dropped stdin frame is read before the container goes on
    writeFileSync(join(dir, 'go'), '');
    expect((await m.next('exited')).record.exitCode).toBe(0);
    await Promise.all([ga.ended, gb.ended]);
    expect(ga.text()).toBe('late\n');
    expect(gb.text()).toBe('late\n');
    expect(await m.exit).toBe(0);
  });

  it('a client that breaks the protocol is dropped; the container runs on', async () => {
    const sock = join(dir, 'attach.sock');
    const s = spec(['/bin/sh', '-c', 'echo $$ > "$PIDFILE"; while [ ! -e "$DIR/go" ]; do sleep 0.01; done; echo done'], { attachSocket: sock });
    const m = launchMonitor(s);
    await m.next('started');
    const bad = await connected(sock);
    const got = receive(bad);
    bad.write(Buffer.from([9, 0, 0, 0, 0]));
    await got.ended;
    writeFileSync(join(dir, 'go'), '');
    expect((await m.next('exited')).record.exitCode).toBe(0);
    expect(got.text()).toBe('');
    expect(streamText(readLog(s.logPath), 'stdout')).toBe('done\n');
    expect(await m.exit).toBe(0);
  });
});

describe('monitor TTY (console socket)', () => {
  it('takes the pty master: sized as --tty-size says, output as stdout frames and log, stdin and resizes reach the terminal', async () => {
    const consoleSocket = join(dir, 'console.sock');
    const s = spec(
      ['python3', PTY_RUNTIME, consoleSocket, join(dir, 'pidfile'), 'sh', '-c', 'sleep 0.2; tty; stty size; read line; echo "got $line"; stty size; exit 3'],
      { attached: true, stdin: true, consoleSocket, terminalSize: { rows: 33, cols: 101 } },
    );
    const m = launchMonitor(s);
    const client = m.child.stdio[4] as Socket;
    const got = receive(client);
    await m.next('started');
    await waitFor('the first size', () => (got.text().includes('33 101') ? true : undefined));
    client.write(encodeResize(40, 120));
    client.write(encodeAttachFrame(AttachFrameType.stdin, Buffer.from('hello\r')));
    expect((await m.next('exited')).record.exitCode).toBe(3);
    await got.ended;
    // The pty echoes the input and turns \n into \r\n (onlcr).
    expect(got.text()).toMatch(/^\/dev\/pts\/\d+\r\n33 101\r\nhello\r\ngot hello\r\n40 120\r\n$/);
    expect(got.frames.every((f) => f.type === AttachFrameType.stdout)).toBe(true);
    // The log keeps the terminal's \r (conmon's does too).
    expect(readFileSync(s.logPath, 'utf8')).toMatch(/Z stdout F got hello\r\n/);
    expect(await m.exit).toBe(0);
  });

  it('a runtime that detaches (--runtime-detaches): the process in the pid file, reparented to the monitor, gives the exit code', async () => {
    const consoleSocket = join(dir, 'console.sock');
    const s = spec(['python3', PTY_RUNTIME, '--detach', consoleSocket, join(dir, 'pidfile'), 'sh', '-c', 'sleep 0.3; echo bye; exit 7'], {
      attached: true,
      consoleSocket,
      runtimeDetaches: true,
    });
    const m = launchMonitor(s);
    const got = receive(m.child.stdio[4] as Socket);
    const started = await m.next('started');
    const { record } = await m.next('exited');
    expect(record.exitCode).toBe(7);
    expect(record.pid).toBe(started.pid);
    await got.ended;
    expect(got.text()).toBe('bye\r\n');
    expect(await m.exit).toBe(0);
  });

  it('a runtime that never sends a master: the runtime\'s own failure is the outcome', async () => {
    const consoleSocket = join(dir, 'console.sock');
    const s = spec(['/bin/sh', '-c', 'echo "no terminal for you" >&2; exit 1'], { consoleSocket, terminalSize: { rows: 5, cols: 5 } });
    const m = launchMonitor(s);
    expect(await m.next('start-failed')).toMatchObject({ exitCode: 1, message: 'no terminal for you' });
    expect(await m.exit).toBe(0);
  });
});
