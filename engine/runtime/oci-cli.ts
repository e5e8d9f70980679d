/**
 * One class for every runc-compatible CLI (runc, crun, runsc, and youki/kata-runtime/… through the generic
 * profile), driven by a RuntimeProfile. A thin wrapper, as podman's libpod/oci.go asks: no state rules here;
 * status transitions live in engine/container/.
 *
 * "Unknown to the runtime" is decided without reading error text: after a failed call we ask
 * `list --format json` whether the id is still there. (runc 1.1.5 says `container does not exist`, crun
 * 1.8.1 `error opening file …/status`, runsc `loading container: file does not exist`: three wordings, and
 * only classify.ts may read wordings.)
 */
import { runChild } from '../child.ts';
import { isAbsolute } from 'node:path';
import { EngineError } from '../errors.ts';
import { parseListOutput, parseStateOutput, type OciState } from './oci-state.ts';
import type { RuntimeProfile } from './profiles.ts';
import { runtimeErrorMessages } from './runtime-log.ts';
import { signalNumber } from './signal-number.ts';
import { RUNTIME_TRAITS } from './traits.ts';

export type { OciState, OciStatus } from './oci-state.ts';

export interface RunArgvOptions {
  readonly id: string;
  /** Absolute bundle directory (holds config.json). */
  readonly bundle: string;
  /** Absolute path the runtime writes the container's host pid to. */
  readonly pidFile: string;
  /** The runtime's own JSON log; used only when the profile supportsJsonLog. */
  readonly logFile?: string;
  /** The container shares the host network namespace (selects hostNetworkArgs vs privateNetworkArgs). */
  readonly hostNetwork: boolean;
  /** Rootless on cgroup v1: the runtime must not touch cgroups (profile.noCgroupArgs). */
  readonly noCgroups?: boolean;
  /** A TTY (process.terminal): the runtime sends the pty master to this socket; with consoleNeedsDetach, `--detach` too. */
  readonly consoleSocket?: string;
}

export interface ExecArgvOptions {
  readonly id: string;
  /** Absolute path of the process.json to run. */
  readonly processFile: string;
  readonly pidFile: string;
  readonly logFile?: string;
  readonly hostNetwork: boolean;
  readonly noCgroups?: boolean;
  /** As for run: the process has a TTY (process.terminal in processFile). */
  readonly consoleSocket?: string;
}

export interface CallOptions {
  /** Aborting stops waiting for the runtime (its process gets SIGTERM) and rejects with the reason. */
  readonly signal?: AbortSignal;
}

/** runc's rule for ids, with a leading letter or digit so an id can never read as a flag. */
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

interface Outcome {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly cause: unknown;
}

export class OciCliRuntime {
  readonly profile: RuntimeProfile;

  constructor(profile: RuntimeProfile) {
    this.profile = profile;
  }

  /**
   * Pure: the foreground `run` command line the monitor executes (argv[0] = profile.path). In the
   * foreground the runtime stays the parent of the container's init and exits with its code (128+N when
   * killed by signal N); when it cannot start the command it exits 1 (runc, crun) or 128 (runsc) and logs
   * the reason as an error entry in `logFile`.
   */
  runArgv(o: RunArgvOptions): string[] {
    return this.#bundleArgv('run', o, this.#consoleArgs(o.consoleSocket, this.consoleNeedsDetach));
  }

  #bundleArgv(verb: 'run' | 'create', o: RunArgvOptions, console: readonly string[]): string[] {
    checkId(o.id);
    for (const [k, v] of [['bundle', o.bundle], ['pidFile', o.pidFile], ['logFile', o.logFile]] as const) {
      if (v !== undefined && !isAbsolute(v)) throw new EngineError('INVALID_ARGUMENT', `Expected \`${k}\` to be an absolute path, got "${v}"`);
    }
    return [...this.#globalArgv(o), verb, '--bundle', o.bundle, '--pid-file', o.pidFile, ...console, o.id];
  }

  /**
   * Pure: `create` (with a TTY: `--console-socket`), the first half of a run for runtimes that ignore
   * process.consoleSize (traits.ts ignoresConsoleSize); the monitor then runs startArgv.
   */
  createArgv(o: RunArgvOptions): string[] {
    return this.#bundleArgv('create', o, this.#consoleArgs(o.consoleSocket, false)); // create always detaches
  }

  /** Pure: `start ID`, the second half (createArgv). */
  startArgv(o: Pick<RunArgvOptions, 'id' | 'logFile' | 'hostNetwork' | 'noCgroups'>): string[] {
    checkId(o.id);
    return [...this.#globalArgv(o), 'start', o.id];
  }

  /** Whether a TTY container runs as create + start (traits.ts ignoresConsoleSize). */
  get ignoresConsoleSize(): boolean {
    return RUNTIME_TRAITS[this.profile.kind].ignoresConsoleSize === true;
  }

  /** `--console-socket` needs `--detach` (traits.ts): the process outlives the runtime and its monitor reaps it. */
  get consoleNeedsDetach(): boolean {
    return RUNTIME_TRAITS[this.profile.kind].consoleNeedsDetach === true;
  }

  /** It takes a compiled seccomp program in config.json (traits.ts loadsSeccompBpf). */
  get loadsSeccompBpf(): boolean {
    return RUNTIME_TRAITS[this.profile.kind].loadsSeccompBpf === true;
  }

  /** Capabilities the runtime cannot parse (traits.ts). */
  get unknownCapabilities(): readonly string[] {
    return RUNTIME_TRAITS[this.profile.kind].unknownCapabilities ?? [];
  }

  /** Why `exec` with a TTY cannot work with this runtime, or undefined when it can. */
  get execTtyUnsupported(): string | undefined {
    return RUNTIME_TRAITS[this.profile.kind].execTtyUnsupported;
  }

  /**
   * Pure: `exec --process FILE` in the foreground (or detaching, with a TTY where consoleNeedsDetach): the
   * runtime stays the parent of the process and exits with its code; it cannot start it: exit 1 (runc, crun)
   * or 128 (runsc) with the reason in `logFile`, as for runArgv.
   */
  execArgv(o: ExecArgvOptions): string[] {
    checkId(o.id);
    for (const [k, v] of [['processFile', o.processFile], ['pidFile', o.pidFile], ['logFile', o.logFile], ['consoleSocket', o.consoleSocket]] as const) {
      if (v !== undefined && !isAbsolute(v)) throw new EngineError('INVALID_ARGUMENT', `Expected \`${k}\` to be an absolute path, got "${v}"`);
    }
    return [...this.#globalArgv(o), 'exec', '--process', o.processFile, '--pid-file', o.pidFile, ...this.#consoleArgs(o.consoleSocket, this.execConsoleNeedsDetach), o.id];
  }

  /** As consoleNeedsDetach, for `exec` (traits.ts execConsoleNeedsDetach). */
  get execConsoleNeedsDetach(): boolean {
    return this.consoleNeedsDetach || RUNTIME_TRAITS[this.profile.kind].execConsoleNeedsDetach === true;
  }

  #consoleArgs(socket: string | undefined, detach: boolean): string[] {
    if (socket === undefined) return [];
    return ['--console-socket', socket, ...(detach ? ['--detach'] : [])];
  }

  #globalArgv(o: { readonly logFile?: string | undefined; readonly hostNetwork: boolean; readonly noCgroups?: boolean | undefined }): string[] {
    const p = this.profile;
    return [
      p.path,
      '--root',
      p.stateRoot,
      ...(p.supportsJsonLog && o.logFile !== undefined ? ['--log', o.logFile, '--log-format', 'json'] : []),
      ...(o.hostNetwork ? p.hostNetworkArgs : (p.privateNetworkArgs ?? [])),
      ...(o.noCgroups === true ? (p.noCgroupArgs ?? []) : []),
      ...(p.seccompArgs ?? []),
      ...p.globalArgs, // last, so a user's --runtime-flag overrides what the profile chose (Go flags: last wins)
    ];
  }

  /**
   * Sends `signal` ('SIGTERM', 'TERM' or 15) to the container's init, or with `all` to every process in it.
   * A container the runtime no longer knows, or knows as stopped, resolves: it is already gone.
   */
  async kill(id: string, signal: string | number, o?: CallOptions & { readonly all?: boolean }): Promise<void> {
    checkId(id);
    const n = signalNumber(signal);
    const r = await this.#invoke(['kill', ...(o?.all === true ? ['--all'] : []), id, String(n)], o?.signal);
    if (r.exitCode === 0) return;
    const s = await this.state(id, o);
    if (s === undefined || s.status === 'stopped') return;
    throw this.#failed(`kill container ${id}`, r);
  }

  /** Removes the runtime's record of the container (with `force`, killing it first). Idempotent: an unknown id resolves. */
  async delete(id: string, o?: CallOptions & { readonly force?: boolean }): Promise<void> {
    checkId(id);
    if (o?.force === true) {
      // SIGKILL everything first: `runsc delete --force` of a running container waits 5 s and then fails
      // ("stopping container: context deadline exceeded", exit 128) although the container died; after
      // `kill --all` it takes ~50 ms (measured). A failure here is fine (not running, or unknown):
      // delete below reports what matters.
      await this.#invoke(['kill', '--all', id, '9'], o.signal);
    }
    // runsc's Go flags take --force (not -f); runc and crun take --force too.
    const r = await this.#invoke(['delete', ...(o?.force === true ? ['--force'] : []), id], o?.signal);
    if (r.exitCode === 0) return;
    if ((await this.state(id, o)) === undefined) return;
    throw this.#failed(`delete container ${id}`, r);
  }

  /** The runtime's view of the container, or undefined when the runtime does not know it (never created, or gone). */
  async state(id: string, o?: CallOptions): Promise<OciState | undefined> {
    checkId(id);
    const r = await this.#invoke(['state', id], o?.signal);
    if (r.exitCode === 0) return parseStateOutput(this.profile.name, id, r.stdout);
    // Not known, or not readable through `state` yet: runsc fails `state` for a few ms while `list`
    // already shows the new container running (measured), so the list entry answers too.
    const list = await this.#invoke(['list', '--format', 'json'], o?.signal);
    if (list.exitCode !== 0) throw this.#failed('list containers', list);
    const known = parseListOutput(this.profile.name, list.stdout);
    if (!known.has(id)) return undefined;
    const fromList = known.get(id);
    if (fromList !== undefined) return fromList;
    throw this.#failed(`read the state of container ${id}`, r);
  }

  /** First line of `--version` ("runc version 1.1.5+ds1", "crun version 1.8.1", "runsc version 0.0~20221219.0"). */
  async version(o?: CallOptions): Promise<string> {
    const r = await this.#exec(['--version'], o?.signal);
    const line = r.stdout.split('\n').find((l) => l.trim() !== '');
    if (r.exitCode !== 0 || line === undefined) throw this.#failed('report its version', r);
    return line.trim();
  }

  /** A subcommand with our --root and the profile's global args. */
  #invoke(args: readonly string[], signal: AbortSignal | undefined): Promise<Outcome> {
    const p = this.profile;
    // JSON on stderr (runc, crun) lets #failed quote the message without the logfmt wrapper.
    return this.#exec(['--root', p.stateRoot, ...(p.supportsJsonLog ? ['--log-format', 'json'] : []), ...p.globalArgs, ...args], signal);
  }

  async #exec(args: readonly string[], signal: AbortSignal | undefined): Promise<Outcome> {
    signal?.throwIfAborted();
    const p = this.profile;
    const r = await runChild(p.path, args, { signal });
    if (r.exitCode === undefined) {
      const spawnError = r.error;
      const code = spawnError?.code;
      if (code === 'ENOENT' || code === 'EACCES') {
        throw new EngineError('RUNTIME_NOT_FOUND', `OCI runtime "${p.name}" not found: cannot execute ${p.path} (${code})`, { cause: r });
      }
      const why = r.signal !== undefined ? `killed by ${r.signal}` : (spawnError?.message ?? 'did not run');
      throw new EngineError('RUNTIME_FAILED', `${p.name} (${p.path}): ${why}`, { cause: r });
    }
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, cause: r };
  }

  #failed(what: string, r: Outcome): EngineError {
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    const reason = runtimeErrorMessages(r.stderr).at(-1) ?? lines.at(-1) ?? `exit code ${r.exitCode}`;
    return new EngineError('RUNTIME_FAILED', `${this.profile.name} failed to ${what}: ${reason.trim()}`, { cause: r.cause });
  }
}

function checkId(id: string): void {
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    throw new EngineError('INVALID_ARGUMENT', `invalid container id for the runtime: ${JSON.stringify(id)}`);
  }
}
