/**
 * Drives the runtime binary for the conformance cases: the runc CLI verbs (runtime-spec runtime.md's
 * operations plus runc's `run` and `exec`), each call's exit code, output and JSON log kept, so a case can
 * judge the runtime's own behaviour. OciCliRuntime (oci-cli.ts) is for the engine: it smooths runtime
 * differences over (state falls back to `list`, kill tolerates a stopped container). Here those differences
 * are the point, so the calls are raw; OciCliRuntime only does the clean-up, where smoothing is wanted.
 *
 * Every container id handed to `run` or `create` is remembered until `release` (after its case) or `cleanup`
 * (at the end) force-deletes it.
 */
import { runChild, startChild } from '../../child.ts';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../../../storage/errors.ts';
import type { OciProcess } from '../../container/oci-spec.ts';
import { cgroupsPathFor } from '../../container/runtime-spec.ts';
import { forceDelete, removeCgroups } from './leftovers.ts';
import { OciCliRuntime } from '../oci-cli.ts';
import type { OciStatus } from '../oci-state.ts';
import { parseState, type ReportedState } from './state.ts';
import type { RuntimeProfile } from '../profiles.ts';
import { runtimeErrorMessages } from '../runtime-log.ts';
import type { Bundle } from './workspace.ts';

/** A runtime call that takes longer is ended and reported as timed out. */
const CALL_TIMEOUT_MS = 30_000;
/** A foreground `run` lives as long as its container; the cases' containers end within seconds. */
const RUN_TIMEOUT_MS = 60_000;
const POLL_MS = 20;

export interface Invocation {
  /** The runtime's args (after the binary), for reasons. */
  readonly args: readonly string[];
  /** undefined when the runtime did not exit by itself (timed out, aborted, killed). */
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** The error-level messages of the runtime's JSON log (--log … --log-format json). */
  readonly logErrors: readonly string[];
  readonly timedOut: boolean;
}

export interface Running {
  readonly id: string;
  /** Whether `text` appeared on the container's stdout within `timeoutMs` (false if the run ended first). */
  waitForOutput(text: string, timeoutMs: number): Promise<boolean>;
  /** The foreground runtime's end (the container's exit code for runc, crun and runsc). Never rejects. */
  readonly done: Promise<Invocation>;
}

export interface StateAnswer {
  readonly call: Invocation;
  /** The parsed answer when `state` succeeded and printed valid state JSON. */
  readonly state?: ReportedState;
  /** Why the answer could not be parsed. */
  readonly malformed?: string;
}

/** One line about a call that did not go as wanted: how it ended and the runtime's last words. */
export function describeCall(c: Invocation): string {
  const how = c.timedOut ? 'timed out' : c.exitCode === undefined ? 'did not exit by itself' : `exit ${c.exitCode}`;
  const said = c.logErrors.at(-1) ?? c.stderr.split('\n').filter((l) => l.trim() !== '').at(-1);
  return `\`${c.args[0] ?? ''}\` ${how}${said === undefined ? '' : `: ${said.trim()}`}`;
}

export class RuntimeDriver {
  readonly profile: RuntimeProfile;
  readonly #logDir: string;
  readonly #ids = new Set<string>();
  /** Foreground `run`s: how to end one, and its end. */
  readonly #foreground = new Set<{ readonly kill: () => void; readonly done: Promise<unknown> }>();
  #calls = 0;

  /** `profile.stateRoot` is the check's own --root; `logDir` (existing) gets the runtime's log of each call. */
  constructor(profile: RuntimeProfile, logDir: string) {
    this.profile = profile;
    this.#logDir = logDir;
  }

  /** `run --bundle B ID` in the foreground, stdio piped (stdin from `input`, else /dev/null). */
  run(b: Bundle, o: { readonly input?: string; readonly signal: AbortSignal }): Running {
    this.#ids.add(b.id);
    const logFile = join(b.dir, 'run.log');
    const args = ['run', '--bundle', b.dir, b.id];
    let seen = '';
    let ended = false;
    const watchers = new Set<() => void>();
    const sub = startChild(this.profile.path, this.#argv(args, logFile, true), {
      keepFinalNewline: true,
      input: o.input,
      timeoutMs: RUN_TIMEOUT_MS,
      signal: o.signal,
      resolveOnAbort: true,
      onStdout: (chunk) => {
        seen += chunk.toString('utf8');
        for (const w of watchers) w();
      },
    });
    const done = sub.done.then((r) => {
      ended = true;
      for (const w of watchers) w();
      return toInvocation(args, r, logFile);
    });
    this.#foreground.add({ kill: () => void sub.child.kill('SIGKILL'), done });
    return {
      id: b.id,
      done,
      // Ends early when the run ends (aborts end runs too, through cancelSignal).
      waitForOutput: (text, timeoutMs) =>
        new Promise<boolean>((resolve) => {
          const check = () => {
            if (!seen.includes(text) && !ended) return;
            watchers.delete(check);
            clearTimeout(timer);
            resolve(seen.includes(text));
          };
          const timer = setTimeout(() => {
            watchers.delete(check);
            resolve(false);
          }, timeoutMs);
          watchers.add(check);
          check();
        }),
    };
  }

  /**
   * `create --bundle B [--console-socket S] ID`. The runtime's stdout and stderr go to files in the
   * bundle, not pipes: the container inherits them and would hold a pipe open long after `create` exits.
   */
  async create(b: Bundle, o: { readonly consoleSocket?: string; readonly signal: AbortSignal }): Promise<Invocation> {
    this.#ids.add(b.id);
    const out = join(b.dir, 'create.out');
    const err = join(b.dir, 'create.err');
    const logFile = join(b.dir, 'create.log');
    const args = ['create', '--bundle', b.dir, ...(o.consoleSocket !== undefined ? ['--console-socket', o.consoleSocket] : []), b.id];
    // The runtime's stdio are files (plain fds, not pipes, which the container would hold open).
    const fds = [openSync(out, 'w'), openSync(err, 'w')] as const;
    const r = await new Promise<{ exitCode: number | undefined; timedOut: boolean }>((resolve, reject) => {
      const child = spawn(this.profile.path, this.#argv(args, logFile, true), {
        stdio: ['ignore', fds[0], fds[1]],
        timeout: CALL_TIMEOUT_MS,
        signal: o.signal,
        killSignal: 'SIGKILL',
      });
      child.on('error', (e) => {
        // The abort: 'close' follows (the runtime was killed). A binary gone since the check began: no 'close'.
        if (e.name === 'AbortError') return;
        if (isErrno(e, 'ENOENT') || isErrno(e, 'EACCES')) resolve({ exitCode: undefined, timedOut: false });
        else reject(e);
      });
      child.on('close', (code) => resolve({ exitCode: code ?? undefined, timedOut: code === null && !o.signal.aborted }));
    }).finally(() => {
      for (const fd of fds) closeSync(fd);
    });
    return { ...toInvocation(args, r, logFile), stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
  }

  start(id: string, signal: AbortSignal): Promise<Invocation> {
    return this.#call(['start', id], signal, true);
  }

  kill(id: string, signal: number, abort: AbortSignal): Promise<Invocation> {
    return this.#call(['kill', id, String(signal)], abort);
  }

  delete(id: string, o: { readonly force: boolean; readonly signal: AbortSignal }): Promise<Invocation> {
    return this.#call(['delete', ...(o.force ? ['--force'] : []), id], o.signal);
  }

  /** `exec --process FILE ID`: the form every runc-compatible CLI takes (podman uses it too). */
  exec(b: Bundle, process: OciProcess, signal: AbortSignal): Promise<Invocation> {
    const file = join(b.dir, 'exec-process.json');
    writeFileSync(file, JSON.stringify(process));
    return this.#call(['exec', '--process', file, b.id], signal);
  }

  async state(id: string, signal: AbortSignal): Promise<StateAnswer> {
    const call = await this.#call(['state', id], signal);
    if (call.exitCode !== 0) return { call };
    const parsed = parseState(call.stdout);
    return typeof parsed === 'string' ? { call, malformed: `state ${id}: ${parsed}` } : { call, state: parsed };
  }

  /**
   * Polls `state` until it reports `want`, for at most `timeoutMs`. Returns the last answer. A failing
   * `state` counts as "not yet": runsc fails it for a few ms after `create` returns (measured).
   */
  async waitForStatus(id: string, want: OciStatus, timeoutMs: number, signal: AbortSignal): Promise<StateAnswer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      signal.throwIfAborted();
      const a = await this.state(id, signal);
      if (a.state?.status === want || Date.now() > deadline) return a;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /**
   * Force-deletes the given containers (a case's, once it ended: a runsc sandbox holds ~50 MB) and forgets
   * them. Only ids the runtime still keeps state for: a foreground `run` deletes its container itself, and
   * asking the runtime about an unknown id costs two or three calls. One the runtime cannot delete has its
   * processes killed through its cgroup; cgroups a runtime killed half-way left are removed. Returns the
   * errors; the caller decides how loud to be.
   */
  async release(ids: Iterable<string>): Promise<unknown[]> {
    const rt = new OciCliRuntime(this.profile);
    const known = this.#stateEntries();
    const errors: unknown[] = [];
    for (const id of ids) {
      const e = known.some((k) => k === id || k.startsWith(`${id}_`) || k.startsWith(`${id}.`)) ? await forceDelete(rt, id) : undefined;
      if (e !== undefined) {
        errors.push(e); // kept: cleanup() tries it again
        continue;
      }
      this.#ids.delete(id);
      try {
        await removeCgroups(cgroupsPathFor(id));
      } catch (c) {
        if (!isErrno(c)) throw c;
        errors.push(c);
      }
    }
    return errors;
  }

  /**
   * Force-deletes every container not released yet, then waits for the foreground runtimes, killing any
   * that outlive their container.
   */
  async cleanup(): Promise<unknown[]> {
    const errors = await this.release([...this.#ids]);
    for (const run of this.#foreground) {
      const timer = setTimeout(run.kill, 10_000);
      await run.done;
      clearTimeout(timer);
    }
    return errors;
  }

  #stateEntries(): string[] {
    try {
      return readdirSync(this.profile.stateRoot);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return []; // the runtime never created its --root: it keeps nothing
      throw e;
    }
  }

  async #call(args: readonly string[], signal: AbortSignal, startsContainer = false): Promise<Invocation> {
    const logFile = join(this.#logDir, `${++this.#calls}-${args[0]}.log`);
    const r = await runChild(this.profile.path, this.#argv(args, logFile, startsContainer), { keepFinalNewline: true, timeoutMs: CALL_TIMEOUT_MS, signal, resolveOnAbort: true });
    return toInvocation(args, r, logFile);
  }

  /**
   * Global flags as the engine passes them (oci-cli.ts runArgv): --root, the JSON log, the network args
   * for run, create and start (runsc sets the network up at `start`), the profile's args last.
   */
  #argv(args: readonly string[], logFile: string, startsContainer: boolean): string[] {
    const p = this.profile;
    return [
      '--root',
      p.stateRoot,
      ...(p.supportsJsonLog ? ['--log', logFile, '--log-format', 'json'] : []),
      // Our bundles give the container a network namespace of its own (runsc needs --network=none there).
      ...(startsContainer ? (p.privateNetworkArgs ?? []) : []),
      ...p.globalArgs,
      ...args,
    ];
  }
}

/** What toInvocation needs: runChild's result, or create's (stdout and stderr read from files). */
interface Outcome {
  readonly exitCode?: number | undefined;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly timedOut: boolean;
}

function toInvocation(args: readonly string[], r: Outcome, logFile: string): Invocation {
  return {
    args,
    exitCode: r.exitCode,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    logErrors: runtimeErrorMessages(readLog(logFile)),
    timedOut: r.timedOut,
  };
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return ''; // runc writes its log only when it has something to say
    throw e;
  }
}
