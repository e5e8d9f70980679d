/**
 * The container process as configured by config.json's `process` and `hostname`: exit codes, a command
 * that cannot run, stdio, env, cwd, user and groups. Each runs one foreground `run` (a few run three) and
 * compares what the container printed with what the spec asked for.
 */
import { classifyRuntimeError, exitCodeFor, type RuntimeFailure } from '../../classify.ts';
import { type CaseOutcome, type ConformanceCase, differs, exitedWith, fail, pass, quote } from '../case.ts';
import type { CaseContext } from '../context.ts';
import { describeCall } from '../driver.ts';

const exitCodes: ConformanceCase = {
  id: 'exit-code',
  title: 'run exits with the container\'s exit code (0, 1, 32)',
  async run(ctx) {
    const codes = [0, 1, 32];
    const runs = await Promise.all(codes.map((c) => ctx.run(ctx.bundle({ args: ['sh', '-c', `exit ${c}`] }, `-${c}`)).done));
    for (const [i, r] of runs.entries()) {
      const bad = exitedWith(`sh -c 'exit ${codes[i]}'`, r, codes[i]!);
      if (bad) return bad;
    }
    return pass();
  },
};

/**
 * A command that cannot be started fails the runtime (not the container), with a message that tells the
 * engine which exit code to give: 127 or 126. That mapping is the engine's (classify.ts); what this checks
 * is that the runtime says something the mapping understands, and the detail records what it said.
 */
function startFailure(id: string, title: string, command: string, want: Exclude<RuntimeFailure, 'RUNTIME_FAILED'>): ConformanceCase {
  return {
    id,
    title,
    async run(ctx) {
      const r = await ctx.run(ctx.bundle({ args: [command] })).done;
      if (r.exitCode === 0) return fail(`${command}: expected the runtime to fail, it exited 0`);
      if (r.exitCode === undefined) return fail(`${command}: ${describeCall(r)}`);
      const said = [...r.logErrors, r.stderr].join('\n');
      const got = classifyRuntimeError(ctx.profile.kind, said);
      const last = r.logErrors.at(-1) ?? r.stderr.trim().split('\n').at(-1) ?? '';
      if (got !== want) {
        return fail(`${command}: expected an error read as ${want} (${exitCodeFor(want)}), got ${got} from exit ${r.exitCode}: ${quote(last)}`);
      }
      return pass(`exit ${r.exitCode}: ${quote(last)} → ${exitCodeFor(want)}`);
    },
  };
}

const stdio: ConformanceCase = {
  id: 'stdio',
  title: 'stdout and stderr reach the caller apart',
  async run(ctx) {
    const r = await ctx.run(ctx.bundle({ args: ['sh', '-c', 'echo to-stdout; echo to-stderr >&2'] })).done;
    return exitedWith('run', r, 0) ?? differs('stdout', 'to-stdout\n', r.stdout) ?? differs('stderr', 'to-stderr\n', r.stderr) ?? pass();
  },
};

const stdin: ConformanceCase = {
  id: 'stdin',
  title: 'stdin reaches the container',
  async run(ctx) {
    const input = 'line one\nline two\n';
    const r = await ctx.run(ctx.bundle({ args: ['cat'] }), { input }).done;
    return exitedWith('cat', r, 0) ?? differs('stdout', input, r.stdout) ?? pass();
  },
};

/** Exactly the given variables: nothing dropped, nothing added (HOME is given, so no runtime default applies). */
const env: ConformanceCase = {
  id: 'env',
  title: 'process.env is the environment, exactly',
  async run(ctx) {
    const vars = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'TSE_CHECK=a b=c "q" $x', 'TSE_EMPTY='];
    const b = ctx.bundle({ args: ['env'], edit: (s) => void (s.process.env = [...vars]) });
    const r = await ctx.run(b).done;
    const bad = exitedWith('env', r, 0);
    if (bad) return bad;
    const got = r.stdout.split('\n').filter((l) => l !== '');
    const missing = vars.filter((v) => !got.includes(v));
    const extra = got.filter((v) => !vars.includes(v));
    if (missing.length > 0 || extra.length > 0) {
      return fail(`env: missing ${quote(missing.join(' '))}, unexpected ${quote(extra.join(' '))}`);
    }
    return pass();
  },
};

const cwd: ConformanceCase = {
  id: 'cwd',
  title: 'process.cwd is the working directory',
  async run(ctx) {
    const r = await ctx.run(ctx.bundle({ args: ['pwd'], edit: (s) => void (s.process.cwd = '/etc') })).done;
    return exitedWith('pwd', r, 0) ?? differs('pwd', '/etc\n', r.stdout) ?? pass();
  },
};

async function idOutput(ctx: CaseContext, user: { uid: number; gid: number; additionalGids: number[] }, script: string, want: string): Promise<CaseOutcome> {
  const b = ctx.bundle({
    args: ['sh', '-c', script],
    edit: (s) => void (s.process.user = { ...s.process.user, ...user }),
  });
  const r = await ctx.run(b).done;
  return exitedWith(script, r, 0) ?? differs(script, want, r.stdout) ?? pass();
}

const user: ConformanceCase = {
  id: 'user',
  title: 'process.user uid and gid (1000:1000)',
  run: (ctx) => idOutput(ctx, { uid: 1000, gid: 1000, additionalGids: [1000] }, 'id -u; id -g', '1000\n1000\n'),
};

const groups: ConformanceCase = {
  id: 'additional-groups',
  title: 'process.user.additionalGids are the supplementary groups',
  // `id -G` lists the primary group first, then the others in the kernel's (sorted) order.
  run: (ctx) => idOutput(ctx, { uid: 1000, gid: 1000, additionalGids: [1000, 2001, 2002] }, 'id -G', '1000 2001 2002\n'),
};

const hostname: ConformanceCase = {
  id: 'hostname',
  title: 'hostname is set in the container\'s UTS namespace',
  async run(ctx) {
    const r = await ctx.run(ctx.bundle({ args: ['hostname'], hostname: 'tse-uts-check' })).done;
    return exitedWith('hostname', r, 0) ?? differs('hostname', 'tse-uts-check\n', r.stdout) ?? pass();
  },
};

export const PROCESS_CASES: readonly ConformanceCase[] = [
  exitCodes,
  startFailure('command-not-found', 'a missing command fails with an error read as "not found" (127)', '/no/such/command', 'COMMAND_NOT_FOUND'),
  startFailure('not-executable', 'a directory as command fails with an error read as "cannot invoke" (126)', '/etc', 'CANNOT_INVOKE'),
  stdio,
  stdin,
  env,
  cwd,
  user,
  groups,
  hostname,
];
