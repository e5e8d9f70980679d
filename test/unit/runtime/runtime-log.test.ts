// Runtime JSON logs as the runtimes write them: one object per line (runc, crun) or back to back (runsc).
import { describe, expect, it } from 'vitest';
import { parseRuntimeLog, runtimeErrorMessages } from '../../../engine/runtime/runtime-log.ts';

describe('parseRuntimeLog', () => {
  it('reads runc/crun lines', () => {
    const text =
      '{"level":"error","msg":"runc run failed: unable to start container process: exec: \\"/etc\\": permission denied","time":"2026-11-23T01:23:25Z"}\n' +
      '{"msg":"open executable: Operation not permitted","level":"error","time":"2026-11-23T01:23:29.686795Z"}\n';
    expect(runtimeErrorMessages(text)).toEqual([
      'runc run failed: unable to start container process: exec: "/etc": permission denied',
      'open executable: Operation not permitted',
    ]);
  });

  it('reads runsc objects written back to back without newlines, braces inside strings included', () => {
    const text =
      '{"msg":"Error setting up root FS: mounting root on root (\\"/proc/root\\") err: no such file or directory","level":"error","time":"t1"}' +
      '{"msg":"Error reading mounts file: {weird} unexpected end of JSON input\\nJSON bytes:\\n","level":"error","time":"t2"}' +
      '{"msg":"a warning","level":"warning","time":"t3"}' +
      '{"msg":"running container: creating container: cannot create sandbox: cannot read client sync file: waiting for sandbox to start: EOF","level":"error","time":"t4"}';
    expect(parseRuntimeLog(text).map((e) => e.level)).toEqual(['error', 'error', 'warning', 'error']);
    expect(runtimeErrorMessages(text)).toEqual([
      'Error setting up root FS: mounting root on root ("/proc/root") err: no such file or directory',
      'Error reading mounts file: {weird} unexpected end of JSON input\nJSON bytes:\n',
      'running container: creating container: cannot create sandbox: cannot read client sync file: waiting for sandbox to start: EOF',
    ]);
  });

  it('skips text logs, cut lines and objects without level/msg', () => {
    const text = 'time="2026-11-23T01:24:53Z" level=error msg="container {does} not exist"\n' + 'ror","time":"x"}\n' + '{"level":"error"}\n' + '{"level":"error","msg":"ok"}\n{"level":"er';
    expect(runtimeErrorMessages(text)).toEqual(['ok']);
  });
});
