// The foreground `run` command line per profile: pure, so profiles are built as data here.
import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../../engine/errors.ts';
import { OciCliRuntime } from '../../../engine/runtime/oci-cli.ts';
import type { RuntimeProfile } from '../../../engine/runtime/profiles.ts';

const base = { globalArgs: [], supportsJsonLog: true, hostNetworkArgs: [], privateNetworkArgs: [] } as const;
const runc: RuntimeProfile = { ...base, name: 'runc', path: '/usr/sbin/runc', kind: 'runc', stateRoot: '/run/t/runtimes/runc' };
const crun: RuntimeProfile = { ...base, name: 'crun', path: '/usr/bin/crun', kind: 'crun', stateRoot: '/run/t/runtimes/crun', globalArgs: ['--debug'] };
/** runsc as resolveRuntime builds it on this kernel (--network=none for a private netns too: see profiles.ts). */
const runsc: RuntimeProfile = {
  ...base,
  name: 'runsc',
  path: '/usr/bin/runsc',
  kind: 'runsc',
  stateRoot: '/run/t/runtimes/runsc',
  hostNetworkArgs: ['--network=none'],
  privateNetworkArgs: ['--network=none'],
};
/** runsc where "sandbox" networking works in a private netns (older kernels): no privateNetworkArgs. */
const runscSandboxNet: RuntimeProfile = { ...runsc, privateNetworkArgs: [] };
const youki: RuntimeProfile = {
  ...base,
  name: 'youki',
  path: '/opt/youki/youki',
  kind: 'generic',
  stateRoot: '/run/t/runtimes/youki',
  supportsJsonLog: false,
  globalArgs: ['--systemd-cgroup'],
};

const req = { id: 'abc123', bundle: '/var/lib/t/c/abc123/bundle', pidFile: '/run/t/c/abc123/pid', logFile: '/run/t/c/abc123/runtime.log' };
const tail = ['run', '--bundle', req.bundle, '--pid-file', req.pidFile, req.id];
const jsonLog = ['--log', req.logFile, '--log-format', 'json'];

describe('OciCliRuntime.runArgv', () => {
  it.each([
    ['runc, private netns', runc, false, ['/usr/sbin/runc', '--root', runc.stateRoot, ...jsonLog, ...tail]],
    ['runc, host netns', runc, true, ['/usr/sbin/runc', '--root', runc.stateRoot, ...jsonLog, ...tail]],
    ['crun keeps its global args before run', crun, false, ['/usr/bin/crun', '--root', crun.stateRoot, ...jsonLog, '--debug', ...tail]],
    ['runsc, host netns', runsc, true, ['/usr/bin/runsc', '--root', runsc.stateRoot, ...jsonLog, '--network=none', ...tail]],
    ['runsc, private netns (this kernel)', runsc, false, ['/usr/bin/runsc', '--root', runsc.stateRoot, ...jsonLog, '--network=none', ...tail]],
    ['runsc with sandbox networking, host netns', runscSandboxNet, true, ['/usr/bin/runsc', '--root', runsc.stateRoot, ...jsonLog, '--network=none', ...tail]],
    ['runsc with sandbox networking, private netns', runscSandboxNet, false, ['/usr/bin/runsc', '--root', runsc.stateRoot, ...jsonLog, ...tail]],
    ['generic without JSON log support: no --log', youki, false, ['/opt/youki/youki', '--root', youki.stateRoot, '--systemd-cgroup', ...tail]],
  ] as const)('%s', (_label, profile, hostNetwork, want) => {
    expect(new OciCliRuntime(profile).runArgv({ ...req, hostNetwork })).toEqual(want);
  });

  it('passes no --log without a log file, even when supported', () => {
    const { logFile: _, ...noLog } = req;
    expect(new OciCliRuntime(runc).runArgv({ ...noLog, hostNetwork: false })).toEqual(['/usr/sbin/runc', '--root', runc.stateRoot, ...tail]);
  });

  it('puts the user flags after the profile network args, so a user flag can override them', () => {
    const argv = new OciCliRuntime({ ...runsc, globalArgs: ['--network=host'] }).runArgv({ ...req, hostNetwork: true });
    expect(argv.indexOf('--network=host')).toBeGreaterThan(argv.indexOf('--network=none'));
    expect(argv.indexOf('--network=host')).toBeLessThan(argv.indexOf('run'));
  });

  it('refuses an id that could read as a flag and relative paths', () => {
    const rt = new OciCliRuntime(runc);
    for (const bad of [{ ...req, id: '--help' }, { ...req, id: 'a/b' }, { ...req, id: '' }, { ...req, bundle: 'bundle' }, { ...req, pidFile: 'pid' }]) {
      let code: string | undefined;
      try {
        rt.runArgv({ ...bad, hostNetwork: false });
      } catch (e) {
        if (!isEngineError(e)) throw e;
        code = e.code;
      }
      expect(code, JSON.stringify(bad)).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('OciCliRuntime.createArgv / startArgv (a TTY for a runtime that ignores process.consoleSize)', () => {
  it('create takes the bundle, pid file and console socket (never --detach: create always returns); start the same global args', () => {
    const r = new OciCliRuntime(runsc);
    const o = { ...req, hostNetwork: false, consoleSocket: '/run/t/s/abc.tty' };
    const global = ['/usr/bin/runsc', '--root', runsc.stateRoot, ...jsonLog, '--network=none'];
    expect(r.createArgv(o)).toEqual([...global, 'create', '--bundle', req.bundle, '--pid-file', req.pidFile, '--console-socket', o.consoleSocket, req.id]);
    expect(r.startArgv(o)).toEqual([...global, 'start', req.id]);
    expect(r.ignoresConsoleSize).toBe(true);
    expect(new OciCliRuntime(crun).ignoresConsoleSize).toBe(false);
  });
});
