// Pure rootless pieces: subordinate ID files, newuidmap arguments, container user namespaces, keep-id etc
// files, the default run directory (checked against the C helper that computes it too).
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerUserNamespace, keepIdEtc } from '../../../engine/container/userns.ts';
import { mapArgs } from '../../../engine/rootless/holder.ts';
import { defaultRunDir, parseIdMap } from '../../../engine/rootless/paths.ts';
import { idsInside, parseSubIds, readSubIds } from '../../../engine/rootless/subids.ts';

const ids = { user: 'alice', uid: 1000, gid: 1000, home: '/home/alice', uids: 65537, gids: 65537 };

describe('subordinate IDs', () => {
  it('reads every block of the user, by name or uid, in file order', () => {
    const text = 'bob:100000:65536\nalice:165536:65536\n# c\n1000:300000:10\nalice:bad:1\n';
    expect(parseSubIds(text, 'alice', 1000)).toEqual([{ start: 165536, count: 65536 }, { start: 300000, count: 10 }]);
    expect(idsInside(parseSubIds(text, 'alice', 1000))).toBe(65547);
    expect(mapArgs(1000, parseSubIds(text, 'alice', 1000))).toEqual(['0', '1000', '1', '1', '165536', '65536', '65537', '300000', '10']);
  });

  it('a user without ranges: the error names the user, the file and a free range to add', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tse-subids-'));
    try {
      writeFileSync(join(dir, 'subuid'), 'bob:100000:65536\n');
      writeFileSync(join(dir, 'subgid'), 'bob:100000:65536\n');
      expect(() => readSubIds({ user: 'alice', uid: 1000, gid: 1000, files: { uid: join(dir, 'subuid'), gid: join(dir, 'subgid') } })).toThrow(
        `rootless: user "alice" (uid 1000) has no subordinate UID range in ${join(dir, 'subuid')}: as root run \`usermod --add-subuids 165536-231071 --add-subgids 165536-231071 alice\``,
      );
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('container user namespaces', () => {
  it('shares the engine\'s by default and with host', () => {
    expect(containerUserNamespace({}, ids)).toBeUndefined();
    expect(containerUserNamespace({ mode: 'host' }, ids)).toBeUndefined();
  });

  it('keep-id puts the user at its own ID and everything else around it', () => {
    const ns = containerUserNamespace({ mode: 'keep-id' }, ids)!;
    expect(ns.uidMappings).toEqual([
      { containerID: 0, hostID: 1, size: 1000 },
      { containerID: 1000, hostID: 0, size: 1 },
      { containerID: 1001, hostID: 1001, size: 64536 },
    ]);
    expect(ns.keepId).toEqual({ uid: 1000, gid: 1000, name: 'alice', home: '/home/alice' });
  });

  it('refuses what cannot work, saying why', () => {
    expect(() => containerUserNamespace({ mode: 'keep-id' }, undefined)).toThrow(/only supported in rootless mode/);
    expect(() => containerUserNamespace({ uidMap: ['0:1:70000'] }, ids)).toThrow(/must map ID 0/);
    expect(() => containerUserNamespace({ uidMap: ['0:0:1', '1:1:70000'] }, ids)).toThrow(/reaches ID 70000, but the rootless namespace has IDs 0-65536 only/);
    expect(() => containerUserNamespace({ uidMap: ['x'] }, ids)).toThrow(/expected CONTAINER_ID:HOST_ID:COUNT/);
  });

  it('keep-id adds passwd and group entries only when missing', () => {
    const k = { uid: 1000, gid: 1000, name: 'alice', home: '/home/alice' };
    expect(keepIdEtc(k, 'root:x:0:0:root:/root:/bin/sh', 'root:x:0:')).toEqual({
      passwd: 'root:x:0:0:root:/root:/bin/sh\nalice:*:1000:1000:alice:/home/alice:/bin/sh\n',
      group: 'root:x:0:\nalice:x:1000:alice\n',
    });
    expect(keepIdEtc(k, 'al:x:1000:1000::/:/bin/sh\n', 'al:x:1000:\n')).toEqual({});
  });
});

describe('paths', () => {
  it('parses ID maps', () => {
    expect(parseIdMap('         0       1001          1\n         1     100000      65536\n')).toEqual([
      { inside: 0, outside: 1001, count: 1 },
      { inside: 1, outside: 100000, count: 65536 },
    ]);
  });

  const helper = join(import.meta.dirname, '../../../build/Release/tsengine-userns');
  it.skipIf(!existsSync(helper))('the C helper reads the holder pid file where the engine writes it (skipped only when the helper is not built)', async () => {
    // A pid file naming a live process (this one, with its start time) makes the helper try to join that
    // process's user namespace, ours: setns fails with EINVAL. So "setns(user)" proves it read that file.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    const uid = process.geteuid!();
    const dir = mkdtempSync(join(tmpdir(), 'tse-rundir-'));
    try {
      for (const env of [{ XDG_RUNTIME_DIR: dir }, { TMPDIR: dir }]) {
        const expected = 'XDG_RUNTIME_DIR' in env ? join(dir, 'tsengine') : join(dir, `tsengine-run-${uid}`);
        expect(defaultRunDir(env, uid)).toBe(expected);
        const unjoined = await execa(helper, ['join-default', '--', 'echo', 'ran'], { env, extendEnv: false, reject: false });
        expect(unjoined.stdout).toBe('ran'); // no pid file yet: runs as it is
        mkdirSync(expected, { recursive: true });
        writeFileSync(join(expected, 'userns.pid'), `${process.pid} ${start}\n`);
        const r = await execa(helper, ['join-default', '--', 'echo', 'ran'], { env, extendEnv: false, reject: false });
        expect({ code: r.exitCode, stderr: r.stderr }).toEqual({ code: 125, stderr: 'Error: tsengine-userns: setns(user): Invalid argument' });
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
