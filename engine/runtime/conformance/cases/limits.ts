/**
 * Resource limits: an rlimit as the container's shell reports it, and cgroup limits read back on the host
 * from the cgroup the container's process is in (inside, runsc shows no cgroupfs on a v1 host, so only the
 * host side works for every runtime). The cgroup is created at `create`: the limits are checked before
 * `start`, on a container that never runs its command.
 */
import { readFileSync } from 'node:fs';
import { isErrno } from '../../../../storage/errors.ts';
import { readHostLimits } from '../../../container/rlimits.ts';
import type { OciResources } from '../../../container/oci-spec.ts';
import { type ConformanceCase, differs, exitedWith, fail, pass, skip } from '../case.ts';
import { type LimitFile, limitFilePath, MEMORY_LIMIT, parseCgroupMounts, parseProcCgroup, PIDS_LIMIT } from '../cgroups.ts';
import { describeCall } from '../driver.ts';

const rlimitNofile: ConformanceCase = {
  id: 'rlimit-nofile',
  title: 'process.rlimits RLIMIT_NOFILE sets the soft and hard limit',
  async run(ctx) {
    // Values of our own, under our hard limit: raising a hard limit needs CAP_SYS_RESOURCE (DESIGN.md §4).
    const hostHard = readHostLimits().nofile.hard;
    const hard = Math.min(4321, hostHard);
    const soft = Math.min(1234, hard);
    const b = ctx.bundle({
      args: ['sh', '-c', 'ulimit -Sn; ulimit -Hn'],
      edit: (s) => {
        s.process.rlimits = [...s.process.rlimits.filter((r) => r.type !== 'RLIMIT_NOFILE'), { type: 'RLIMIT_NOFILE', soft, hard }];
      },
    });
    const r = await ctx.run(b).done;
    return exitedWith('ulimit', r, 0) ?? differs('ulimit -Sn; ulimit -Hn', `${soft}\n${hard}\n`, r.stdout) ?? pass();
  },
};

function cgroupLimit(id: string, title: string, f: LimitFile, resources: OciResources, want: string): ConformanceCase {
  return {
    id,
    title,
    async run(ctx) {
      if (ctx.rootless) return skip('not root: on cgroup v1 an unprivileged runtime cannot set limits (DESIGN.md §6)');
      const b = ctx.bundle({
        args: ['sleep', '1000'],
        edit: (s) => void (s.linux.resources = { ...s.linux.resources, ...resources }),
      });
      const c = await ctx.create(b);
      const bad = exitedWith('create', c, 0);
      if (bad) return bad;
      const st = await ctx.state(b);
      if (st.state === undefined) return fail(`state after create: ${st.malformed ?? describeCall(st.call)}`);
      let procCgroup: string;
      try {
        procCgroup = readFileSync(`/proc/${st.state.pid}/cgroup`, 'utf8');
      } catch (e) {
        if (isErrno(e, 'ENOENT')) return fail(`the container's process ${st.state.pid} (from state) does not exist`);
        throw e;
      }
      const where = limitFilePath(f, parseProcCgroup(procCgroup), parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8')));
      if ('missing' in where) return skip(`cannot read the limit on this host: ${where.missing}`);
      if (!where.path.includes(b.id)) return fail(`the container's process is not in a cgroup of its own (linux.cgroupsPath ignored?): ${where.path}`);
      let got: string;
      try {
        got = readFileSync(where.path, 'utf8').trim();
      } catch (e) {
        if (isErrno(e, 'ENOENT')) return fail(`the container's cgroup has no ${where.path}`);
        throw e;
      }
      return differs(where.path, want, got) ?? pass(`${where.path.split('/').at(-1) ?? ''} = ${got}`);
    },
  };
}

const MEMORY = 64 * 1024 * 1024;
const PIDS = 77;

export const LIMIT_CASES: readonly ConformanceCase[] = [
  rlimitNofile,
  cgroupLimit('cgroup-memory', 'linux.resources.memory.limit is set on the container\'s cgroup', MEMORY_LIMIT, { memory: { limit: MEMORY } }, String(MEMORY)),
  cgroupLimit('cgroup-pids', 'linux.resources.pids.limit is set on the container\'s cgroup', PIDS_LIMIT, { pids: { limit: PIDS } }, String(PIDS)),
];
