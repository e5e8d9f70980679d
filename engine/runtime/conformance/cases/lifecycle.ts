/**
 * The runtime's operations on a live container (runtime-spec runtime.md: state, create, start, kill,
 * delete; runc's exec): signals and the exit codes they give, what `state` reports along the way, and
 * that `delete` leaves nothing behind (state dir, cgroup, processes).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../../../../storage/errors.ts';
import type { OciProcess } from '../../../container/oci-spec.ts';
import { type CaseOutcome, type ConformanceCase, differs, exitedWith, fail, pass, quote, skip } from '../case.ts';
import { parseCgroupMounts, parseProcCgroup, PIDS_LIMIT, limitFilePath } from '../cgroups.ts';
import type { CaseContext } from '../context.ts';
import { describeCall, type StateAnswer } from '../driver.ts';
import type { Bundle } from '../workspace.ts';

/** How long a container may take to print its first line or change state (runsc boots a sandbox: ~0.3 s). */
const READY_MS = 20_000;
const SIGKILL = 9;
const SIGTERM = 15;

/** `create` of a container (not started yet); the failure to report if the runtime refused. */
async function createOnly(ctx: CaseContext, b: Bundle): Promise<CaseOutcome | undefined> {
  return exitedWith('create', await ctx.create(b), 0);
}

/** A foreground container that says `ready` once it may be signalled or exec'd into. */
function sleeper(ctx: CaseContext, script = 'echo ready; exec sleep 1000', suffix?: string): { b: Bundle; run: ReturnType<CaseContext['run']> } {
  const b = ctx.bundle({ args: ['sh', '-c', script] }, suffix);
  return { b, run: ctx.run(b) };
}

async function ready(ctx: CaseContext, s: ReturnType<typeof sleeper>): Promise<CaseOutcome | undefined> {
  if (await s.run.waitForOutput('ready', READY_MS)) return undefined;
  await ctx.kill(s.b, SIGKILL);
  return fail(`the container did not print "ready" within ${READY_MS / 1000} s: ${describeCall(await s.run.done)}`);
}

const killSigkill: ConformanceCase = {
  id: 'kill-sigkill',
  title: 'kill 9 ends the container; run exits 137',
  async run(ctx) {
    const s = sleeper(ctx);
    const notReady = await ready(ctx, s);
    if (notReady) return notReady;
    const k = await ctx.kill(s.b, SIGKILL);
    return exitedWith('kill 9', k, 0) ?? exitedWith('run after kill 9', await s.run.done, 137) ?? pass();
  },
};

const killSigterm: ConformanceCase = {
  id: 'kill-sigterm',
  title: 'kill 15 reaches a process that traps it',
  async run(ctx) {
    // PID 1 of a pid namespace gets only the signals it has a handler for: the trap is that handler.
    // `sleep & wait`: wait returns at once when a trapped signal arrives (a foreground sleep would delay it).
    const s = sleeper(ctx, 'trap "echo got-TERM; exit 42" TERM; echo ready; sleep 1000 & wait');
    const notReady = await ready(ctx, s);
    if (notReady) return notReady;
    const k = await ctx.kill(s.b, SIGTERM);
    const r = await s.run.done;
    return exitedWith('kill 15', k, 0) ?? exitedWith('run after kill 15', r, 42) ?? differs('stdout', 'ready\ngot-TERM\n', r.stdout) ?? pass();
  },
};

const exec: ConformanceCase = {
  id: 'exec',
  title: 'exec runs a process in the running container (exit code, env, cwd, output)',
  async run(ctx) {
    if (!ctx.profile.supportsExec) return skip(`the ${ctx.profile.kind} profile says it has no exec (traits.ts)`);
    const s = sleeper(ctx);
    const notReady = await ready(ctx, s);
    if (notReady) return notReady;
    const proc: OciProcess = {
      ...s.b.spec.process,
      args: ['sh', '-c', 'echo "$TSE_EXEC"; pwd; cat /proc/1/comm; exit 7'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TSE_EXEC=from-exec'],
      cwd: '/etc',
    };
    const e = await ctx.exec(s.b, proc);
    await ctx.kill(s.b, SIGKILL);
    // /proc/1/comm: the exec'd process shares the container's pid namespace, whose init is the sleeper.
    return exitedWith('exec', e, 7) ?? differs('exec stdout', 'from-exec\n/etc\nsleep\n', e.stdout) ?? pass();
  },
};

function statusOf(a: StateAnswer): string {
  return a.state?.status ?? a.malformed ?? describeCall(a.call);
}

const state: ConformanceCase = {
  id: 'state',
  title: 'state reports created, running, then stopped',
  async run(ctx) {
    const b = ctx.bundle({ args: ['sleep', '1000'] });
    const bad = await createOnly(ctx, b);
    if (bad) return bad;
    const created = await ctx.state(b);
    if (created.state?.status !== 'created') return fail(`after create: expected "created", got ${quote(statusOf(created))}`);
    if (created.state.pid <= 0) return fail(`after create: expected the init's pid, got ${created.state.pid}`);
    const st = await ctx.start(b);
    if (st.exitCode !== 0) return fail(`start: ${describeCall(st)}`);
    const running = await ctx.waitForStatus(b, 'running', READY_MS);
    if (running.state?.status !== 'running') return fail(`after start: expected "running", got ${quote(statusOf(running))}`);
    const k = await ctx.kill(b, SIGKILL);
    if (k.exitCode !== 0) return fail(`kill 9: ${describeCall(k)}`);
    const stopped = await ctx.waitForStatus(b, 'stopped', READY_MS);
    if (stopped.state?.status !== 'stopped') return fail(`after kill 9: expected "stopped", got ${quote(statusOf(stopped))}`);
    return pass();
  },
};

/**
 * The runtime's entries for `id` under its --root: runc and crun keep a dir named `id`, runsc files named
 * `id_sandbox:id.state` and `.lock`; another runtime may use either shape.
 */
function stateEntries(ctx: CaseContext, id: string): string[] {
  try {
    return readdirSync(ctx.profile.stateRoot).filter((e) => e === id || e.startsWith(`${id}_`) || e.startsWith(`${id}.`));
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return []; // the runtime never created its root: nothing of the container either
    throw e;
  }
}

function isAlive(pid: number): boolean {
  try {
    // Field 3 of /proc/PID/stat is the state; a zombie is dead, only not yet reaped by its (foreign) parent.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ESRCH')) return false;
    throw e;
  }
}

/**
 * The container's own pids cgroup dir on the host (from its init's /proc/PID/cgroup), if it has one: the
 * path must name the container (our cgroupsPath does), else the process sits in a cgroup that is not the
 * container's to remove (rootless, or a runtime that ignored cgroupsPath: the cgroup cases report that).
 */
function cgroupDir(ctx: CaseContext, b: Bundle, pid: number): string | undefined {
  if (ctx.rootless) return undefined;
  try {
    const f = limitFilePath(PIDS_LIMIT, parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8')), parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8')));
    return 'path' in f && f.path.includes(b.id) ? join(f.path, '..') : undefined;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined; // the process is gone already
    throw e;
  }
}

/** After `delete`: no state entry, `state` refuses the id, the init is gone, and the cgroup is removed. */
async function leftBehind(ctx: CaseContext, b: Bundle, pid: number, cgroup: string | undefined): Promise<CaseOutcome | undefined> {
  const entries = stateEntries(ctx, b.id);
  if (entries.length > 0) return fail(`after delete: the runtime's state dir still has ${quote(entries.join(' '))}`);
  const after = await ctx.state(b);
  if (after.call.exitCode === 0) return fail(`after delete: state still answers ${quote(statusOf(after))}`);
  for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  if (isAlive(pid)) return fail(`after delete: the container's process ${pid} is still running`);
  if (cgroup !== undefined) {
    try {
      readdirSync(cgroup);
      return fail(`after delete: the container's cgroup ${cgroup} is still there`);
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
  }
  return undefined;
}

const del: ConformanceCase = {
  id: 'delete',
  title: 'delete of a stopped container leaves no state, process or cgroup',
  async run(ctx) {
    const b = ctx.bundle({ args: ['sleep', '1000'] });
    const bad = await createOnly(ctx, b);
    if (bad) return bad;
    const created = await ctx.state(b);
    if (created.state === undefined) return fail(`state after create: ${statusOf(created)}`);
    const pid = created.state.pid;
    const cgroup = cgroupDir(ctx, b, pid);
    const st = await ctx.start(b);
    if (st.exitCode !== 0) return fail(`start: ${describeCall(st)}`);
    await ctx.kill(b, SIGKILL);
    const stopped = await ctx.waitForStatus(b, 'stopped', READY_MS);
    if (stopped.state?.status !== 'stopped') return fail(`after kill 9: expected "stopped", got ${quote(statusOf(stopped))}`);
    return exitedWith('delete', await ctx.delete(b, { force: false }), 0) ?? (await leftBehind(ctx, b, pid, cgroup)) ?? pass();
  },
};

const deleteForce: ConformanceCase = {
  id: 'delete-force',
  title: 'delete --force of a running container kills it and leaves nothing',
  async run(ctx) {
    const b = ctx.bundle({ args: ['sleep', '1000'] });
    const bad = await createOnly(ctx, b);
    if (bad) return bad;
    const st = await ctx.start(b);
    if (st.exitCode !== 0) return fail(`start: ${describeCall(st)}`);
    const running = await ctx.waitForStatus(b, 'running', READY_MS);
    if (running.state?.status !== 'running') return fail(`after start: expected "running", got ${quote(statusOf(running))}`);
    const pid = running.state.pid;
    const cgroup = cgroupDir(ctx, b, pid);
    return exitedWith('delete --force', await ctx.delete(b, { force: true }), 0) ?? (await leftBehind(ctx, b, pid, cgroup)) ?? pass();
  },
};

export const LIFECYCLE_CASES: readonly ConformanceCase[] = [killSigkill, killSigterm, exec, state, del, deleteForce];
