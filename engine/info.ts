/**
 * engine.info(): what `tsengine info` shows, shaped like podman's `podman info` (libpod/define/info.go) so
 * `--format '{{.Host.OCIRuntime.Name}}'` and `{{.Store.GraphRoot}}` work as they do there. Field names are
 * podman's Go names; the CLI prints podman's YAML/JSON keys from them. Beyond podman: every runtime known
 * by name (`Host.OCIRuntimes`) and where the default came from (`Host.OCIRuntime.DefaultFrom`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { packageRoot } from '../storage/package-root.ts';
import type { Containers } from './container/containers.ts';
import type { Images } from './image/images.ts';
import type { RegistriesConf } from './image/short-names.ts';
import { placeOf } from './runtime/registration.ts';
import { parseIdMap } from './rootless/paths.ts';
import type { RuntimeInfo, Runtimes } from './runtime/runtimes.ts';
import { slirp4netnsInfo } from './container/slirp4netns.ts';
import type { StorageConf } from './config/storage-conf.ts';
import { overlayKindOf, recordedOverlayKind } from '../storage/overlay-kind.ts';
import { runChild } from './child.ts';

export interface OciRuntimeInfo {
  readonly Name: string;
  /** Empty when the binary is missing. */
  readonly Path: string;
  readonly Version: string;
  /** The file that registers it, 'built-in', 'PATH', … */
  readonly Source: string;
  /** 'ok', 'missing' or 'refused' (a containerd shim). */
  readonly Status: RuntimeInfo['status'];
}

export interface SystemInfo {
  readonly Host: {
    readonly Arch: string;
    readonly OS: string;
    readonly Kernel: string;
    readonly Hostname: string;
    readonly CPUs: number;
    readonly MemTotal: number;
    /** 'v2' when /sys/fs/cgroup is the unified hierarchy, else 'v1'. */
    readonly CgroupsVersion: 'v1' | 'v2';
    /** The default runtime. */
    readonly OCIRuntime: OciRuntimeInfo & { readonly DefaultFrom: string };
    /** Every runtime known by name (as `runtime ls`), by name. */
    readonly OCIRuntimes: Readonly<Record<string, OciRuntimeInfo>>;
    readonly Security: { readonly Rootless: boolean };
    /**
     * podman's host.idMappings: this process's user namespace in host IDs (root: the identity map).
     * Rootless: 0 → the user, 1.. → the subordinate ranges of /etc/subuid and /etc/subgid.
     */
    readonly IDMappings: { readonly UIDMap: readonly IdMap[]; readonly GIDMap: readonly IdMap[] };
    /** How containers get a network, the default first; see NetworkModes. */
    readonly NetworkBackend: string;
    /** podman's host.slirp4netns: the binary `--network slirp4netns` runs (absent when not installed). */
    readonly Slirp4NetNS?: { readonly Executable: string; readonly Version: string };
    /** The --network modes this engine can give a container here. */
    readonly NetworkModes: readonly string[];
  };
  readonly Store: {
    readonly GraphRoot: string;
    readonly RunRoot: string;
    readonly ContainerStore: { readonly Number: number; readonly Running: number; readonly Stopped: number };
    readonly ImageStore: { readonly Number: number };
    /** The runtime config files read (tsengine.toml, daemon.json, containers.conf), lowest precedence first. */
    readonly ConfigFiles: readonly string[];
    /** podman's store.graphDriverName: always overlay. */
    readonly GraphDriverName: 'overlay';
    /**
     * Which overlay mounts containers (storage/overlay-kind.ts): the kernel's (rootless: inside the user
     * namespace, `userxattr`), or fuse-overlayfs (storage.conf's mount_program, or the store fell back to it).
     */
    readonly OverlayKind: 'native' | 'native (userxattr, in the user namespace)' | 'fuse-overlayfs';
    /** podman's store.graphOptions: `overlay.mount_program` (Executable, Package, Version) when FUSE is used. */
    readonly GraphOptions: Readonly<Record<string, unknown>>;
    /** podman's store.graphStatus: `Native Overlay Diff` ("true" with the kernel's overlay). */
    readonly GraphStatus: Readonly<Record<string, string>>;
    /** The storage.conf read (mount_program, mountopt), when one exists. */
    readonly StorageConfigFile?: string;
  };
  readonly Registries: { readonly search: readonly string[] };
  readonly Version: { readonly Version: string; readonly NodeVersion: string; readonly OsArch: string };
}

/** One line of an ID map (podman's idtools.IDMap JSON names). */
export interface IdMap {
  readonly container_id: number;
  readonly host_id: number;
  readonly size: number;
}

export interface InfoDeps {
  readonly root: string;
  readonly runRoot: string;
  readonly rootless: boolean;
  readonly runtimes: Runtimes;
  readonly containers: Containers;
  readonly images: Images;
  readonly registriesConf: () => RegistriesConf;
  /** The slirp4netns binary, when installed. */
  readonly slirp4netns?: string | undefined;
  /** storage.conf's overlay keys. */
  readonly storageConf: StorageConf;
  /** fuse-overlayfs on PATH, when installed. */
  readonly fuseOverlayfs?: string | undefined;
}

/** Node's process.arch → Go's GOARCH, as podman prints it. */
const GOARCH: Readonly<Record<string, string>> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

function runtimeInfo(r: RuntimeInfo): OciRuntimeInfo {
  return { Name: r.name, Path: r.path ?? '', Version: r.version ?? '', Source: r.source, Status: r.status };
}

export async function systemInfo(d: InfoDeps, o: { signal?: AbortSignal } = {}): Promise<SystemInfo> {
  const list = await d.runtimes.list(o.signal ? { signal: o.signal } : {});
  const def = d.runtimes.default();
  const current = list.find((r) => r.isDefault);
  const containers = await d.containers.list({ all: true });
  const images = await d.images.list();
  const goArch = GOARCH[arch()] ?? arch();
  const slirp = d.slirp4netns !== undefined ? await slirp4netnsInfo(d.slirp4netns) : undefined;
  const slirpText = slirp && `slirp4netns (${slirp.path}, version ${slirp.version || 'unknown'})`;
  const kind = overlayKindOf({ mountProgram: d.storageConf.mountProgram, recorded: recordedOverlayKind(d.root) });
  const program = kind === 'fuse-overlayfs' ? d.storageConf.mountProgram ?? d.fuseOverlayfs : undefined;
  return {
    Host: {
      Arch: goArch,
      OS: 'linux',
      Kernel: release(),
      Hostname: hostname(),
      CPUs: cpus().length,
      MemTotal: totalmem(),
      CgroupsVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2' : 'v1',
      OCIRuntime: {
        ...(current !== undefined ? runtimeInfo(current) : { Name: def.name, Path: '', Version: '', Source: '', Status: 'missing' as const }),
        DefaultFrom: placeOf(def),
      },
      OCIRuntimes: Object.fromEntries(list.map((r) => [r.name, runtimeInfo(r)])),
      Security: { Rootless: d.rootless },
      IDMappings: { UIDMap: idMap('/proc/self/uid_map'), GIDMap: idMap('/proc/self/gid_map') },
      NetworkBackend: d.rootless && slirpText !== undefined
        ? `${slirpText}, the default; private: loopback only; none and host`
        : `private: loopback only, the default; none and host${slirpText !== undefined ? `; ${slirpText}` : ''}`,
      ...(slirp ? { Slirp4NetNS: { Executable: slirp.path, Version: slirp.version } } : {}),
      NetworkModes: [...(d.rootless && slirp ? ['slirp4netns'] : []), 'private', 'none', 'host', ...(!d.rootless && slirp ? ['slirp4netns'] : [])],
    },
    Store: {
      GraphRoot: d.root,
      RunRoot: d.runRoot,
      ContainerStore: {
        Number: containers.length,
        Running: containers.filter((c) => c.state === 'running').length,
        Stopped: containers.filter((c) => c.state === 'exited').length,
      },
      ImageStore: { Number: images.length },
      ConfigFiles: d.runtimes.config().files,
      GraphDriverName: 'overlay',
      OverlayKind: kind === 'fuse-overlayfs' ? kind : d.rootless ? 'native (userxattr, in the user namespace)' : 'native',
      GraphOptions: program !== undefined ? { 'overlay.mount_program': { Executable: program, Version: await programVersion(program) } } : {},
      GraphStatus: { 'Native Overlay Diff': String(kind === 'native') },
      ...(d.storageConf.file !== undefined ? { StorageConfigFile: d.storageConf.file } : {}),
    },
    Registries: { search: d.registriesConf().unqualifiedSearchRegistries },
    Version: { Version: packageVersion(), NodeVersion: process.version, OsArch: `linux/${goArch}` },
  };
}

/** The program's own version line (`fuse-overlayfs: version 1.10`; it prints fusermount3's first), as podman shows it. */
async function programVersion(path: string): Promise<string> {
  const r = await runChild(path, ['--version']);
  const lines = r.stdout.split('\n').map((l) => l.trim());
  return lines.find((l) => l.startsWith(`${basename(path)}:`)) ?? lines[0] ?? '';
}

function idMap(path: string): IdMap[] {
  return parseIdMap(readFileSync(path, 'utf8')).map((m) => ({ container_id: m.inside, host_id: m.outside, size: m.count }));
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '';
}
