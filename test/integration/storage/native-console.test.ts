// The addon's console-socket calls (native/tsengine_native.c through storage/native.ts): a listening unix
// socket, receiving one fd sent as SCM_RIGHTS by a real peer (python3's socket.send_fds, a different
// implementation than the runtimes'; the runtimes themselves are the e2e runtime-check test), the
// failures a caller must tell apart, and TIOCSWINSZ read back with TIOCGWINSZ by another process.
import { execa } from 'execa';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recvFd, setWindowSize, unixListen } from '../../../storage/native.ts';

let dir: string;
const open: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tse-native-console-'));
});

afterEach(() => {
  for (const fd of open.splice(0)) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

function listen(name = 'console.sock'): { path: string; fd: number } {
  const path = join(dir, name);
  const fd = unixListen(path);
  open.push(fd);
  return { path, fd };
}

/** python3 connects to `socket` and sends the fds of `files` (opened read-only), or nothing. */
function peer(socket: string, files: readonly string[]) {
  const script = [
    'import os, socket, sys',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
    's.connect(sys.argv[1])',
    'fds = [os.open(f, os.O_RDONLY) for f in sys.argv[2:]]',
    'if fds: socket.send_fds(s, [b"console"], fds)',
    's.close()',
  ].join('\n');
  return execa('python3', ['-c', script, socket, ...files]);
}

function readAll(fd: number): string {
  const buf = Buffer.alloc(100);
  return buf.subarray(0, readSync(fd, buf, 0, 100, 0)).toString();
}

describe('console socket calls', () => {
  it('receives the fd a peer sends, usable by us, while the event loop keeps running', async () => {
    const { path, fd } = listen();
    writeFileSync(join(dir, 'a.txt'), 'first\n');
    writeFileSync(join(dir, 'b.txt'), 'second\n');
    const received = recvFd(fd, 5000);
    let ticked = false;
    await new Promise((r) => setTimeout(r, 20)).then(() => (ticked = true));
    expect(ticked).toBe(true); // the wait is on a worker thread
    await peer(path, [join(dir, 'a.txt'), join(dir, 'b.txt')]);
    const got = await received;
    open.push(got);
    expect(readAll(got)).toBe('first\n'); // the first fd of the message; the others are closed
  });

  it('rejects with EPROTO when the peer sends no fd (how a caller ends the wait early)', async () => {
    const { path, fd } = listen();
    const refused = expect(recvFd(fd, 5000)).rejects.toMatchObject({ code: 'EPROTO', syscall: 'recvmsg' });
    await peer(path, []);
    await refused;
  });

  it('rejects with ETIMEDOUT when nobody connects in time', async () => {
    const { fd } = listen();
    const began = Date.now();
    await expect(recvFd(fd, 100)).rejects.toMatchObject({ code: 'ETIMEDOUT', syscall: 'accept' });
    expect(Date.now() - began).toBeGreaterThanOrEqual(90);
  });

  it('unixListen refuses a path that does not fit sun_path, and one already bound', () => {
    expect(() => unixListen(join(dir, 'x'.repeat(120)))).toThrow(expect.objectContaining({ code: 'ENAMETOOLONG', syscall: 'bind' }));
    const { path } = listen();
    expect(() => unixListen(path)).toThrow(expect.objectContaining({ code: 'EADDRINUSE', syscall: 'bind' }));
  });

  it('setWindowSize sets a pty size that another process reads back; a file is not a tty', async () => {
    const master = openSync('/dev/ptmx', 'r+');
    open.push(master);
    setWindowSize(master, 33, 111);
    const r = await execa('python3', ['-c', 'import fcntl, struct, termios; print(*struct.unpack("HHHH", fcntl.ioctl(3, termios.TIOCGWINSZ, bytes(8)))[:2])'], {
      stdio: ['ignore', 'pipe', 'pipe', master],
    });
    expect(r.stdout).toBe('33 111');
    const file = openSync(join(dir, 'plain'), 'w');
    open.push(file);
    expect(() => setWindowSize(file, 1, 1)).toThrow(expect.objectContaining({ code: 'ENOTTY', syscall: 'ioctl' }));
  });
});
