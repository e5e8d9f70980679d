/**
 * engine.containers: create, start, wait, stop, kill, logs, inspect, list, remove, cleanup. Thin: each
 * verb is a short sequence of store transitions, runtime calls and file reads.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { isErrno } from '../../storage/errors.ts';
import { rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
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
import { startContainer, type StartResult } from './start.ts';
import { unmount } from '../../storage/overlay.ts';

export type { ExitStatus } from './exit-status.ts';
export type { ContainerSummary } from './summary.ts';

export interface ContainersDeps {
  readonly store: Store;
  readonly root: string;
  readonly runRoot: string;
  readonly registriesConf: () => RegistriesConf;
  readonly defaultRuntime: string;
  /** Resolves a runtime name or path; throws RUNTIME_NOT_FOUND. */
  readonly runtime: (nameOrPath: string) => OciCliRuntime;
  /** The command the monitor runs after the container exits. */
  readonly exitCommand: (id: string) => readonly string[];
  readonly xattrNamespace: 'trusted' | 'user';
}


const WAIT_POLL_MS = 10;

export class Containers {
  readonly #d: ContainersDeps;
  constructor(deps: ContainersDeps) {
    this.#d = deps;
  }

  #paths(id: string): ContainerPaths {
    return containerPaths(this.#d.root, this.#d.runRoot, id);
  }

  /** Records a container (no process yet: docker's "Created"). The image must be stored. */
  async create(o: CreateOptions): Promise<ContainerSummary> {
    const cfg = validateCreateOptions(o);
    const store = this.#d.store;
    const image = lookupImage(store.images, o.image, this.#d.registriesConf());
    const runtimeName = o.runtime ?? this.#d.defaultRuntime;
    this.#d.runtime(runtimeName); // refuse a runtime that does not resolve now, not at start
    if (o.name !== undefined && !isValidName(o.name)) {
      throw new EngineError('INVALID_ARGUMENT', `container name "${o.name}" is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
    }
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
        if (o.name !== undefined || attempt > 20 || !(isEngineError(e) && e.code === 'NAME_IN_USE')) throw e;
      }
    }
    const p = this.#paths(id);
    mkdirSync(p.upper, { recursive: true });
    mkdirSync(p.work, { recursive: true });
    store.containers.release(id);
    return summary(rec);
  }

  /** Starts a created or exited container; resolves once it runs (the monitor saw the pid file). */
  async start(idOrName: string, o: { signal?: AbortSignal } = {}): Promise<StartResult & { id: string }> {
    const rec = this.#sync(lookupContainer(this.#d.store.containers, idOrName));
    if (rec.state === 'running') throw new EngineError('BAD_STATE', `container ${rec.name} is already running`);
    const runtime = this.#runtimeOf(rec, 'start');
    const r = await startContainer(
      { store: this.#d.store, paths: this.#paths(rec.id), runtime, exitCommand: this.#d.exitCommand(rec.id), xattrNamespace: this.#d.xattrNamespace },
      rec,
      o.signal,
    );
    return { ...r, id: rec.id };
  }

  /** Waits for the container to exit; aborting stops waiting, never the container. */
  async wait(idOrName: string, o: { signal?: AbortSignal } = {}): Promise<ExitStatus> {
    const first = lookupContainer(this.#d.store.containers, idOrName);
    const p = this.#paths(first.id);
    for (;;) {
      o.signal?.throwIfAborted();
      const record = readExitRecord(p.exitFile);
      const rec = this.#d.store.containers.get(first.id);
      if (record && (!rec || rec.state !== 'starting')) return exitStatusOf(record, this.#kindOf(first), first.runtime);
      if (!rec) throw new EngineError('CONTAINER_NOT_FOUND', `no container with name or ID "${idOrName}" found: no such container`);
      if (rec.state === 'exited' && rec.exitCode !== undefined && !record) {
        return { exitCode: rec.exitCode, finishedAt: rec.finishedAt ?? new Date(), oomKilled: false };
      }
      await sleep(WAIT_POLL_MS, undefined, o.signal ? { signal: o.signal } : undefined);
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
    await runtime.kill(rec.id, 'SIGKILL', { all: true });
    return this.wait(rec.id, o.signal ? { signal: o.signal } : {});
  }

  /** Removes a container; a running one only with `force` (killed first). Its writable layer goes too. */
  async remove(idOrName: string, o: { force?: boolean } = {}): Promise<{ id: string }> {
    const store = this.#d.store;
    let rec = this.#sync(lookupContainer(store.containers, idOrName));
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
    store.containers.delete(rec.id);
    const p = this.#paths(rec.id);
    await rm(p.dir, { recursive: true, force: true });
    await rm(p.runDir, { recursive: true, force: true });
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
      if (synced.autoRemove) await this.remove(id).catch((e: unknown) => {
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

  /** A writable stream into the container's stdin (containers created with `interactive`). */
  async openStdin(idOrName: string): Promise<Writable> {
    const rec = lookupContainer(this.#d.store.containers, idOrName);
    const path = this.#paths(rec.id).attachSocket;
    return new Promise((resolve, reject) => {
      const sock = connect(path);
      sock.once('connect', () => resolve(sock));
      sock.once('error', (e) => reject(new EngineError('CONTAINER_NOT_RUNNING', `attaching to ${rec.name}: ${e.message}`, { cause: e })));
    });
  }

  async inspect(idOrName: string): Promise<ContainerInspect> {
    const rec = this.#sync(lookupContainer(this.#d.store.containers, idOrName));
    const image = this.#d.store.images.get(rec.imageId);
    return toContainerInspect(rec, this.#paths(rec.id), image, this.#d.store);
  }

  async list(o: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    const all = this.#d.store.containers.list().map((r) => summary(this.#sync(r)));
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
      if (!ids.has(d.replace(/\.cleanup\.log$/, ''))) await rm(join(runDir, d), { recursive: true, force: true });
    }
  }

  /** A container another process is starting: wait until that process has recorded how it went. */
  async #settled(rec: ContainerRecord, signal?: AbortSignal): Promise<ContainerRecord> {
    let r: ContainerRecord | undefined = rec;
    while (r?.state === 'starting') {
      await sleep(WAIT_POLL_MS, undefined, signal ? { signal } : undefined);
      r = this.#d.store.containers.get(rec.id);
    }
    return r ? this.#sync(r) : rec;
  }

  /** Unmount and drop the runtime's state. Best effort on the runtime: it may be gone (uninstalled). */
  async #teardown(rec: ContainerRecord): Promise<void> {
    const p = this.#paths(rec.id);
    await unmount(p.rootfs);
    let runtime: OciCliRuntime | undefined;
    try {
      runtime = this.#d.runtime(rec.runtime);
    } catch (e) {
      if (!(isEngineError(e) && e.code === 'RUNTIME_NOT_FOUND')) throw e; // removed since: nothing of its state to drop
    }
    // `RUNTIME run` removes its state when the container exits; only a crash leaves some to delete.
    if (runtime && hasRuntimeState(runtime.profile.stateRoot, rec.id)) await runtime.delete(rec.id, { force: true });
    rmSync(p.runDir, { recursive: true, force: true });
    rmSync(p.attachSocket, { force: true });
  }

  /** The row's state reconciled with the monitor's exit record (which is the truth once it exists). */
  #sync(rec: ContainerRecord): ContainerRecord {
    if (rec.state !== 'running') return rec;
    const record = readExitRecord(this.#paths(rec.id).exitFile);
    if (!record) return rec;
    const status = exitStatusOf(record, this.#kindOf(rec), rec.runtime);
    try {
      return this.#d.store.containers.transition(rec.id, ['running'], 'exited', { exitCode: status.exitCode, finishedAt: status.finishedAt });
    } catch (e) {
      if (!(isEngineError(e) && (e.code === 'BAD_STATE' || e.code === 'NOT_FOUND'))) throw e;
      return this.#d.store.containers.get(rec.id) ?? rec; // someone else recorded it (or removed it) first
    }
  }

  #runtimeOf(rec: ContainerRecord, verb: string): OciCliRuntime {
    try {
      return this.#d.runtime(rec.runtime);
    } catch (e) {
      if (isEngineError(e) && e.code === 'RUNTIME_NOT_FOUND') {
        throw new EngineError('RUNTIME_NOT_FOUND', `cannot ${verb} container ${rec.name}: its OCI runtime "${rec.runtime}" is not available: ${e.message}`, { cause: e });
      }
      throw e;
    }
  }

  #kindOf(rec: ContainerRecord): OciCliRuntime['profile']['kind'] {
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

/** Whether the runtime keeps anything for `id` under its --root (runc/crun: a dir, runsc: `<id>_sandbox:…` files). */
function hasRuntimeState(stateRoot: string, id: string): boolean {
  try {
    return readdirSync(stateRoot).some((e) => e.startsWith(id));
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false; // the runtime never ran anything here
    throw e;
  }
}

