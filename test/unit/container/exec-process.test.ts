import { describe, expect, it } from 'vitest';
import { execProcess } from '../../../engine/container/exec.ts';
import type { OciProcess } from '../../../engine/container/oci-spec.ts';

const base: OciProcess = {
  terminal: true,
  consoleSize: { height: 1, width: 1 },
  user: { uid: 0, gid: 0, umask: 0o022, additionalGids: [0] },
  args: ['sleep', '100'],
  env: ['PATH=/bin', 'HOME=/root', 'KEEP=1'],
  cwd: '/',
  capabilities: { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_CHOWN', 'CAP_KILL'], permitted: ['CAP_CHOWN', 'CAP_KILL'] },
  rlimits: [],
  noNewPrivileges: true,
};
const etc = { passwd: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n', group: 'root:x:0:\nnogroup:x:65534:\n' };
const all = () => ['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN'];

describe('execProcess', () => {
  it('runs the command with the container\'s process settings; no terminal unless asked', () => {
    const p = execProcess(base, { command: ['ls', '-l'] }, etc, all);
    expect(p.args).toEqual(['ls', '-l']);
    expect(p.terminal).toBeUndefined();
    expect(p.consoleSize).toBeUndefined();
    expect(p.env).toEqual(base.env);
    expect(p.cwd).toBe('/');
    expect(p.capabilities).toEqual(base.capabilities);
  });

  it('-t with a size, -e over the environment by key, -w, -u with its HOME and the bounding set only', () => {
    const p = execProcess(base, { command: ['sh'], tty: true, terminalSize: { rows: 33, cols: 101 }, env: ['KEEP=2', 'NEW=x'], workdir: '/tmp', user: 'nobody' }, etc, all);
    expect(p.terminal).toBe(true);
    expect(p.consoleSize).toEqual({ height: 33, width: 101 });
    expect(p.env).toEqual(['PATH=/bin', 'HOME=/nonexistent', 'KEEP=2', 'NEW=x']);
    expect(p.cwd).toBe('/tmp');
    expect(p.user).toMatchObject({ uid: 65534, gid: 65534 });
    expect(p.capabilities).toEqual({ bounding: ['CAP_CHOWN', 'CAP_KILL'] });
  });

  it('--privileged: every capability we may give, and no no_new_privs', () => {
    const p = execProcess(base, { command: ['sh'], privileged: true }, etc, all);
    expect(p.capabilities.effective).toEqual(all());
    expect(p.noNewPrivileges).toBeUndefined();
  });

  it.each([
    [{ command: [] }, /needs a command/],
    [{ command: ['sh'], workdir: 'tmp' }, /absolute path/],
    [{ command: ['sh'], env: ['=x'] }, /invalid environment variable/],
    [{ command: ['sh'], user: 'nosuchuser' }, /unable to find user/],
  ])('refuses %j', (o, message) => {
    expect(() => execProcess(base, o, etc, all)).toThrow(message);
  });
});
