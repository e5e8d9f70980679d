// The classification table, with the exact messages the real runtimes printed on this machine kind
// (runc 1.1.5, crun 1.8.1, runsc 0.0~20221219.0 with --network=none; Alpine 3.20 rootfs). "log" = the
// msg of the error entry in `--log FILE --log-format json` (also printed on stderr); "ctr stderr" = printed
// on the container's stderr after the runtime handed over (runtime exit 1 as the container, nothing logged).
// test/integration/runtime/classify-real.test.ts re-derives these from the installed runtimes.
import { describe, expect, it } from 'vitest';
import { classifyRuntimeError, exitCodeFor, type RuntimeFailure } from '../../../engine/runtime/classify.ts';
import type { RuntimeKind } from '../../../engine/runtime/profiles.ts';

type Row = readonly [kind: RuntimeKind, command: string, message: string, want: RuntimeFailure];

const RUNSC_PATH = '[/usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin]';
const runscPrefix = 'running container: starting container: starting root container: starting sandbox: ';

const OBSERVED: readonly Row[] = [
  // runc (log)
  ['runc', '/no/such/command', 'runc run failed: unable to start container process: exec: "/no/such/command": stat /no/such/command: no such file or directory', 'COMMAND_NOT_FOUND'],
  ['runc', 'nosuchcmd', 'runc run failed: unable to start container process: exec: "nosuchcmd": executable file not found in $PATH', 'COMMAND_NOT_FOUND'],
  ['runc', './nosuchrel', 'runc run failed: unable to start container process: exec: "./nosuchrel": stat ./nosuchrel: no such file or directory', 'COMMAND_NOT_FOUND'],
  ['runc', '/etc/passwd/x', 'runc run failed: unable to start container process: exec: "/etc/passwd/x": stat /etc/passwd/x: not a directory', 'COMMAND_NOT_FOUND'],
  ['runc', '/etc', 'runc run failed: unable to start container process: exec: "/etc": permission denied', 'CANNOT_INVOKE'],
  ['runc', '/noexec.sh (644)', 'runc run failed: unable to start container process: exec: "/noexec.sh": permission denied', 'CANNOT_INVOKE'],
  ['runc', '/dev/null', 'runc run failed: unable to start container process: exec: "/dev/null": permission denied', 'CANNOT_INVOKE'],
  // runc (ctr stderr)
  ['runc', '/badinterp.sh (#!/no/such/interp)', 'exec /badinterp.sh: no such file or directory', 'COMMAND_NOT_FOUND'],
  ['runc', '/armbox (aarch64 ELF)', 'exec /armbox: exec format error', 'CANNOT_INVOKE'],
  ['runc', '/garbage (755, not a binary)', 'exec /garbage: exec format error', 'CANNOT_INVOKE'],
  // crun (log)
  ['crun', '/no/such/command', 'executable file `/no/such/command` not found in $PATH: No such file or directory', 'COMMAND_NOT_FOUND'],
  ['crun', 'nosuchcmd', 'executable file `nosuchcmd` not found in $PATH: No such file or directory', 'COMMAND_NOT_FOUND'],
  ['crun', './nosuchrel', 'executable file `./nosuchrel` not found in $PATH: No such file or directory', 'COMMAND_NOT_FOUND'],
  ['crun', '/etc/passwd/x', 'open executable: Not a directory', 'COMMAND_NOT_FOUND'],
  ['crun', '/etc', 'open executable: Operation not permitted', 'CANNOT_INVOKE'],
  ['crun', '/noexec.sh (644)', 'open executable: Permission denied', 'CANNOT_INVOKE'],
  // crun (ctr stderr, as a JSON object; this is its msg)
  ['crun', '/badinterp.sh (#!/no/such/interp)', 'exec container process (missing dynamic library?) `/badinterp.sh`: No such file or directory', 'COMMAND_NOT_FOUND'],
  ['crun', '/armbox (aarch64 ELF)', 'exec container process `/armbox`: Exec format error', 'CANNOT_INVOKE'],
  ['crun', '/garbage (755, not a binary)', 'exec container process `/garbage`: Exec format error', 'CANNOT_INVOKE'],
  // runsc (log), every case
  ['runsc', '/no/such/command', `${runscPrefix}creating process: failed to load /no/such/command: no such file or directory`, 'COMMAND_NOT_FOUND'],
  ['runsc', 'nosuchcmd', `${runscPrefix}error finding executable "nosuchcmd" in PATH ${RUNSC_PATH}: no such file or directory`, 'COMMAND_NOT_FOUND'],
  ['runsc', './nosuchrel', `${runscPrefix}creating process: failed to load /nosuchrel: no such file or directory`, 'COMMAND_NOT_FOUND'],
  ['runsc', '/etc/passwd/x', `${runscPrefix}creating process: failed to load /etc/passwd/x: not a directory`, 'COMMAND_NOT_FOUND'],
  ['runsc', '/badinterp.sh (#!/no/such/interp)', `${runscPrefix}creating process: failed to load /badinterp.sh: no such file or directory`, 'COMMAND_NOT_FOUND'],
  ['runsc', '/etc', `${runscPrefix}creating process: failed to load /etc: permission denied`, 'CANNOT_INVOKE'],
  ['runsc', '/noexec.sh (644)', `${runscPrefix}creating process: failed to load /noexec.sh: permission denied`, 'CANNOT_INVOKE'],
  ['runsc', '/dev/null', `${runscPrefix}creating process: failed to load /dev/null: permission denied`, 'CANNOT_INVOKE'],
  ['runsc', '/armbox (aarch64 ELF)', `${runscPrefix}creating process: failed to load /armbox: exec format error`, 'CANNOT_INVOKE'],
  ['runsc', '/garbage (755, not a binary)', `${runscPrefix}creating process: failed to load /garbage: exec format error`, 'CANNOT_INVOKE'],
  // runsc exec (log): another prefix, the same words
  ['runsc', 'exec /etc', 'executing processes for container: executing command "/etc" in sandbox: failed to load /etc: permission denied', 'CANNOT_INVOKE'],
  ['runsc', 'exec /no/such', 'executing processes for container: executing command "/no/such" in sandbox: failed to load /no/such: no such file or directory', 'COMMAND_NOT_FOUND'],
  ['runsc', 'exec /etc/passwd/x', 'executing processes for container: executing command "/etc/passwd/x" in sandbox: failed to load /etc/passwd/x: not a directory', 'COMMAND_NOT_FOUND'],
];

/** Real failures that end in the same errno words but are not about the command: 125, never 126/127. */
const NOT_EXEC: readonly Row[] = [
  ['runc', 'RLIMIT_NOFILE 1048576', 'runc run failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 7: operation not permitted', 'RUNTIME_FAILED'],
  ['runc', 'missing rootfs', 'runc run failed: invalid rootfs: stat /nonexistent-rootfs: no such file or directory', 'RUNTIME_FAILED'],
  ['runc', 'cwd /etc/passwd', 'runc run failed: unable to start container process: error during container init: mkdir /etc/passwd: not a directory', 'RUNTIME_FAILED'],
  ['crun', 'RLIMIT_NOFILE 1048576', 'setrlimit `RLIMIT_NOFILE`: Operation not permitted', 'RUNTIME_FAILED'],
  ['crun', 'missing rootfs', 'make `/nonexistent-rootfs` private: No such file or directory', 'RUNTIME_FAILED'],
  ['crun', 'cwd /etc/passwd', 'chdir `/etc/passwd`: Not a directory', 'RUNTIME_FAILED'],
  ['runsc', 'private netns without --network=none', 'running container: starting container: setting up network: creating interfaces from net namespace "/proc/18838/ns/net": cannot run with network enabled in root network namespace', 'RUNTIME_FAILED'],
  ['runsc', 'missing rootfs (three log entries, joined)', 'Error setting up root FS: mounting root on root ("/proc/root") err: no such file or directory\nError reading mounts file: error unmarshaling mounts: unexpected end of JSON input\nJSON bytes:\n\nrunning container: creating container: cannot create sandbox: cannot read client sync file: waiting for sandbox to start: EOF', 'RUNTIME_FAILED'],
  ['runsc', 'cwd /etc/passwd', 'Error setting up root FS: creating working directory "/etc/passwd": mkdir /proc/root/etc/passwd: not a directory', 'RUNTIME_FAILED'],
  ['runc', 'kill of an unknown id', 'container does not exist', 'RUNTIME_FAILED'],
  ['crun', 'kill of an unknown id', 'error opening file `/run/t/runtimes/crun/nosuch/status`: No such file or directory', 'RUNTIME_FAILED'],
  ['runsc', 'kill of an unknown id', 'loading container: file does not exist', 'RUNTIME_FAILED'],
];

describe('classifyRuntimeError', () => {
  it.each(OBSERVED)('%s %s', (kind, _cmd, message, want) => {
    expect(classifyRuntimeError(kind, message)).toBe(want);
  });

  it.each(OBSERVED)('generic (a runc-compatible CLI worded like %s): %s', (_kind, _cmd, message, want) => {
    expect(classifyRuntimeError('generic', message)).toBe(want);
  });

  it.each(NOT_EXEC)('%s %s → RUNTIME_FAILED', (kind, _cmd, message, want) => {
    expect(classifyRuntimeError(kind, message)).toBe(want);
    expect(classifyRuntimeError('generic', message)).toBe(want);
  });

  it('decides on any line of a multi-line message (several log entries, or stderr)', () => {
    const msg = 'some warning\nrunc run failed: unable to start container process: exec: "/etc": permission denied\n';
    expect(classifyRuntimeError('runc', msg)).toBe('CANNOT_INVOKE');
  });

  it('falls back to exec-anchored wording for other versions and CLIs', () => {
    expect(classifyRuntimeError('generic', 'failed to exec "/bin/foo": is a directory')).toBe('CANNOT_INVOKE');
    expect(classifyRuntimeError('runc', 'exec: "/app": executable path is empty: executable not found')).toBe('COMMAND_NOT_FOUND');
    expect(classifyRuntimeError('generic', 'something else entirely')).toBe('RUNTIME_FAILED');
    expect(classifyRuntimeError('crun', '')).toBe('RUNTIME_FAILED');
  });
});

describe('exitCodeFor', () => {
  it('is podman’s table', () => {
    expect(exitCodeFor('COMMAND_NOT_FOUND')).toBe(127);
    expect(exitCodeFor('CANNOT_INVOKE')).toBe(126);
    expect(exitCodeFor('RUNTIME_FAILED')).toBe(125);
  });
});
