// The pure parts of the conformance suite: finding a process's cgroup limit files from /proc/PID/cgroup
// and mountinfo (v1, v2, hybrid, and what is missing), reading `state` by the spec's rules, and the
// one-line reasons the matrix shows.
import { describe, expect, it } from 'vitest';
import { limitFilePath, MEMORY_LIMIT, parseCgroupMounts, parseProcCgroup, PIDS_LIMIT } from '../../../engine/runtime/conformance/cgroups.ts';
import { differs, oneLine, quote } from '../../../engine/runtime/conformance/case.ts';
import { parseState } from '../../../engine/runtime/conformance/state.ts';

// This machine's layout (cgroup v1 hybrid), trimmed from /proc/self/mountinfo.
const HYBRID_MOUNTS = [
  '25 22 0:22 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '26 25 0:23 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '27 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
  '29 25 0:26 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '33 25 0:30 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '34 25 0:31 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
  '35 25 0:32 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  '40 22 0:40 / /mnt/with\\040space rw - ext4 /dev/vda rw',
].join('\n');

const HYBRID_PROC = ['10:hugetlb:/tsengine/c1', '8:pids:/tsengine/c1', '4:memory:/tsengine/c1', '1:cpu,cpuacct:/tsengine/c1', '0::/tsengine/c1', ''].join('\n');

describe('cgroup limit files', () => {
  it('hybrid host: the v1 hierarchy of the controller wins over the v2 tree', () => {
    const membership = parseProcCgroup(HYBRID_PROC);
    const mounts = parseCgroupMounts(HYBRID_MOUNTS);
    expect(membership.v1.get('cpuacct')).toBe('/tsengine/c1');
    expect(membership.v2).toBe('/tsengine/c1');
    expect(mounts.v1.get('cpu')).toBe('/sys/fs/cgroup/cpu'); // the first mount with the controller
    expect(mounts.v2).toBe('/sys/fs/cgroup/unified');
    expect(limitFilePath(MEMORY_LIMIT, membership, mounts)).toEqual({ path: '/sys/fs/cgroup/memory/tsengine/c1/memory.limit_in_bytes' });
    expect(limitFilePath(PIDS_LIMIT, membership, mounts)).toEqual({ path: '/sys/fs/cgroup/pids/tsengine/c1/pids.max' });
  });

  it('pure v2 host: the unified tree with its own file names', () => {
    const membership = parseProcCgroup('0::/system.slice/tsengine-c1.scope\n');
    const mounts = parseCgroupMounts('30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate');
    expect(limitFilePath(MEMORY_LIMIT, membership, mounts)).toEqual({ path: '/sys/fs/cgroup/system.slice/tsengine-c1.scope/memory.max' });
  });

  it('says what is missing instead of guessing a path', () => {
    expect(limitFilePath(MEMORY_LIMIT, parseProcCgroup('4:memory:/x\n'), parseCgroupMounts(''))).toEqual({
      missing: 'the memory cgroup v1 hierarchy is not mounted on the host',
    });
    expect('missing' in limitFilePath(PIDS_LIMIT, parseProcCgroup('4:memory:/x\n'), parseCgroupMounts(HYBRID_MOUNTS))).toBe(true);
  });
});

describe('parseState (runtime-spec runtime.md "State")', () => {
  it('reads status and pid', () => {
    expect(parseState('{"ociVersion":"1.0.2","id":"a","status":"running","pid":42,"bundle":"/b"}')).toEqual({ status: 'running', pid: 42 });
  });

  it('needs a pid while created or running, not once stopped (runsc prints -1)', () => {
    expect(parseState('{"status":"stopped","pid":-1}')).toEqual({ status: 'stopped', pid: -1 });
    expect(parseState('{"status":"stopped"}')).toEqual({ status: 'stopped', pid: 0 });
    expect(parseState('{"status":"created","pid":0}')).toBe('status created with pid 0');
    expect(parseState('{"status":"running"}')).toBe('status running with pid undefined');
  });

  it('explains what is not a state', () => {
    expect(parseState('{"status":"exploded","pid":1}')).toBe('unknown status "exploded"');
    expect(parseState('oops')).toBe('not JSON: "oops"');
    expect(parseState('null')).toBe('not an object: "null"');
  });
});

describe('reasons', () => {
  it('differs: undefined when equal, else expected vs got with newlines visible', () => {
    expect(differs('stdout', 'a\n', 'a\n')).toBeUndefined();
    expect(differs('stdout', 'a\n', 'b\n')).toEqual({ status: 'fail', detail: 'stdout: expected "a\\n", got "b\\n"' });
  });

  it('one line, cut when long', () => {
    expect(oneLine('first\n  second\n\nthird   x')).toBe('first | second | third x');
    expect(quote('x'.repeat(500))).toHaveLength(160);
    expect(quote('x'.repeat(500)).endsWith('…"')).toBe(true);
  });
});
