/**
 * start: created|exited → starting (owned by us) → overlay mounted, config.json written, monitor launched
 * → running once the runtime wrote the pid file. A runtime that fails to start the container leaves it
 * exited with podman's code (127 command not found, 126 cannot invoke, 125 other) and a one-line error.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import type { ContainerRecord } from '../../storage/container-store.ts';
import { isErrno } from '../../storage/errors.ts';
import type { Store } from '../../storage/index.ts';
import { isMountPoint } from '../../storage/overlay.ts';
import { mountRootfs, type OverlayPolicy } from '../../storage/overlay-kind.ts';
import { EngineError } from '../errors.ts';
import { parseImageConfig } from '../image/manifest.ts';
import { classifyRuntimeError, exitCodeFor } from '../runtime/classify.ts';
import type { OciCliRuntime } from '../runtime/oci-cli.ts';
import { hostGatewayAddress, hostnameFile, hostsFile, resolvConfFile } from './etc-files.ts';
import type { LaunchSpec } from '../../monitor/protocol.ts';
import { launchMonitor, monitorCommand, type MonitorChannel } from './launch.ts';
import type { StoredConfig } from './options.ts';
import type { ContainerPaths } from './paths.ts';
import { readHostLimits } from './rlimits.ts';
import { buildRuntimeSpec, specJson, cgroupsPathFor } from './runtime-spec.ts';
import { limitSpecInput, memoryCgroupDir } from './limits-spec.ts';
import { hostname as osHostname, networkInterfaces } from 'node:os';
import { resolveGroups, resolveUser } from './user.ts';
import type { OciMount } from './oci-spec.ts';
import { containerMounts } from './volume-setup.ts';
import { chownMountSources, chownTarget } from './chown-mounts.ts';
import { applyInit, findInit } from './init.ts';
import { containerUserNamespace, keepIdEtc, type RootlessIds } from './userns.ts';
import { setupSlirp4netns, SLIRP, teardownSlirp4netns } from './slirp4netns.ts';
import { SECCOMP_BPF_ANNOTATION, seccompProgram } from './seccomp-bpf.ts';

export interface StartDeps {
  readonly store: Store;
  readonly paths: ContainerPaths;
  readonly runtime: OciCliRuntime;
  /** argv the monitor runs after the container exits (cleanup; removal when autoRemove); asked for only when needed. */
  readonly exitCommand: () => readonly string[];
  readonly xattrNamespace: 'trusted' | 'user';
  /** Native overlay or fuse-overlayfs (storage/overlay-kind.ts): storage.conf's mount_program, the fallback. */
  readonly overlay: Omit<OverlayPolicy, 'rootless'>;
  /** Rootless: the user and the holder namespace's ID counts (engine/rootless/); undefined as root. */
  readonly rootless?: RootlessIds | undefined;
  /** The slirp4netns binary (--network slirp4netns); undefined when not installed. Looked up only for that network. */
  readonly slirp4netns?: (() => string | undefined) | undefined;
  /** The engine's run root (the compiled seccomp programs' cache, seccomp-bpf.ts). */
  readonly runRoot: string;
}

export interface StartResult {
  readonly pid: number;
  /** Size of the log before this start: where this run's output begins. */
  readonly logOffset: number;
}

/** What startContainer returns to the engine: the public result and the monitor's channel (containers.ts). */
export interface Started extends StartResult {
  readonly channel: MonitorChannel;
  /** With `attach`: the monitor's first attach client (monitor/protocol.ts, attach frames). */
  readonly attach?: Socket;
}

export interface StartOptions {
  readonly signal?: AbortSignal | undefined;
  /** Connect to the container's output (and stdin, resizes) before it starts: nothing is missed. */
  readonly attach?: boolean | undefined;
  /** With a TTY: its initial size (the caller's terminal). */
  readonly terminalSize?: { readonly rows: number; readonly cols: number } | undefined;
}

/** A file of the image or the host, or undefined when it has none. */
export function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return undefined; // the image has no such file
    throw e;
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return 0;
    throw e;
  }
}

async function prepareRootfs(d: StartDeps, rec: ContainerRecord): Promise<void> {
  const { store, paths } = d;
  const image = store.images.get(rec.imageId);
  if (!image) throw new EngineError('IMAGE_NOT_FOUND', `${rec.imageId}: image not known`);
  const layers = image.layers.map((diffId) => {
    const l = store.layers.get(diffId);
    if (!l) throw new EngineError('STORE_CORRUPT', `image ${image.id}: layer ${diffId} is missing; pull the image again`);
    return l.path;
  });
  for (const dir of [paths.upper, paths.work, paths.rootfs, paths.runDir]) mkdirSync(dir, { recursive: true });
  if (!isMountPoint(paths.rootfs)) {
    const m = { layers, layersDir: join(store.root, 'layers'), upper: paths.upper, work: paths.work, target: paths.rootfs, xattrNamespace: d.xattrNamespace };
    await mountRootfs(m, store.root, { ...d.overlay, rootless: d.rootless !== undefined });
  }
}

async function writeBundle(d: StartDeps, rec: ContainerRecord, cfg: StoredConfig, o: StartOptions, netnsPath: string | undefined, mounts: readonly OciMount[]): Promise<void> {
  const { store, paths } = d;
  const image = store.images.get(rec.imageId)!;
  const blob = store.images.blob(image.configDigest);
  if (!blob) throw new EngineError('STORE_CORRUPT', `image ${image.id}: its config blob is missing`);
  const imageConfig = parseImageConfig(blob.data);
  const userns = containerUserNamespace({ mode: cfg.userns, uidMap: cfg.uidMap, gidMap: cfg.gidMap }, d.rootless);
  if (userns?.keepId) {
    // podman's keep-id: the user is in the container's passwd and group (written into its writable layer).
    const etc = keepIdEtc(userns.keepId, readOptional(join(paths.rootfs, 'etc/passwd')), readOptional(join(paths.rootfs, 'etc/group')));
    if (etc.passwd !== undefined) writeFileSync(join(paths.rootfs, 'etc/passwd'), etc.passwd);
    if (etc.group !== undefined) writeFileSync(join(paths.rootfs, 'etc/group'), etc.group);
  }
  const groupText = readOptional(join(paths.rootfs, 'etc/group'));
  const user = resolveUser(cfg.user ?? (userns?.keepId ? `${userns.keepId.uid}:${userns.keepId.gid}` : imageConfig.config?.User), {
    passwd: readOptional(join(paths.rootfs, 'etc/passwd')),
    group: groupText,
  });
  const keepGroups = cfg.groupAdd?.includes('keep-groups') === true; // crun keeps the process's own groups
  if (cfg.groupAdd && !keepGroups) user.additionalGids.push(...resolveGroups(cfg.groupAdd, groupText)); // --group-add
  // -v …:U: the sources belong to the process's user (outside the container's user namespace, if any).
  if (cfg.mounts?.some((m) => m.type !== 'tmpfs' && m.chown === true)) chownMountSources(cfg.mounts, chownTarget(user, userns), (name) => store.volumes.dataDir(name));
  const hostname = cfg.hostname ?? (cfg.network === 'host' ? osHostname() : rec.id.slice(0, 12));
  const gateway = hostGatewayAddress(cfg.network, networkInterfaces()); // host.containers.internal, --add-host NAME:host-gateway
  writeFileSync(paths.hosts, hostsFile({ hostname, name: rec.name, network: cfg.network, base: readOptional('/etc/hosts'), extra: cfg.addHost, hostContainersInternalIp: gateway, ...(cfg.network === 'slirp4netns' ? { ip: SLIRP.address } : {}) }));
  writeFileSync(paths.hostname, hostnameFile(hostname));
  writeFileSync(paths.resolvConf, resolvConfFile({ network: cfg.network, hostResolvConf: readOptional('/etc/resolv.conf'), dns: cfg.dns, dnsSearch: cfg.dnsSearch, dnsOptions: cfg.dnsOption }));
  const spec = buildRuntimeSpec({
    image: imageConfig,
    command: cfg.command,
    entrypoint: cfg.entrypoint,
    env: cfg.env,
    workdir: cfg.workdir,
    user,
    hostname,
    rootfs: paths.rootfs,
    terminal: cfg.tty === true,
    consoleSize: o.terminalSize,
    network: cfg.network,
    ...(netnsPath !== undefined ? { netnsPath } : {}),
    hostLimits: readHostLimits(),
    etcFiles: { hosts: paths.hosts, hostname: paths.hostname, resolvConf: paths.resolvConf },
    labels: cfg.labels,
    mounts, // -v, --mount, --tmpfs (volume-setup.ts)
    readonlyRootfs: cfg.readOnly === true,
    // Rootless on cgroup v1 no cgroup can be made (DESIGN.md §6): no path, no pids limit (podman does the same).
    ...(d.rootless ? { pidsLimit: 0, rootless: true } : { cgroupsPath: cgroupsPathFor(rec.id) }),
    ...limitSpecInput(cfg, { rootless: d.rootless !== undefined, runtime: d.runtime }), // resources, capabilities, seccomp (limits-spec.ts)
    ...(userns ? { userNamespace: userns } : {}),
    ...(keepGroups ? { annotations: { 'run.oci.keep_original_groups': '1' } } : {}),
  });
  if (cfg.init) applyInit(spec, findInit(cfg.initPath));
  const seccomp = spec.linux.seccomp;
  if (seccomp && d.runtime.loadsSeccompBpf) {
    const program = await seccompProgram(seccomp, d.runRoot, o.signal ? { signal: o.signal } : {});
    if (program) spec.annotations = { ...spec.annotations, [SECCOMP_BPF_ANNOTATION]: program.toString('base64') };
  }
  writeFileSync(paths.config, specJson(spec));
}

export async function startContainer(d: StartDeps, rec: ContainerRecord, o: StartOptions = {}): Promise<Started> {
  const { store, paths, runtime } = d;
  const { signal } = o;
  const cfg = rec.config as StoredConfig;
  store.containers.transition(rec.id, ['created', 'exited'], 'starting', { exitCode: null, finishedAt: null });
  let launched = false;
  try {
    await prepareRootfs(d, rec);
    // Before the runtime: the container's process never runs without its network.
    const netnsPath = cfg.network === 'slirp4netns'
      ? await setupSlirp4netns({
          runDir: paths.runDir,
          slirp4netns: d.slirp4netns?.(),
          ports: cfg.publish ?? [],
          apiSocket: paths.slirpApiSocket,
          ownUserNamespace: containerUserNamespace({ mode: cfg.userns, uidMap: cfg.uidMap, gidMap: cfg.gidMap }, d.rootless) !== undefined,
        })
      : undefined;
    await writeBundle(d, rec, cfg, o, netnsPath, await containerMounts(store, paths.rootfs, cfg.mounts));
    for (const f of [paths.exitFile, paths.pidFile, paths.runtimeLog, paths.attachSocket, paths.consoleSocket]) rmSync(f, { force: true });
    const tty = cfg.tty === true;
    const logOffset = fileSize(paths.log);
    signal?.throwIfAborted();
    const hostNetwork = cfg.network === 'host';
    const oomCgroup = d.rootless === undefined ? memoryCgroupDir(cgroupsPathFor(rec.id)) : undefined;
    const runOptions = {
      id: rec.id,
      bundle: paths.bundle,
      pidFile: paths.pidFile,
      logFile: paths.runtimeLog,
      hostNetwork,
      noCgroups: d.rootless !== undefined,
      ...(tty ? { consoleSocket: paths.consoleSocket } : {}),
    };
    // runsc ignores process.consoleSize: create, size the terminal, start (monitor/protocol.ts startArgv).
    const split = tty && runtime.ignoresConsoleSize;
    const spec: LaunchSpec = {
        v: 1,
        containerId: rec.id,
        argv: split ? runtime.createArgv(runOptions) : runtime.runArgv(runOptions),
        ...(split ? { startArgv: runtime.startArgv(runOptions) } : {}),
        logPath: paths.log,
        exitFile: paths.exitFile,
        pidFile: paths.pidFile,
        runtimeLogPath: paths.runtimeLog,
        stdin: cfg.interactive,
        attachSocket: paths.attachSocket,
        ...(o.attach === true ? { attached: true } : {}),
        ...(tty ? { consoleSocket: paths.consoleSocket, runtimeDetaches: split || runtime.consoleNeedsDetach } : {}),
        ...(tty && o.terminalSize ? { terminalSize: { rows: o.terminalSize.rows, cols: o.terminalSize.cols } } : {}),
        // Unmounting is all most containers need after they exit, and the monitor does that itself; the
        // exit command (a node process) only for what it cannot: --rm, stopping slirp4netns.
        unmount: paths.rootfs,
        // The monitor reads OOM kills while the cgroup exists (the runtime removes it at the exit).
        ...(oomCgroup !== undefined ? { oomCgroup } : {}),
        ...(rec.autoRemove || netnsPath !== undefined ? { exitCommand: d.exitCommand() } : {}),
        exitCommandLog: paths.cleanupLog,
    };
    const command = monitorCommand(spec); // validates, finds the binary: a bad spec or a missing build runs nothing
    mkdirSync(dirname(paths.attachSocket), { recursive: true, mode: 0o700 });
    launched = true;
    const { event, monitorPid, channel, attach } = await launchMonitor(command, { keepChannel: true, ...(signal ? { signal } : {}) });
    if (event.type === 'start-failed') {
      attach?.destroy();
      channel!.release(); // the monitor's exit command cleans up, as for any container we do not wait for
      const failure = classifyRuntimeError(runtime.profile.kind, event.message);
      const code = exitCodeFor(failure);
      store.containers.transition(rec.id, ['starting'], 'exited', { exitCode: code, finishedAt: new Date() });
      throw new EngineError(failure, `${runtime.profile.name}: ${event.message.trim().split('\n').at(-1) ?? 'failed'}`);
    }
    try {
      store.containers.transition(rec.id, ['starting'], 'running', { startedAt: new Date(), pid: event.pid, monitorPid });
    } catch (e) {
      attach?.destroy();
      channel!.release();
      throw e;
    }
    return { pid: event.pid, logOffset, channel: channel!, ...(attach ? { attach } : {}) };
  } catch (e) {
    if (!launched) {
      // Nothing runs: hand the container back in the state it had.
      const back = rec.state === 'exited' ? 'exited' : 'created';
      store.containers.transition(rec.id, ['starting'], back);
      if (cfg.network === 'slirp4netns') await teardownSlirp4netns(paths.runDir);
    }
    throw e;
  }
}
