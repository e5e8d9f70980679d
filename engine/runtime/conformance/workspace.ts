/**
 * The check's scratch space, one per `check` call, under the run root:
 *
 *   <runRoot>/check/c-<rand>/state    the runtime's --root (never the engine's <runRoot>/runtimes/<name>)
 *                          rootfs     overlay of the image's layers, shared by every case's bundle
 *                          upper work the overlay's writable layer (where container writes land)
 *                          bundles/<name>/config.json (+ etc files, runtime logs, create output)
 *                          logs       the runtime's JSON log of every other call
 *                          owner, runtime.json   who runs this check, with which runtime (leftovers.ts)
 *                          host/<name>   host directories the bind-mount cases use
 *                          s/<name>.sock  console sockets (in the system temp dir when the run root is too long)
 *
 * One rootfs for all cases: the cases write only to paths of their own, and each case's writes are
 * checked in `upper` by path. Each case still gets its own config.json, written by buildRuntimeSpec (podman's defaults,
 * with the host's limits: rlimits above our hard limit would fail every start with EPERM) and then edited.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isErrno } from '../../../storage/errors.ts';
import { isMountPoint, mountOverlay, unmount } from '../../../storage/overlay.ts';
import { hostnameFile, hostsFile, resolvConfFile } from '../../container/etc-files.ts';
import type { OciSpec } from '../../container/oci-spec.ts';
import { type HostLimits, readHostLimits } from '../../container/rlimits.ts';
import { buildRuntimeSpec, cgroupsPathFor } from '../../container/runtime-spec.ts';
import { resolveUser, type ResolvedUser } from '../../container/user.ts';
import type { ImageConfig } from '../../image/manifest.ts';
import type { RuntimeProfile } from '../profiles.ts';
import { OWNER_FILE, PROFILE_FILE } from './leftovers.ts';
import { selfOwner } from '../../../storage/owner.ts';

/** sun_path holds 108 bytes with the NUL (as engine/container/paths.ts). */
const MAX_SOCKET_PATH = 107;

export interface WorkspaceOptions {
  readonly runRoot: string;
  /** Absolute layer dirs, base layer first, and the directory they live in (storage/overlay.ts). */
  readonly layers: readonly string[];
  readonly layersDir: string;
  readonly imageConfig: ImageConfig;
  readonly xattrNamespace: 'trusted' | 'user';
}

export interface BundleOptions {
  /** The container's process args (the image's Entrypoint and Cmd are not used). */
  readonly args: readonly string[];
  readonly terminal?: boolean;
  readonly hostname?: string;
  readonly readonlyRootfs?: boolean;
  /** Changes config.json after buildRuntimeSpec, before it is written. */
  readonly edit?: (spec: OciSpec) => void;
}

export interface Bundle {
  /** The container id: `tsengine-check-<rand>-<seq>-<name>`. */
  readonly id: string;
  readonly dir: string;
  readonly spec: OciSpec;
}

export class Workspace {
  readonly dir: string;
  readonly stateRoot: string;
  readonly rootfs: string;
  readonly upper: string;
  /** The runtime's JSON log of each call (driver.ts). */
  readonly logDir: string;
  /** Random part of every container id of this check, so two checks (or a leftover) never collide. */
  readonly tag: string;
  readonly #o: WorkspaceOptions;
  readonly #hostLimits: HostLimits;
  #root: ResolvedUser | undefined;
  #socketDir: string | undefined;
  #bundles = 0;

  private constructor(dir: string, o: WorkspaceOptions) {
    this.dir = dir;
    this.#o = o;
    this.stateRoot = join(dir, 'state');
    this.rootfs = join(dir, 'rootfs');
    this.upper = join(dir, 'upper');
    this.logDir = join(dir, 'logs');
    this.tag = randomBytes(3).toString('hex');
    this.#hostLimits = readHostLimits();
  }

  /** Creates the directories and mounts the rootfs; on failure nothing is left behind. */
  static async open(o: WorkspaceOptions): Promise<Workspace> {
    const base = join(o.runRoot, 'check');
    mkdirSync(base, { recursive: true, mode: 0o700 });
    const ws = new Workspace(mkdtempSync(join(base, 'c-')), o);
    try {
      writeFileSync(join(ws.dir, OWNER_FILE), selfOwner());
      for (const d of [ws.stateRoot, ws.rootfs, ws.upper, ws.logDir, join(ws.dir, 'work'), join(ws.dir, 'bundles'), join(ws.dir, 'host')]) {
        mkdirSync(d, { recursive: true });
      }
      await mountOverlay({ layers: o.layers, layersDir: o.layersDir, upper: ws.upper, work: join(ws.dir, 'work'), target: ws.rootfs, xattrNamespace: o.xattrNamespace });
      return ws;
    } catch (e) {
      await ws.dispose();
      throw e;
    }
  }

  /** Records the runtime (with its --root) before any container exists, for a sweep after a crash (leftovers.ts). */
  recordRuntime(profile: RuntimeProfile): void {
    writeFileSync(join(this.dir, PROFILE_FILE), JSON.stringify(profile));
  }

  /**
   * Writes `<dir>/bundles/<name>/config.json` for one container and returns its id and spec. The sequence
   * number keeps any id from being a prefix of another: runsc accepts a unique prefix as an id and refuses
   * an id that is a prefix of another (`tty` of `tty-name`: "id … is ambiguous").
   */
  bundle(name: string, o: BundleOptions): Bundle {
    const id = `tsengine-check-${this.tag}-${++this.#bundles}-${name}`;
    const dir = join(this.dir, 'bundles', name);
    mkdirSync(dir);
    const hostname = o.hostname ?? 'tsengine-check';
    const etcFiles = { hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname'), resolvConf: join(dir, 'resolv.conf') };
    writeFileSync(etcFiles.hosts, hostsFile({ hostname }));
    writeFileSync(etcFiles.hostname, hostnameFile(hostname));
    // No network is set up in the container's namespace: podman's fallback nameservers are as good as any.
    writeFileSync(etcFiles.resolvConf, resolvConfFile({ network: 'private', hostResolvConf: undefined }));
    const spec = buildRuntimeSpec({
      image: this.#o.imageConfig,
      entrypoint: [],
      command: o.args,
      user: this.#rootUser(),
      hostname,
      rootfs: this.rootfs,
      readonlyRootfs: o.readonlyRootfs,
      terminal: o.terminal === true,
      network: 'private',
      hostLimits: this.#hostLimits,
      etcFiles,
      cgroupsPath: cgroupsPathFor(id),
    });
    o.edit?.(spec);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
    return { id, dir, spec };
  }

  /** A fresh host directory (for bind mounts). */
  hostDir(name: string): string {
    const d = join(this.dir, 'host', name);
    mkdirSync(d, { recursive: true });
    return d;
  }

  /** Where a console socket may be bound: short enough for sun_path. */
  socketPath(name: string): string {
    if (this.#socketDir === undefined) {
      const inside = join(this.dir, 's');
      const longest = join(inside, `${'x'.repeat(32)}.sock`);
      this.#socketDir = Buffer.byteLength(longest) <= MAX_SOCKET_PATH ? inside : mkdtempSync(join(tmpdir(), 'tse-check-'));
      mkdirSync(this.#socketDir, { recursive: true, mode: 0o700 });
    }
    const path = join(this.#socketDir, `${name.slice(0, 32)}.sock`);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw new Error(`unreachable: socket path ${path} too long for sun_path`);
    return path;
  }

  /** Unmounts the rootfs and removes everything. Safe to call twice. */
  async dispose(): Promise<void> {
    if (isMountPoint(this.rootfs)) await unmount(this.rootfs);
    if (this.#socketDir !== undefined && !this.#socketDir.startsWith(this.dir)) rmSync(this.#socketDir, { recursive: true, force: true });
    await rm(this.dir, { recursive: true, force: true });
  }

  /** root, with the supplementary groups the image's /etc/group gives it (what `run` gives by default). */
  #rootUser(): ResolvedUser {
    this.#root ??= resolveUser(undefined, { passwd: this.#readEtc('passwd'), group: this.#readEtc('group') });
    return this.#root;
  }

  #readEtc(name: string): string | undefined {
    try {
      return readFileSync(join(this.rootfs, 'etc', name), 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return undefined; // an image without the file: root has no groups
      throw e;
    }
  }
}
