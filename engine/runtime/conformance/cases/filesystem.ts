/**
 * config.json's `mounts` and `root.readonly`, checked by their effect on both sides: what the container
 * can read and write, and what arrives (or must not arrive) on the host and in the rootfs's upper dir.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OciMount } from '../../../container/oci-spec.ts';
import { type CaseOutcome, type ConformanceCase, differs, exitedWith, fail, pass, quote } from '../case.ts';
import type { CaseContext } from '../context.ts';
import type { Invocation } from '../driver.ts';

/** strerror(EROFS) as musl and glibc word it (busybox prints it after the path). */
const EROFS_TEXT = 'Read-only file system';

function refusedAsReadOnly(what: string, r: Invocation): CaseOutcome | undefined {
  if (r.exitCode === 0) return fail(`${what}: expected the write to fail with EROFS, the container exited 0`);
  if (!r.stderr.includes(EROFS_TEXT)) return fail(`${what}: expected EROFS ("${EROFS_TEXT}"), got ${quote(r.stderr.trim())}`);
  return undefined;
}

function hostSource(ctx: CaseContext, name: string): string {
  const dir = ctx.hostDir(name);
  writeFileSync(join(dir, 'probe.txt'), 'from-host\n');
  return dir;
}

function withMount(m: OciMount) {
  return (s: { mounts: OciMount[] }) => void s.mounts.push(m);
}

const bindRo: ConformanceCase = {
  id: 'bind-ro',
  title: 'a read-only bind mount is readable and refuses writes (EROFS)',
  async run(ctx) {
    const src = hostSource(ctx, 'ro');
    const b = ctx.bundle({
      args: ['sh', '-c', 'cat /mnt/tse-ro/probe.txt; touch /mnt/tse-ro/new'],
      edit: withMount({ destination: '/mnt/tse-ro', type: 'bind', source: src, options: ['rbind', 'ro'] }),
    });
    const r = await ctx.run(b).done;
    const left = readdirSync(src);
    return (
      differs('stdout', 'from-host\n', r.stdout) ??
      refusedAsReadOnly('touch /mnt/tse-ro/new', r) ??
      differs('host dir after the refused write', 'probe.txt', left.join(' ')) ??
      pass()
    );
  },
};

const bindRw: ConformanceCase = {
  id: 'bind-rw',
  title: 'a read-write bind mount: the container\'s write is on the host',
  async run(ctx) {
    const src = hostSource(ctx, 'rw');
    const b = ctx.bundle({
      args: ['sh', '-c', 'cat /mnt/tse-rw/probe.txt; echo from-container > /mnt/tse-rw/out.txt'],
      edit: withMount({ destination: '/mnt/tse-rw', type: 'bind', source: src, options: ['rbind', 'rw'] }),
    });
    const r = await ctx.run(b).done;
    const bad = exitedWith('run', r, 0) ?? differs('stdout', 'from-host\n', r.stdout);
    if (bad) return bad;
    const out = join(src, 'out.txt');
    if (!existsSync(out)) return fail(`the container's write did not reach the host (${out} is missing)`);
    return differs('host file', 'from-container\n', readFileSync(out, 'utf8')) ?? pass();
  },
};

const tmpfs: ConformanceCase = {
  id: 'tmpfs',
  title: 'a tmpfs mount: type tmpfs, its mode, writes stay off the rootfs',
  async run(ctx) {
    const b = ctx.bundle({
      args: ['sh', '-c', 'awk \'$2 == "/mnt/tse-tmpfs" { print $3 }\' /proc/mounts; stat -c %a /mnt/tse-tmpfs; echo x > /mnt/tse-tmpfs/f && cat /mnt/tse-tmpfs/f'],
      edit: withMount({ destination: '/mnt/tse-tmpfs', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=1m', 'mode=1777'] }),
    });
    const r = await ctx.run(b).done;
    const bad = exitedWith('run', r, 0) ?? differs('fs type, mode, content', 'tmpfs\n1777\nx\n', r.stdout);
    if (bad) return bad;
    const leaked = join(ctx.upper, 'mnt', 'tse-tmpfs', 'f');
    return existsSync(leaked) ? fail(`the write to the tmpfs landed in the rootfs (${leaked})`) : pass();
  },
};

const readonlyRootfs: ConformanceCase = {
  id: 'readonly-rootfs',
  title: 'root.readonly: a write to the rootfs fails (EROFS)',
  async run(ctx) {
    const r = await ctx.run(ctx.bundle({ args: ['touch', '/tse-ro-probe'], readonlyRootfs: true })).done;
    const bad = refusedAsReadOnly('touch /tse-ro-probe', r);
    if (bad) return bad;
    return existsSync(join(ctx.upper, 'tse-ro-probe')) ? fail('the refused write is in the rootfs anyway') : pass();
  },
};

export const FILESYSTEM_CASES: readonly ConformanceCase[] = [bindRo, bindRw, tmpfs, readonlyRootfs];
