// Real unprivileged users for the rootless e2e tests, made as root (CI runs as root), idempotently:
//   tsetest   subordinate ranges of 65536 IDs (useradd's default; added with usermod when absent), and a
//             supplementary group, tsekeep
//   tsenoids  no subordinate ranges at all (the teaching error)
//   tsesmall  1000 subordinate IDs only (an image file owned by 65534 does not fit)
//   tsefuse   like tsetest, for the fuse-overlayfs tests (fuseTestUser): a user of its own, so its namespace
//             holder (and the FUSE mounts in it) is not the one rootless.test.ts replaces and lets expire
// Each gets a 0700 XDG_RUNTIME_DIR of its own under /tmp. The CLI runs as the user through setpriv, with
// exactly the environment given (no login shell, nothing inherited from root).
import { execa } from 'execa';
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { CLI, isolatedEnv, type CliResult } from './run-cli.ts';
import { expect } from 'vitest';

export interface TestUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly runtimeDir: string;
}

function subRanges(file: string, name: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith(`${name}:`));
}

async function ensureUser(name: string, ranges: number): Promise<TestUser> {
  if ((await execa('id', ['-u', name], { reject: false })).exitCode !== 0) {
    await execa('useradd', ['-m', '-s', '/bin/sh', '-K', `SUB_UID_COUNT=${ranges}`, '-K', `SUB_GID_COUNT=${ranges}`, name]);
  }
  const have = subRanges('/etc/subuid', name).length > 0 && subRanges('/etc/subgid', name).length > 0;
  if (ranges === 0) {
    for (const [file, flag] of [['/etc/subuid', '--del-subuids'], ['/etc/subgid', '--del-subgids']] as const) {
      for (const line of subRanges(file, name)) {
        const [, start, count] = line.split(':');
        await execa('usermod', [flag, `${start}-${Number(start) + Number(count) - 1}`, name]);
      }
    }
  } else if (!have) {
    // A free block above every existing one.
    const ends = ['/etc/subuid', '/etc/subgid'].flatMap((f) => readFileSync(f, 'utf8').split('\n')).map((l) => {
      const [, s, c] = l.split(':');
      return Number(s) + Number(c);
    }).filter(Number.isFinite);
    const start = Math.max(100000, ...ends);
    await execa('usermod', ['--add-subuids', `${start}-${start + ranges - 1}`, '--add-subgids', `${start}-${start + ranges - 1}`, name]);
  }
  const uid = Number((await execa('id', ['-u', name])).stdout);
  const gid = Number((await execa('id', ['-g', name])).stdout);
  const home = (await execa('getent', ['passwd', name])).stdout.split(':')[5]!;
  const runtimeDir = `/tmp/tse-xdg-${uid}`;
  mkdirSync(runtimeDir, { recursive: true });
  chownSync(runtimeDir, uid, gid);
  chmodSync(runtimeDir, 0o700);
  return { name, uid, gid, home, runtimeDir };
}

/** A supplementary group of tsetest's (`--group-add keep-groups` must hand it to the container). */
export const KEEP_GROUP = 'tsekeep';

export async function rootlessUsers(): Promise<{ full: TestUser; none: TestUser; small: TestUser }> {
  const full = await ensureUser('tsetest', 65536);
  await execa('groupadd', ['-f', KEEP_GROUP]);
  await execa('usermod', ['-aG', KEEP_GROUP, full.name]);
  return {
    full,
    none: await ensureUser('tsenoids', 0),
    small: await ensureUser('tsesmall', 1000),
  };
}

export async function fuseTestUser(): Promise<TestUser> {
  return ensureUser('tsefuse', 65536);
}

/**
 * The root set-up step DESIGN.md §6 asks for: a device node the rootless helpers open (/dev/fuse for
 * fuse-overlayfs, /dev/net/tun for slirp4netns) made 0666; it is 0600 root on this VM. Returns the undo.
 */
export function openDevice(path: '/dev/fuse' | '/dev/net/tun'): () => void {
  const mode = statSync(path).mode & 0o7777;
  chmodSync(path, 0o666);
  return () => chmodSync(path, mode);
}

/** The user's first subordinate range start in `file`. */
export function subStart(file: '/etc/subuid' | '/etc/subgid', user: string): number {
  return Number(subRanges(file, user)[0]!.split(':')[1]);
}

/** Runs the built CLI as `user`, checking the exit code as runCli does. */
export async function runAs(user: TestUser, args: readonly string[], o: { expectCode: number; env?: Record<string, string> }): Promise<CliResult> {
  const env = isolatedEnv({ HOME: user.home, XDG_RUNTIME_DIR: user.runtimeDir, USER: user.name, ...(o.env ?? {}) });
  const r = await execa('setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', CLI, ...args], {
    reject: false, stripFinalNewline: false, env, extendEnv: false, stdin: 'ignore', cwd: '/',
  });
  const result = { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  expect(result, `[${user.name}] tsengine ${args.join(' ')}\n${r.stderr}`).toMatchObject({ code: o.expectCode });
  return result;
}
