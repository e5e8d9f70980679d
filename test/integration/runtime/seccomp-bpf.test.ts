// The compiled seccomp programs handed to crun (engine/container/seccomp-bpf.ts, native/seccomp-compile.c):
// byte for byte the program crun 1.8.1 makes itself from the same linux.seccomp (read back from the state
// directory of a real `crun create`, where crun keeps it as seccomp.bpf), loaded by crun from the annotation
// instead of the JSON, and cached in the run root only while its compiler and libseccomp stay the same.
import { execa } from 'execa';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_SECCOMP, CONTAINERS_SECCOMP_PROFILE, seccompFromProfile } from '../../../engine/container/security.ts';
import type { OciSeccomp } from '../../../engine/container/oci-spec.ts';
import { SECCOMP_BPF_ANNOTATION, seccompProgram } from '../../../engine/container/seccomp-bpf.ts';
import { makeBundleFixture, type BundleFixture } from './bundle-fixture.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const COMPILER = join(REPO, 'build', 'Release', 'tsengine-seccomp');
const haveCrun = (await execa('which', ['crun'], { reject: false })).exitCode === 0;
const haveCompiler = existsSync(COMPILER);
const SKIP = !haveCrun ? 'crun is not installed' : !haveCompiler ? `${COMPILER} is not built (libseccomp-dev missing at npm ci)` : '';

const host = { arch: process.arch, kernel: '6.1.0' };
const ALL_CAPS = ['CAP_CHOWN', 'CAP_SETUID', 'CAP_SYS_ADMIN'];

/** Profiles covering what crun's translation does: args, the same arg twice (split into rules), masks,
 * errno defaults, a rule whose action is the default (dropped), unknown syscall names (ignored). */
const CRAFTED: Record<string, OciSeccomp> = {
  'errno default with args': {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 38,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: ['read', 'write', 'exit_group', 'no_such_syscall_at_all'], action: 'SCMP_ACT_ALLOW' },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      // The same argument twice: crun adds one rule per comparison (an OR).
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 97, args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }, { index: 2, value: 9, op: 'SCMP_CMP_EQ' }] },
      { names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0xff00, valueTwo: 0x5400, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }, // the default action itself: dropped
    ],
  },
  'allow default, kill and log rules': {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['reboot'], action: 'SCMP_ACT_KILL_PROCESS' },
      { names: ['acct'], action: 'SCMP_ACT_LOG' },
      { names: ['swapon'], action: 'SCMP_ACT_ERRNO' },
      { names: ['kexec_load'], action: 'SCMP_ACT_TRAP' },
    ],
  },
};

let fx: BundleFixture;
beforeAll(async () => {
  if (!SKIP) fx = await makeBundleFixture('seccomp');
});
afterAll(async () => fx?.cleanup());

/** What crun itself compiles from `seccomp`: `crun create` keeps it in the container's state directory. */
async function crunsProgram(seccomp: OciSeccomp): Promise<Buffer> {
  const state = join(fx.dir, 'crun-state');
  const id = `seccomp-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  const bundle = fx.bundle(['true'], {
    edit: (spec) => {
      spec.linux.seccomp = seccomp;
    },
  });
  // The container's stdio is crun's: with pipes, the created (waiting) container would hold them open.
  const log = join(bundle, 'crun.log');
  const r = await execa('crun', ['--root', state, '--log', log, 'create', '--bundle', bundle, id], { reject: false, stdio: 'ignore' });
  try {
    expect(r.exitCode, existsSync(log) ? readFileSync(log, 'utf8') : '').toBe(0);
    return readFileSync(join(state, id, 'seccomp.bpf'));
  } finally {
    await execa('crun', ['--root', state, 'delete', '--force', id], { reject: false });
  }
}

function profiles(): [string, OciSeccomp][] {
  const out: [string, OciSeccomp][] = Object.entries(CRAFTED);
  out.push(['tsengine built-in', seccompFromProfile(BUILTIN_SECCOMP, ALL_CAPS.slice(0, 2), host)]);
  if (existsSync(CONTAINERS_SECCOMP_PROFILE)) {
    const containers = JSON.parse(readFileSync(CONTAINERS_SECCOMP_PROFILE, 'utf8')) as unknown;
    out.push(['containers default', seccompFromProfile(containers, ALL_CAPS.slice(0, 2), host)]);
    out.push(['containers default + CAP_SYS_ADMIN', seccompFromProfile(containers, ALL_CAPS, host)]);
  }
  return out;
}

describe.skipIf(SKIP !== '')(`compiled seccomp programs for crun${SKIP ? ` — skipped: ${SKIP}` : ''}`, () => {
  it.each(profiles())('%s: the same bytes as crun compiles', async (_name, seccomp) => {
    const runRoot = join(fx.dir, 'cache-same');
    const ours = await seccompProgram(seccomp, runRoot);
    expect(ours).toBeDefined();
    expect(ours!.length % 8).toBe(0);
    expect(Buffer.compare(ours!, await crunsProgram(seccomp))).toBe(0);
  });

  it('crun loads the program from the annotation, not linux.seccomp', async () => {
    const denyMkdir: OciSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] };
    const program = await seccompProgram(denyMkdir, join(fx.dir, 'cache-load'));
    const rt = fx.runtime('crun');
    if (typeof rt === 'string') throw new Error(rt);
    const script = ['sh', '-c', 'mkdir /tmp/x 2>&1; echo mkdir=$?'];
    const bundleEdit = (withProgram: boolean) => (spec: Record<string, any>) => {
      spec.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] });
      // linux.seccomp allows everything: only the annotation's program can deny mkdir.
      spec.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['reboot'], action: 'SCMP_ACT_ERRNO' }] };
      if (withProgram) spec.annotations = { [SECCOMP_BPF_ANNOTATION]: program!.toString('base64') };
    };
    const withProgram = await fx.run(rt, script, { edit: bundleEdit(true) });
    expect(withProgram.stdout).toMatch(/Permission denied\nmkdir=1$/);
    const without = await fx.run(rt, script, { edit: bundleEdit(false) });
    expect(without.stdout).toBe('mkdir=0');
  });

  it('is cached: reused while the compiler and libseccomp are unchanged, compiled again otherwise', async () => {
    const runRoot = join(fx.dir, 'cache-reuse');
    const seccomp = CRAFTED['allow default, kill and log rules']!;
    const first = await seccompProgram(seccomp, runRoot);
    const dir = join(runRoot, 'seccomp');
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    const [bpfFile, entryFile] = files.map((f) => join(dir, f)) as [string, string];
    expect(bpfFile).toMatch(/\/[0-9a-f]{64}\.bpf$/);
    const entry = JSON.parse(readFileSync(entryFile, 'utf8')) as { library: string; libseccomp: string };
    expect(entry.library).toMatch(/libseccomp\.so/);
    expect(entry.libseccomp).toMatch(/^\d+\.\d+\.\d+$/);
    const ino = statSync(bpfFile).ino;

    // A hit reads the file: same inode (a compile renames a new one into place).
    expect(Buffer.compare((await seccompProgram(seccomp, runRoot))!, first!)).toBe(0);
    expect(statSync(bpfFile).ino).toBe(ino);

    // Another libseccomp (its identity recorded at compile time differs): compiled again.
    writeFileSync(entryFile, JSON.stringify({ ...JSON.parse(readFileSync(entryFile, 'utf8')), libraryId: '0:0:0:0' }));
    expect(Buffer.compare((await seccompProgram(seccomp, runRoot))!, first!)).toBe(0);
    expect(statSync(bpfFile).ino).not.toBe(ino);

    // A truncated program (a disk that filled up): not used, compiled again.
    writeFileSync(bpfFile, Buffer.alloc(5));
    expect(Buffer.compare((await seccompProgram(seccomp, runRoot))!, first!)).toBe(0);
    expect(statSync(bpfFile).size).toBe(first!.length);
  });

  it('keeps the entries used last: a new one evicts the least recently used beyond the limit', async () => {
    const runRoot = join(fx.dir, 'cache-evict');
    const dir = join(runRoot, 'seccomp');
    const denying = (name: string): OciSeccomp => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [name], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] });
    const [a, b, c, d] = ['mkdir', 'rmdir', 'chmod', 'chown'].map(denying) as [OciSeccomp, OciSeccomp, OciSeccomp, OciSeccomp];
    const keys = () => readdirSync(dir).sort();
    const tick = () => new Promise((r) => setTimeout(r, 20)); // apart in mtime
    for (const p of [a, b, c]) {
      await seccompProgram(p, runRoot, { keep: 3 });
      await tick();
    }
    const abc = keys();
    expect(abc).toHaveLength(6);
    await seccompProgram(a, runRoot, { keep: 3 }); // a hit: a is now the most recently used
    await tick();
    await seccompProgram(d, runRoot, { keep: 3 });
    const after = keys();
    expect(after).toHaveLength(6);
    const gone = abc.filter((f) => !after.includes(f));
    // b, the least recently used, went: both its files.
    expect(gone).toHaveLength(2);
    expect(new Set(gone.map((f) => f.slice(0, 64))).size).toBe(1);
    expect(Buffer.compare((await seccompProgram(b, join(fx.dir, 'cache-evict-b')))!, (await seccompProgram(b, runRoot, { keep: 3 }))!)).toBe(0);
    expect(keys().filter((f) => gone.includes(f))).toEqual(gone); // b compiled again, under the same name
  });

  it('gives nothing (crun compiles) for a profile it refuses or without a compiler, and caches nothing', async () => {
    const runRoot = join(fx.dir, 'cache-refused');
    expect(await seccompProgram({ defaultAction: 'SCMP_ACT_BOGUS' }, runRoot)).toBeUndefined();
    expect(await seccompProgram({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }] }, runRoot)).toBeUndefined();
    expect(await seccompProgram({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_NOPE'] }, runRoot)).toBeUndefined();
    expect(await seccompProgram({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read; rm -rf'], action: 'SCMP_ACT_ALLOW' }] }, runRoot)).toBeUndefined();
    expect(readdirSync(join(runRoot, 'seccomp'))).toEqual([]);
    rmSync(runRoot, { recursive: true, force: true });
    expect(await seccompProgram(CRAFTED['allow default, kill and log rules']!, runRoot, { compiler: join(fx.dir, 'no-such-compiler') })).toBeUndefined();
    expect(existsSync(runRoot)).toBe(false);
  });
});
