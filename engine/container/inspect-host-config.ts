/**
 * `.HostConfig` of the docker-shaped container inspect (inspect.ts), from the stored config. Docker's field
 * names and shapes (its api/types/container HostConfig): a list never given is `null` where docker says null
 * (Binds, CapAdd, CapDrop, ExtraHosts, GroupAdd, SecurityOpt) and `[]` where docker says [] (Dns, DnsSearch,
 * DnsOptions, Devices, Ulimits). Numbers are what the container gets: ShmSize and PidsLimit are podman's
 * defaults when not set, like `podman inspect`. Pure.
 */
import type { MountSpec } from './mounts.ts';
import type { StoredConfig } from './options.ts';
import { DEFAULT_PIDS_LIMIT } from './runtime-spec.ts';
import { portBindings } from './ports.ts';

/** The /dev/shm size without --shm-size (runtime-spec.ts systemMounts: size=65536k). */
export const DEFAULT_SHM_SIZE = 65536 * 1024;

export interface HostConfigInspect {
  Runtime: string;
  AutoRemove: boolean;
  NetworkMode: string;
  /** -p as asked (HostPort '' when chosen at start). */
  PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
  Binds: string[] | null;
  Tmpfs: Record<string, string>;
  ReadonlyRootfs: boolean;
  Memory: number;
  MemorySwap: number;
  NanoCpus: number;
  CpuShares: number;
  CpuQuota: number;
  CpuPeriod: number;
  PidsLimit: number;
  Ulimits: { Name: string; Soft: number; Hard: number }[];
  ShmSize: number;
  OomKillDisable: boolean;
  Privileged: boolean;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  SecurityOpt: string[] | null;
  Devices: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
  Dns: string[];
  DnsSearch: string[];
  DnsOptions: string[];
  ExtraHosts: string[] | null;
  GroupAdd: string[] | null;
  Init: boolean;
}

const orNull = <T>(a: readonly T[] | undefined): T[] | null => (a !== undefined && a.length > 0 ? [...a] : null);

/** `-v` form of a bind or volume: SRC:DST[:OPTS] (ro first, then the mount flags). */
function bind(m: Exclude<MountSpec, { type: 'tmpfs' }>): string {
  const opts = [...(m.readOnly ? ['ro'] : []), ...(m.type === 'volume' && m.noCopy ? ['nocopy'] : []), ...(m.chown ? ['U'] : []), ...m.options];
  return [m.type === 'bind' ? m.source : m.name, m.destination, ...(opts.length > 0 ? [opts.join(',')] : [])].join(':');
}

export function hostConfigInspect(cfg: StoredConfig, o: { runtime: string; autoRemove: boolean }): HostConfigInspect {
  const r = cfg.resources ?? {};
  const s = cfg.security ?? {};
  const mounts = cfg.mounts ?? [];
  const binds = mounts.flatMap((m) => (m.type === 'tmpfs' ? [] : [bind(m)]));
  const securityOpt = [
    ...(s.seccomp === 'unconfined' ? ['seccomp=unconfined'] : s.seccomp !== undefined ? [`seccomp=${s.seccomp.file}`] : []),
    ...(s.noNewPrivileges === true ? ['no-new-privileges'] : []),
  ];
  return {
    Runtime: o.runtime,
    AutoRemove: o.autoRemove,
    NetworkMode: cfg.network,
    PortBindings: portBindings(cfg.publish ?? []),
    Binds: orNull(binds),
    Tmpfs: Object.fromEntries(mounts.flatMap((m) => (m.type === 'tmpfs' ? [[m.destination, m.options.join(',')]] : []))),
    ReadonlyRootfs: cfg.readOnly === true,
    Memory: r.memory ?? 0,
    MemorySwap: r.memorySwap ?? 0,
    // docker: --cpus is NanoCpus, and CpuQuota/CpuPeriod stay 0 (they are --cpu-quota/--cpu-period).
    NanoCpus: r.cpuQuota !== undefined ? Math.round((r.cpuQuota / (r.cpuPeriod ?? 100_000)) * 1e9) : 0,
    CpuShares: r.cpuShares ?? 0,
    CpuQuota: 0,
    CpuPeriod: 0,
    PidsLimit: r.pidsLimit ?? DEFAULT_PIDS_LIMIT,
    Ulimits: (r.ulimits ?? []).map((u) => ({ Name: u.type.replace(/^RLIMIT_/, '').toLowerCase(), Soft: u.soft, Hard: u.hard })), // -1: unlimited, as docker shows it
    ShmSize: r.shmSize ?? DEFAULT_SHM_SIZE,
    OomKillDisable: r.oomKillDisable === true,
    Privileged: s.privileged === true,
    CapAdd: orNull(s.capAdd),
    CapDrop: orNull(s.capDrop),
    SecurityOpt: orNull(securityOpt),
    Devices: (s.devices ?? []).map((d) => ({ PathOnHost: d.hostPath, PathInContainer: d.containerPath, CgroupPermissions: d.permissions })),
    Dns: [...(cfg.dns ?? [])],
    DnsSearch: [...(cfg.dnsSearch ?? [])],
    DnsOptions: [...(cfg.dnsOption ?? [])],
    ExtraHosts: orNull((cfg.addHost ?? []).map((h) => `${h.host}:${h.ip}`)),
    GroupAdd: orNull(cfg.groupAdd),
    Init: cfg.init === true,
  };
}
