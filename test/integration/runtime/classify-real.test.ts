// classify.ts against the installed runtimes: each command of podman's exit-code table (plus a few more
// ways to fail) is run for real with runc, crun and runsc through OciCliRuntime.runArgv, and the error the
// runtime reports is classified. Where the error shows up is part of what is checked:
//   'log'     the runtime failed before handing over: error entry in its JSON log, the same text on stderr,
//             runtime exit 1 (runc, crun) or 128 (runsc);
//   'handed'  execve() itself failed after runc/crun handed over to the container process: they exit 1 *as
//             the container*, nothing in the log, the message on the container's stderr (crun: as JSON).
// A runtime is skipped only if its binary is missing, and the skip says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyRuntimeError, exitCodeFor, type RuntimeFailure } from '../../../engine/runtime/classify.ts';
import type { OciCliRuntime } from '../../../engine/runtime/oci-cli.ts';
import { runtimeErrorMessages } from '../../../engine/runtime/runtime-log.ts';
import { KNOWN_RUNTIMES, makeBundleFixture, type BundleFixture } from './bundle-fixture.ts';

let fx: BundleFixture;
beforeAll(async () => {
  fx = await makeBundleFixture('classify');
});
afterAll(async () => {
  await fx?.cleanup();
});

type Where = 'log' | 'handed';
interface Case {
  readonly label: string;
  readonly args: readonly string[];
  readonly want: Exclude<RuntimeFailure, 'RUNTIME_FAILED'>;
  /** Where the error appears, per runtime (runsc reports every case itself). */
  readonly where: Readonly<Record<'runc' | 'crun' | 'runsc', Where>>;
}

const LOG = { runc: 'log', crun: 'log', runsc: 'log' } as const;
const HANDED = { runc: 'handed', crun: 'handed', runsc: 'log' } as const;

const CASES: readonly Case[] = [
  { label: '/no/such/command', args: ['/no/such/command'], want: 'COMMAND_NOT_FOUND', where: LOG },
  { label: 'nosuchcmd (not in PATH)', args: ['nosuchcmd'], want: 'COMMAND_NOT_FOUND', where: LOG },
  { label: '/etc/passwd/x (a path component is a file)', args: ['/etc/passwd/x'], want: 'COMMAND_NOT_FOUND', where: LOG },
  { label: '/etc (a directory)', args: ['/etc'], want: 'CANNOT_INVOKE', where: LOG },
  { label: '/noexec.sh (chmod 644)', args: ['/noexec.sh'], want: 'CANNOT_INVOKE', where: LOG },
  { label: '/badinterp.sh (#!/no/such/interp)', args: ['/badinterp.sh'], want: 'COMMAND_NOT_FOUND', where: HANDED },
  { label: '/armbox (aarch64 binary: ENOEXEC)', args: ['/armbox'], want: 'CANNOT_INVOKE', where: HANDED },
  { label: '/garbage (755, not a binary: ENOEXEC)', args: ['/garbage'], want: 'CANNOT_INVOKE', where: HANDED },
];

/** What runc/crun/runsc exit with when they themselves fail to run the command. */
const RUNTIME_FAIL_EXIT = { runc: 1, crun: 1, runsc: 128 } as const;

describe.each(KNOWN_RUNTIMES)('%s', (name) => {
  let rt: OciCliRuntime | string;
  beforeAll(() => {
    rt = fx.runtime(name);
  });
  const need = (skip: (note: string) => never): OciCliRuntime => (typeof rt === 'string' ? skip(rt) : rt);

  it("sh -c 'exit 7' exits 7 and logs no error", async ({ skip }) => {
    const r = await fx.run(need(skip), ['sh', '-c', 'exit 7']);
    expect(r.exitCode).toBe(7);
    expect(r.logErrors).toEqual([]);
  });

  it('keeps the command’s stdout and stderr apart', async ({ skip }) => {
    const r = await fx.run(need(skip), ['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toMatchObject({ exitCode: 3, stdout: 'out', stderr: 'err', logErrors: [] });
  });

  it.for(CASES)('$label → $want', async ({ args, want, where }, { skip, annotate }) => {
    const runtime = need(skip);
    const r = await fx.run(runtime, args);
    if (where[name] === 'log') {
      expect(r.exitCode).toBe(RUNTIME_FAIL_EXIT[name]);
      expect(r.logErrors.length).toBeGreaterThan(0);
      const message = r.logErrors.join('\n');
      await annotate(`${name} log: ${message}`);
      expect(r.stderr).toContain(r.logErrors.at(-1)); // also printed on stderr
      expect(classifyRuntimeError(runtime.profile.kind, message)).toBe(want);
    } else {
      // Handed over: exit 1 as the container would, no log entry; the message is on the container's stderr.
      expect(r.exitCode).toBe(1);
      expect(r.logErrors).toEqual([]);
      const message = runtimeErrorMessages(r.stderr).join('\n') || r.stderr;
      await annotate(`${name} container stderr: ${r.stderr}`);
      expect(message).not.toBe('');
      expect(classifyRuntimeError(runtime.profile.kind, message)).toBe(want);
    }
    expect(exitCodeFor(want)).toBe(want === 'COMMAND_NOT_FOUND' ? 127 : 126);
  });

  it('a failure that is not about the command (RLIMIT_NOFILE above the hard limit) stays RUNTIME_FAILED', async ({ skip, annotate }) => {
    const runtime = need(skip);
    const r = await fx.run(runtime, ['true'], {
      edit: (spec) => {
        spec['process'].rlimits = [{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }];
      },
    });
    if (name === 'runsc') {
      // runsc applies rlimits inside its sandbox kernel: the hard limit of this host does not bind (measured).
      expect(r).toMatchObject({ exitCode: 0, logErrors: [] });
      return;
    }
    expect(r.exitCode).toBe(RUNTIME_FAIL_EXIT[name]);
    const message = r.logErrors.join('\n');
    await annotate(`${name} log: ${message}`);
    expect(message).toMatch(/operation not permitted/i);
    expect(classifyRuntimeError(runtime.profile.kind, message)).toBe('RUNTIME_FAILED');
  });
});
