/**
 * engine.containers: create, start, wait, stop, kill, logs, inspect, list, remove, cleanup. Thin: each
 * verb is a short sequence of store transitions, runtime calls and file reads.
 */
import { abortable, pause } from './abortable.ts';
import { connect } from 'node:net';
import { basename, join } from 'node:path';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { isErrno } from '../../storage/errors.ts';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerRecord } from '../../storage/container-store.ts';
import type { Store } from '../../storage/index.ts';
import { isEngineError, EngineError } from '../errors.ts';
import { lookupImage } from '../image/lookup.ts';
import type { RegistriesConf } from '../image/short-names.ts';
import type { OciCliRuntime } from '../runtime/oci-cli.ts';
import { type ExitStatus, exitStatusOf, readExitRecord } from './exit-status.ts';
import { isValidName, newContainerId, randomName } from './ids.ts';
import { type ContainerInspect, toContainerInspect } from './inspect.ts';
import { lookupContainer } from './lookup.ts';
import { type LogRecord, readLog } from './logs.ts';
import { type CreateOptions, type StoredConfig, validateCreateOptions } from './options.ts';
import { type ContainerPaths, containerPaths } from './paths.ts';
import { type ContainerSummary, normalisedName, summary } from './summary.ts';
import type { MonitorChannel } from './launch.ts';
import { startContainer, type StartOptions, type StartResult } from './start.ts';
import { AttachStream } from './attach-stream.ts';
import { type ExecOptions, type ExecSession, runExec } from './exec.ts';
import { unmount } from '../../storage/overlay.ts';
import { removeTree } from '../../storage/native.ts';
import type { OverlayPolicy } from '../../storage/overlay-kind.ts';
import { containerUserNamespace, type RootlessIds } from './userns.ts';
import { publishedPorts, teardownSlirp4netns } from './slirp4netns.ts';
import { anonymousVolumeNames, prepareMounts, volumeNames } from './volume-setup.ts';
import { findInit } from './init.ts';
import { monitorGone, ORPHAN_EXIT_CODE, processGone } from './orphan.ts';

export type { ExitStatus } from './exit-status.ts';
export type { ContainerSummary } from './summary.ts';

export interface ContainersDeps {
  readonly store: Store;
  readonly root: string;
  readonly runRoot: string;
  readonly registriesConf: () => RegistriesConf;
  /** The runtime a container gets when created without one (reads the config files on first call). */
  readonly defaultRuntime: () => string;
  /** Resolves a runtime name or path; throws RUNTIME_NOT_FOUND. */
  readonly runtime: (nameOrPath: string) => OciCliRuntime;
  /** The command the monitor runs after the container exits. */
  readonly exitCommand: (id: string) => readonly string[];
  readonly xattrNamespace: 'trusted' | 'user';
  /** How root filesystems are mounted (storage.conf read on first call; storage/overlay-kind.ts). */
  readonly overlay: () => Omit<OverlayPolicy, 'rootless'>;
  /** Rootless: the user and the namespace's ID counts; undefined as root. */
  readonly rootless?: RootlessIds | undefined;
  /** The slirp4netns binary when installed (looked up on first use): rootless, containers' default network. */
  readonly slirp4netns?: (() => string | undefined) | undefined;
}


const WAIT_POLL_MS = 10;

/**
 * A container this engine started, whose monitor still talks to us (launch.ts MonitorChannel). When it
 * exits we clean up at once (unmount, --rm) and tell the monitor so (`done`), instead of the monitor starting
 * a node process for its exit command: that saves the container's exit ~50 ms of CPU, and `wait` learns of
 * the exit from the event instead of polling. If we cannot (error, engine closed first, process gone), the
 * monitor runs its exit command as for any other container.
 */
interface Tracked {
  /** The container as it was started (its runtime interprets the exit record). */
  readonly rec: ContainerRecord;
  readonly channel: MonitorChannel;
  /** Resolves once the hand-off is over (cleaned up and `done`, or released); never rejects. */
  readonly settled: Promise<void>;
  /** The `exited` event came: the cleanup is under way. */
  exited: boolean;
}

/**
 * Tracked entries outlive their container's removal (a `--rm` container may be gone before its `wait` is
 * called): a long-lived embedding program keeps the newest ones only.
 */
const MAX_TRACKED = 1024;

export class Containers {
  readonly #d: ContainersDeps;
  readonly #tracked = new Map<string, Tracked>();
  constructor(deps: ContainersDeps) {
    this.#d = deps;
  }

  #track(rec: ContainerRecord, channel: MonitorChannel): void {
    const id = rec.id;
    const t: Tracked = {
      rec,
      channel,
      exited: false,
      settled: channel.exited
        .then(async (record) => {
          if (record === undefined) return; // the monitor is gone (killed): its exit command cannot run either
          t.exited = true;
          try {
            await this.cleanup(id);
            await channel.done();
          } catch {
            // The monitor runs its exit command (the same cleanup, in a process of its own) and logs why.
            channel.release();
          }
        })
        .finally(() => {
          if (this.#tracked.size <= MAX_TRACKED) return;
          for (const [k, v] of this.#tracked) {
            if (this.#tracked.size <= MAX_TRACKED) break;
            if (v !== t) this.#tracked.delete(k); // Map order: oldest first
          }
        }),
    };
    this.#tracked.delete(id); // a restart: the newest run is the one to wait for
    this.#tracked.set(id, t);
  }

  /**
   * Lets go of the monitors of containers still running (they clean up after themselves when they exit)
   * and finishes cleanups under way. Engine.close() calls it before closing the store.
   */
  async close(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const t of this.#tracked.values()) {
      if (t.exited) pending.push(t.settled);
      else t.channel.release();
    }
    await Promise.all(pending);
    this.#tracked.clear();
  }

  #paths(id: string): ContainerPaths {
    return containerPaths(this.#d.root, this.#d.runRoot, id);
  }

  /** Records a container (no process yet: docker's "Created"). The image must be stored. */
  async create(o: CreateOptions): Promise<ContainerSummary> {
    // podman's rootless default: slirp4netns when installed (no fallback when /dev/net/tun is closed: start says so).
    const defaultNetwork = o.network === undefined && this.#d.rootless !== undefined && this.#d.slirp4netns?.() !== undefined;
    const validated = validateCreateOptions(defaultNetwork ? { ...o, network: 'slirp4netns' } : o);
    const store = this.#d.store;
    const image = lookupImage(store.images, o.image, this.#d.registriesConf);
    const runtimeName = o.runtime ?? this.#d.defaultRuntime();
    const runtime = this.#d.runtime(runtimeName); // refuse a runtime that does not resolve now, not at start
    if (validated.groupAdd?.includes('keep-groups') && runtime.profile.kind !== 'crun') {
      throw new EngineError('INVALID_ARGUMENT', `--group-add keep-groups needs crun (its run.oci.keep_original_groups annotation); runtime "${runtimeName}" would set the groups itself`);
    }
    containerUserNamespace({ mode: validated.userns, uidMap: validated.uidMap, gidMap: validated.gidMap }, this.#d.rootless); // refuse what start could not do
    if (o.name !== undefined && !isValidName(o.name)) {
      throw new EngineError('INVALID_ARGUMENT', `container name "${o.name}" is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
    }
    if (validated.init) findInit(validated.initPath); // refuse --init without an init binary now, not at start
    // Volumes are made before the row (named ones on first mention, anonymous ones named now).
    const mounts = validated.mounts ? prepareMounts(store, validated.mounts) : undefined;
    const cfg: StoredConfig = mounts ? { ...validated, mounts } : validated;
    const id = newContainerId();
    const imageName = image.tags.includes(normalisedName(o.image)) ? normalisedName(o.image) : (image.tags[0] ?? image.id);
    let rec: ContainerRecord | undefined;
    for (let attempt = 0; !rec; attempt++) {
      try {
        rec = store.containers.insert({
          id,
          name: o.name ?? randomName(),
          imageId: image.id,
          imageName,
          runtime: runtimeName,
          config: cfg,
          autoRemove: o.autoRemove === true,
        });
      } catch (e) {
        if (o.name !== undefined || attempt > 20 || !(isEngineError(e) && e.code === 'NAME_IN_USE')) {
          for (const v of anonymousVolumeNames(mounts)) store.volumes.remove(v);
          throw e;
        }
      }
    }
    store.volumes.link(id, volumeNames(mounts));
    const p = this.#paths(id);
    mkdirSync(p.upper, { recursive: true });
    mkdirSync(p.work, { recursive: true });
    store.containers.release(id);
    return summary(rec);
  }

  /**
   * Starts a created or exited container; resolves once it runs (the monitor saw the pid file). With
   * `attach`, the result carries the container's output (and stdin, resizes) from its first byte.
   */
  async start(idOrName: string, o: StartOptions = {}): Promise<StartResult & { id: string; attach?: AttachStream }> {
    const rec = this.#sync(lookupContainer(this.#d.store.containers, idOrName));
    if (rec.state === 'running') throw new EngineError('BAD_STATE', `container ${rec.name} is already running`);
    const runtime = this.#runtimeOf(rec, 'start');
    const { channel, attach, ...r } = await startContainer(
      { store: this.#d.store, paths: this.#paths(rec.id), runtime, exitCommand: () => this.#d.exitCommand(rec.id), xattrNamespace: this.#d.xattrNamespace, overlay: this.#d.overlay(), rootless: this.#d.rootless, slirp4netns: this.#d.slirp4netns, runRoot: this.#d.runRoot },
      rec,
      o,
    );
    this.#track(rec, channel);
    return { ...r, id: rec.id, ...(attach ? { attach: new AttachStream(attach) } : {}) };
  }

  /** Runs another process in a running container (exec.ts); CONTAINER_NOT_RUNNING (podman's 125) otherwise. */
  async exec(idOrName: string, o: ExecOptions): Promise<ExecSession> {
    const rec = this.#sync(lookupContainer(this.#d.store.containers, idOrName));
    if (rec.state !== 'running') {
      throw new EngineError('CONTAINER_NOT_RUNNING', `can only create exec sessions on running containers: container state improper (${rec.name} is ${rec.state})`);
    }
    const cfg = rec.config as StoredConfig;
    return runExec(
      {
        containerId: rec.id,
        paths: this.#paths(rec.id),
        runRoot: this.#d.runRoot,
        runtime: this.#runtimeOf(rec, 'exec in'),
        hostNetwork: cfg.network === 'host',
        rootless: this.#d.rootless !== undefined,
      },
      o,
    );
  }

  /** Waits for the container to exit; aborting stops waiting, never the container. */
  async wait(idOrName: string, o: { signal?: AbortSignal } = {}): Promise<ExitStatus> {
    // By the full ID first: a --rm container this engine started may already be removed.
    const tracked = this.#tracked.get(idOrName) ?? this.#tracked.get(lookupContainer(this.#d.store.containers, idOrName).id);
    if (tracked) {
      // Started by this engine: the monitor tells us. Returns after our cleanup (so `run --rm` ends with the
      // container gone, as docker's does), with the record from the event (the exit file may be gone by then).
      const unhold = tracked.channel.hold();
      try {
        const record = await abortable(tracked.channel.exited, o.signal);
        if (record) {
          await abortable(tracked.settled, o.signal);
          return exitStatusOf(record, this.#kindOf(tracked.rec, record), tracked.rec.runtime);
        }
      } finally {
        unhold();
      }
    }
    const first = lookupContainer(this.#d.store.containers, idOrName);
    const p = this.#paths(first.id);
    for (;;) {
      o.signal?.throwIfAborted();
      const record = readExitRecord(p.exitFile);
      const row = this.#d.store.containers.get(first.id);
      const rec = row && !record ? this.#sync(row) : row; // #sync: an orphan (monitor gone) that exited is recorded
      if (record && (!rec || rec.state !== 'starting')) return exitStatusOf(record, this.#kindOf(first, record), first.runtime);
      if (!rec) throw new EngineError('CONTAINER_NOT_FOUND', `no container with name or ID "${idOrName}" found: no such container`);
      if (rec.state === 'exited' && rec.exitCode !== undefined && !record) {
        return { exitCode: rec.exitCode, finishedAt: rec.finishedAt ?? new Date(), oomKilled: false };
      }
      await pause(WAIT_POLL_MS, o.signal);
    }
  }

  /** Sends a signal through the container's runtime. */
  async kill(idOrName: string, signal: string | number = 'SIGKILL'): Promise<void> {
    const rec = this.#sync(lookupContainer(this.#d.store.containers, idOrName));
    if (rec.state !== 'running') {
      throw new EngineError('CONTAINER_NOT_RUNNING', `can only kill running containers. ${rec.id} is in state ${rec.state}: container state improper`);
    }
    await this.#runtimeOf(rec, 'kill').kill(rec.id, signal);
  }

  /** The stop signal, then SIGKILL after `timeoutSec` (default: the container's stop timeout). */
  async stop(idOrName: string, o: { timeoutSec?: number; signal?: AbortSignal } = {}): Promise<ExitStatus | undefined> {
    const rec = await this.#settled(this.#sync(lookupContainer(this.#d.store.containers, idOrName)), o.signal);
    if (rec.state !== 'running' && rec.state !== 'starting') return undefined; // stopping a stopped container is fine
    const cfg = rec.config as StoredConfig;
    const timeoutSec = o.timeoutSec ?? cfg.stopTimeout;
    const runtime = this.#runtimeOf(rec, 'stop');
    const stopSignal = cfg.stopSignal ?? this.#imageStopSignal(rec) ?? 'SIGTERM';
    if (timeoutSec > 0) {
      await runtime.kill(rec.id, stopSignal);
      const exited = await this.wait(rec.id, { signal: AbortSignal.any([AbortSignal.timeout(timeoutSec * 1000), ...(o.signal ? [o.signal] : [])]) }).catch(
        (e: unknown) => {
          if (o.signal?.aborted) throw e;
          return undefined; // timed out: escalate
        },
      );
      if (exited) return exited;
    }
    // Rootless there is no cgroup (DESIGN.md §6), so `kill --all` finds no process to kill (rm -f waited for the
    // container to end by itself); killing the init of the container's PID namespace takes all of it down.
    await runtime.kill(rec.id, 'SIGKILL', { all: this.#d.rootless === undefined });
    return this.wait(rec.id, o.signal ? { signal: o.signal } : {});
  }

  /**
   * Removes a container; a running one only with `force` (killed first). Its writable layer goes too. A
   * container whose runtime is gone (unregistered or uninstalled since) is removed without it: our state is
   * dropped and the result carries a warning for the user (podman's MissingRuntime says so once, too).
   */
  async remove(idOrName: string, o: { force?: boolean; volumes?: boolean } = {}): Promise<{ id: string; warnings: string[] }> {
    const rec = lookupContainer(this.#d.store.containers, idOrName);
    const missing = this.#missingRuntime(rec);
    const r = await this.#remove(rec, o);
    return { id: r.id, warnings: missing === undefined ? [] : [missing] };
  }

  async #remove(found: ContainerRecord, o: { force?: boolean; volumes?: boolean }): Promise<{ id: string }> {
    const store = this.#d.store;
    let rec = this.#sync(found);
    if (rec.state === 'running' || rec.state === 'starting') {
      if (!o.force) {
        throw new EngineError(
          'CONTAINER_IN_USE',
          `cannot remove container ${rec.id} as it is running - running or paused containers cannot be removed without force: container state improper`,
        );
      }
      await this.stop(rec.id, { timeoutSec: 0 });
      rec = this.#sync(store.containers.get(rec.id) ?? rec);
    }
    try {
      store.containers.transition(rec.id, ['created', 'exited'], 'removing');
    } catch (e) {
      // Someone else (the --rm cleanup, another rm) got there first: let them finish, the outcome is the same.
      if (isEngineError(e) && e.code === 'NOT_FOUND') return { id: rec.id };
      if (isEngineError(e) && e.code === 'BAD_STATE' && store.containers.get(rec.id)?.state === 'removing') {
        for (let i = 0; i < 1200 && store.containers.get(rec.id); i++) await sleep(WAIT_POLL_MS);
        if (!store.containers.get(rec.id)) return { id: rec.id };
      }
      throw e;
    }
    await this.#teardown(rec);
    store.containers.delete(rec.id); // its container_volumes rows go with it
    // docker's `rm -v` (and --rm): its anonymous volumes too, unless another container mounts them.
    if (o.volumes) for (const v of anonymousVolumeNames((rec.config as StoredConfig).mounts)) this.#removeVolumeIfUnused(v);
    const p = this.#paths(rec.id);
    // Synchronous: the promise form walks the tree through the thread pool, one hop per file, which was
    // ~15 ms of every `run --rm` for a handful of files. A container's own files are few unless it wrote
    // many; the event loop waits for those as podman's remove does.
    removeTree(p.dir);
    removeTree(p.runDir);
    return { id: rec.id };
  }

  /**
   * After the container exited (run by its monitor): record the exit, unmount, drop runtime state, and
   * remove the container if it was created with autoRemove. Idempotent; a gone container is no error.
   */
  async cleanup(id: string): Promise<void> {
    const store = this.#d.store;
    for (let i = 0; ; i++) {
      const rec = store.containers.get(id);
      if (!rec) return;
      if (rec.state === 'starting' && i < 400) {
        await sleep(WAIT_POLL_MS); // the starting process records 'running' first
        continue;
      }
      const synced = this.#sync(rec);
      if (synced.state !== 'exited') return; // restarted meanwhile: not ours to clean
      await this.#teardown(synced);
      if (synced.autoRemove) await this.#remove(synced, { volumes: true }).catch((e: unknown) => {
        if (!(isEngineError(e) && (e.code === 'CONTAINER_NOT_FOUND' || e.code === 'BAD_STATE'))) throw e;
      });
      return;
    }
  }

  /** Log records, oldest first; with `follow`, until the container has exited. Aborting stops reading. */
  logs(idOrName: string, o: { follow?: boolean; since?: Date; until?: Date; tail?: number; signal?: AbortSignal; offset?: number } = {}): AsyncIterable<LogRecord> {
    const rec = lookupContainer(this.#d.store.containers, idOrName);
    const p = this.#paths(rec.id);
    const exited = () => {
      const r = this.#d.store.containers.get(rec.id);
      return !r || r.state === 'created' || readExitRecord(p.exitFile) !== undefined;
    };
    return readLog(p.log, { ...o, exited });
  }

  /**
   * Attaches to a running container: its output from now on; its stdin (containers created `interactive`)
   * and its terminal's size. Closing the stream detaches.
   */
  async attach(idOrName: string): Promise<AttachStream> {
    const rec = this.#sync(lookupContainer(this.#d.store.containers, idOrName));
    if (rec.state !== 'running') {
      throw new EngineError('CONTAINER_NOT_RUNNING', `you can only attach to running containers: ${rec.name} is ${rec.state}: container state improper`);
    }
    const path = this.#paths(rec.id).attachSocket;
    return new Promise((resolve, reject) => {
      const sock = connect(path);
      sock.once('connect', () => resolve(new AttachStream(sock)));
      sock.once('error', (e) => reject(new EngineError('CONTAINER_NOT_RUNNING', `attaching to ${rec.name}: ${e.message}`, { cause: e })));
    });
  }

  async inspect(idOrName: string): Promise<ContainerInspect> {
    const rec = this.#sync(lookupContainer(this.#d.store.containers, idOrName));
    const image = this.#d.store.images.get(rec.imageId);
    return toContainerInspect(rec, this.#paths(rec.id), image, this.#d.store);
  }

  async list(o: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    const all = this.#d.store.containers.list().map((r) => {
      const rec = this.#sync(r);
      return summary(rec, rec.state === 'running' && (rec.config as StoredConfig).publish ? publishedPorts(this.#paths(rec.id).runDir) : undefined);
    });
    return o.all ? all : all.filter((c) => c.state === 'running');
  }

  async exists(idOrName: string): Promise<boolean> {
    try {
      lookupContainer(this.#d.store.containers, idOrName);
      return true;
    } catch (e) {
      if (isEngineError(e) && e.code === 'CONTAINER_NOT_FOUND') return false;
      throw e;
    }
  }

  /**
   * Removes what killed processes left: containers whose creation never finished, and container or
   * run-state directories that no row names (unmounting their root filesystem first). Directories are
   * listed before rows are read: rows are written before their directories, so a directory seen first
   * and unnamed by the rows read after it is an orphan, never a creation in progress.
   */
  async sweep(): Promise<void> {
    const store = this.#d.store;
    const dir = join(this.#d.root, 'containers');
    const runDir = join(this.#d.runRoot, 'containers');
    const dirs = listDir(dir);
    const runDirs = listDir(runDir);
    for (const id of store.containers.abandonedCreations()) store.containers.delete(id);
    const ids = store.containers.ids();
    for (const d of dirs) {
      if (ids.has(d)) continue;
      await unmount(this.#paths(d).rootfs);
      await rm(join(dir, d), { recursive: true, force: true });
    }
    for (const d of runDirs) {
      if (ids.has(d.replace(/\.cleanup\.log$/, ''))) continue;
      await teardownSlirp4netns(join(runDir, d)); // its network namespace is mounted there: unmount before rm
      await rm(join(runDir, d), { recursive: true, force: true });
    }
  }

  /** A container another process is starting: wait until that process has recorded how it went. */
  async #settled(rec: ContainerRecord, signal?: AbortSignal): Promise<ContainerRecord> {
    let r: ContainerRecord | undefined = rec;
    while (r?.state === 'starting') {
      await pause(WAIT_POLL_MS, signal);
      r = this.#d.store.containers.get(rec.id);
    }
    return r ? this.#sync(r) : rec;
  }

  /**
   * Unmount and drop the runtime's state. `RUNTIME run` removes its state when the container exits; only a
   * crash leaves some, and only then is the runtime resolved (so a normal cleanup reads no config file). A
   * runtime that is gone (unregistered or uninstalled since) cannot delete it: we remove its files ourselves.
   */
  async #teardown(rec: ContainerRecord): Promise<void> {
    const p = this.#paths(rec.id);
    await unmount(p.rootfs);
    const stateRoot = join(this.#d.runRoot, 'runtimes', runtimeDirName(rec.runtime));
    if (hasRuntimeState(stateRoot, rec.id)) {
      let runtime: OciCliRuntime | undefined;
      try {
        runtime = this.#d.runtime(rec.runtime);
      } catch (e) {
        if (!(isEngineError(e) && e.code === 'RUNTIME_NOT_FOUND')) throw e; // gone: we drop its state below
      }
      if (runtime) await runtime.delete(rec.id, { force: true });
      else for (const f of readdirSync(stateRoot)) if (f.startsWith(rec.id)) rmSync(join(stateRoot, f), { recursive: true, force: true });
    }
    await teardownSlirp4netns(p.runDir);
    removeTree(p.runDir);
    rmSync(p.attachSocket, { force: true });
    rmSync(p.consoleSocket, { force: true });
    rmSync(p.slirpApiSocket, { force: true });
  }

  #removeVolumeIfUnused(name: string): void {
    try {
      this.#d.store.volumes.remove(name);
    } catch (e) {
      if (!(isEngineError(e) && (e.code === 'IN_USE' || e.code === 'NOT_FOUND'))) throw e;
    }
  }

  /** Why the container's runtime cannot be used now (for rm's warning), or undefined when it can. */
  #missingRuntime(rec: ContainerRecord): string | undefined {
    try {
      this.#d.runtime(rec.runtime);
      return undefined;
    } catch (e) {
      // Worded per runtime, not per container: `rm -a` prints it once (podman's MissingRuntime logs once too).
      if (isEngineError(e) && e.code === 'RUNTIME_NOT_FOUND') return `OCI runtime "${rec.runtime}" is not available (unregistered or not installed): its containers are removed without it`;
      throw e;
    }
  }

  /**
   * The row's state reconciled with the monitor's exit record (which is the truth once it exists). With
   * no record and no monitor (orphan.ts), the container has exited once its process is gone too: exit
   * code 255, as docker records a container whose shim died.
   */
  #sync(rec: ContainerRecord): ContainerRecord {
    if (rec.state !== 'running') return rec;
    const exitFile = this.#paths(rec.id).exitFile;
    let record = readExitRecord(exitFile);
    let status: { exitCode: number; finishedAt: Date } | undefined;
    if (record) status = exitStatusOf(record, this.#kindOf(rec, record), rec.runtime);
    else if (monitorGone(rec.monitorPid, rec.id) && processGone(rec.pid, rec.startedAt)) {
      record = readExitRecord(exitFile); // written just before the monitor exited?
      status = record ? exitStatusOf(record, this.#kindOf(rec, record), rec.runtime) : { exitCode: ORPHAN_EXIT_CODE, finishedAt: new Date() };
    }
    if (!status) return rec;
    try {
      return this.#d.store.containers.transition(rec.id, ['running'], 'exited', { exitCode: status.exitCode, finishedAt: status.finishedAt });
    } catch (e) {
      if (!(isEngineError(e) && (e.code === 'BAD_STATE' || e.code === 'NOT_FOUND'))) throw e;
      return this.#d.store.containers.get(rec.id) ?? rec; // someone else recorded it (or removed it) first
    }
  }

  /** The container's runtime; when it is gone, one line naming it and how to get it back (podman: `runtime X is missing`). */
  #runtimeOf(rec: ContainerRecord, verb: string): OciCliRuntime {
    try {
      return this.#d.runtime(rec.runtime);
    } catch (e) {
      if (isEngineError(e) && e.code === 'RUNTIME_NOT_FOUND') {
        const again = rec.runtime.includes('/') ? `install ${rec.runtime} again` : `register it again (tsengine runtime add ${rec.runtime} /path/to/binary)`;
        throw new EngineError('RUNTIME_NOT_FOUND', `cannot ${verb} container ${rec.name}: ${e.message}; ${again}, or remove the container`, { cause: e });
      }
      throw e;
    }
  }

  /** The runtime's kind, only needed to classify a runtime error in the exit record (so exits read no config). */
  #kindOf(rec: ContainerRecord, record: { readonly runtimeError?: string | undefined }): OciCliRuntime['profile']['kind'] {
    if (record.runtimeError === undefined) return 'generic';
    try {
      return this.#d.runtime(rec.runtime).profile.kind;
    } catch (e) {
      if (isEngineError(e) && e.code === 'RUNTIME_NOT_FOUND') return 'generic';
      throw e;
    }
  }

  #imageStopSignal(rec: ContainerRecord): string | undefined {
    const img = this.#d.store.images.get(rec.imageId);
    const blob = img && this.#d.store.images.blob(img.configDigest);
    if (!blob) return undefined;
    const cfg = JSON.parse(blob.data.toString('utf8')) as { config?: { StopSignal?: string } };
    return cfg.config?.StopSignal;
  }
}

function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return []; // nothing created here yet
    throw e;
  }
}

/** The directory name of a runtime's state root: its name, or the basename of a runtime given by path (profiles.ts). */
function runtimeDirName(runtime: string): string {
  return basename(runtime);
}

/** Whether the runtime keeps anything for `id` under its --root (runc/crun: a dir, runsc: `<id>_sandbox:…` files). */
function hasRuntimeState(stateRoot: string, id: string): boolean {
  try {
    return readdirSync(stateRoot).some((e) => e.startsWith(id));
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false; // the runtime never ran anything here
    throw e;
  }
}
