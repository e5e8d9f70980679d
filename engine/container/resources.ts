/**
 * Resource flags (run/create --memory, --memory-swap, --cpus, --cpu-shares, --pids-limit, --ulimit,
 * --shm-size, --oom-kill-disable): validated at create, stored with the container, applied to config.json.
 *
 * Sizes use docker's syntax (go-units RAMInBytes): a number with an optional k/m/g/t/p suffix (binary
 * multiples; `b`, `i` and `B` accepted, `512m`, `1g`, `1.5GiB`) or plain bytes. `--ulimit` never asks for more
 * than the engine's own hard limit: raising one needs CAP_SYS_RESOURCE, which this host does not give even
 * to root (DESIGN.md §4), and the runtime would fail the whole start with EPERM.
 */
import { EngineError } from '../errors.ts';
import type { OciMount, OciResources, OciRlimit, OciSpec } from './oci-spec.ts';

/** What the user asked for, resolved; stored in StoredConfig.resources. Absent fields: the defaults. */
export interface ResourceSettings {
  /** Bytes. */
  readonly memory?: number;
  /** memory+swap in bytes; -1 unlimited. */
  readonly memorySwap?: number;
  /** --cpus × period. */
  readonly cpuQuota?: number;
  readonly cpuPeriod?: number;
  readonly cpuShares?: number;
  /** 0: no limit. Absent: podman's default (2048). */
  readonly pidsLimit?: number;
  readonly ulimits?: readonly OciRlimit[];
  /** /dev/shm size in bytes. */
  readonly shmSize?: number;
  readonly oomKillDisable?: boolean;
}

/** The options CreateOptions carries for these flags (docker's names; sizes as strings or bytes). */
export interface ResourceOptions {
  readonly memory?: string | number | undefined;
  readonly memorySwap?: string | number | undefined;
  readonly cpus?: number | string | undefined;
  readonly cpuShares?: number | undefined;
  readonly pidsLimit?: number | undefined;
  /** `TYPE=SOFT[:HARD]` (docker/podman --ulimit); -1 or `unlimited` for no limit; `host`: every limit as the engine's. */
  readonly ulimits?: readonly string[] | undefined;
  readonly shmSize?: string | number | undefined;
  readonly oomKillDisable?: boolean | undefined;
}

/** docker's and podman's minimum for --memory (linuxMinMemory). */
export const MIN_MEMORY = 6 * 1024 * 1024;
/** Default CFS period for --cpus (docker, podman). */
export const CPU_PERIOD = 100_000;

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** `512m` → 536870912; a number is taken as bytes. Throws INVALID_ARGUMENT naming the flag. */
export function parseSize(v: string | number, flag: string): number {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new EngineError('INVALID_ARGUMENT', `invalid ${flag} ${v}: expected a non-negative number of bytes`);
    return v;
  }
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp]?)(?:i?b)?$/i.exec(v.trim());
  if (!m) throw new EngineError('INVALID_ARGUMENT', `invalid ${flag} "${v}": expected a size such as 512m, 1g or a number of bytes`);
  return Math.floor(Number(m[1]) * (UNITS[m[2]!.toLowerCase()] ?? 1));
}

/** Labels of /proc/self/limits, by --ulimit name (podman/docker names; RLIMIT_ + upper case in config.json). */
const LIMIT_LABELS: Readonly<Record<string, string>> = {
  cpu: 'Max cpu time', fsize: 'Max file size', data: 'Max data size', stack: 'Max stack size', core: 'Max core file size',
  rss: 'Max resident set', nproc: 'Max processes', nofile: 'Max open files', memlock: 'Max locked memory', as: 'Max address space',
  locks: 'Max file locks', sigpending: 'Max pending signals', msgqueue: 'Max msgqueue size', nice: 'Max nice priority',
  rtprio: 'Max realtime priority', rttime: 'Max realtime timeout',
};

/** A limit: a number, or Infinity for `-1`/`unlimited` (RLIM_INFINITY, stored as -1). */
function limitValue(s: string, item: string): number {
  if (s === '-1' || s === 'unlimited') return Infinity;
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new EngineError('INVALID_ARGUMENT', `invalid --ulimit "${item}": "${s}" is not a number`);
  return Number(s);
}

/** The engine's own soft and hard limit for `type` (from /proc/self/limits text), Infinity for unlimited; undefined when unknown. */
function hostLimit(procLimits: string, type: string): { soft: number; hard: number } | undefined {
  const label = LIMIT_LABELS[type]!;
  const line = procLimits.split('\n').find((l) => l.startsWith(label));
  const fields = line?.slice(label.length).trim().split(/\s+/);
  if (fields === undefined || fields.length < 2) return undefined;
  const value = (v: string) => (v === 'unlimited' ? Infinity : Number.isSafeInteger(Number(v)) ? Number(v) : undefined);
  const soft = value(fields[0]!);
  const hard = value(fields[1]!);
  return soft === undefined || hard === undefined ? undefined : { soft, hard };
}

/** `--ulimit host` (podman): every limit as the engine has it now. */
export function hostUlimits(procLimits: string): OciRlimit[] {
  const out: OciRlimit[] = [];
  for (const type of Object.keys(LIMIT_LABELS)) {
    const l = hostLimit(procLimits, type);
    if (l) out.push(stored({ type: `RLIMIT_${type.toUpperCase()}`, soft: l.soft, hard: l.hard }));
  }
  return out;
}

/** `nofile=1024:2048` → RLIMIT_NOFILE; checks hard ≥ soft and hard ≤ the engine's own hard limit. */
export function parseUlimit(item: string, procLimits: string): OciRlimit {
  const m = /^([a-z]+)=([^:]+)(?::([^:]+))?$/.exec(item);
  if (!m) throw new EngineError('INVALID_ARGUMENT', `invalid --ulimit "${item}": expected TYPE=SOFT[:HARD], e.g. nofile=1024:2048`);
  const type = m[1]!;
  if (LIMIT_LABELS[type] === undefined) {
    throw new EngineError('INVALID_ARGUMENT', `invalid --ulimit "${item}": unknown type "${type}" (one of ${Object.keys(LIMIT_LABELS).join(', ')})`);
  }
  const soft = limitValue(m[2]!, item);
  const hard = m[3] === undefined ? soft : limitValue(m[3], item);
  if (soft > hard) throw new EngineError('INVALID_ARGUMENT', `invalid --ulimit "${item}": soft limit ${m[2]} is above the hard limit ${m[3] ?? m[2]}`);
  const max = hostLimit(procLimits, type)?.hard ?? Infinity;
  if (hard > max) {
    throw new EngineError('INVALID_ARGUMENT', `--ulimit ${item}: the hard limit is above the current hard limit ${max} for ${type}, and raising it needs CAP_SYS_RESOURCE`, {
      hint: `ask for at most ${type}=${Math.min(soft, max)}:${max}`,
    });
  }
  return stored({ type: `RLIMIT_${type.toUpperCase()}`, soft, hard });
}

/** Unlimited (Infinity) is stored as -1: the config is JSON (runtime-spec.ts specJson writes RLIM_INFINITY). */
function stored(r: OciRlimit): OciRlimit {
  return { type: r.type, soft: r.soft === Infinity ? -1 : r.soft, hard: r.hard === Infinity ? -1 : r.hard };
}

function positiveInt(v: unknown, flag: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new EngineError('INVALID_ARGUMENT', `invalid ${flag} ${JSON.stringify(v)}: expected a non-negative integer`);
  return v;
}

/** Validates the resource options; `procLimits` is /proc/self/limits' text (for --ulimit). Pure. */
export function resolveResources(o: ResourceOptions, procLimits: string): ResourceSettings | undefined {
  const out: { -readonly [K in keyof ResourceSettings]: ResourceSettings[K] } = {};
  if (o.memory !== undefined) {
    out.memory = parseSize(o.memory, '--memory');
    if (out.memory > 0 && out.memory < MIN_MEMORY) throw new EngineError('INVALID_ARGUMENT', `invalid --memory ${o.memory}: the minimum memory limit is 6MB`);
    if (out.memory === 0) delete out.memory;
  }
  if (o.memorySwap !== undefined) {
    const swap = o.memorySwap === -1 || o.memorySwap === '-1' ? -1 : parseSize(o.memorySwap, '--memory-swap');
    if (out.memory === undefined) throw new EngineError('INVALID_ARGUMENT', '--memory-swap needs --memory: the swap limit is memory plus swap');
    if (swap !== -1 && swap < out.memory) throw new EngineError('INVALID_ARGUMENT', `invalid --memory-swap ${o.memorySwap}: it is memory plus swap, so it must be at least --memory (${o.memory}), or -1 for unlimited swap`);
    out.memorySwap = swap;
  }
  if (o.cpus !== undefined) {
    const cpus = Number(o.cpus);
    if (!Number.isFinite(cpus) || cpus < 0) throw new EngineError('INVALID_ARGUMENT', `invalid --cpus ${JSON.stringify(o.cpus)}: expected a non-negative number such as 1.5`);
    if (cpus > 0) {
      out.cpuPeriod = CPU_PERIOD;
      out.cpuQuota = Math.round(cpus * CPU_PERIOD);
      if (out.cpuQuota < 1000) throw new EngineError('INVALID_ARGUMENT', `invalid --cpus ${o.cpus}: the minimum is 0.01`);
    }
  }
  if (o.cpuShares !== undefined && positiveInt(o.cpuShares, '--cpu-shares') > 0) out.cpuShares = o.cpuShares;
  if (o.pidsLimit !== undefined) {
    if (typeof o.pidsLimit !== 'number' || !Number.isSafeInteger(o.pidsLimit) || o.pidsLimit < -1) {
      throw new EngineError('INVALID_ARGUMENT', `invalid --pids-limit ${JSON.stringify(o.pidsLimit)}: expected a number, or 0 or -1 for no limit`);
    }
    out.pidsLimit = Math.max(o.pidsLimit, 0);
  }
  if (o.ulimits !== undefined && o.ulimits.length > 0) {
    const byType = new Map<string, OciRlimit>();
    for (const u of o.ulimits) {
      for (const r of u === 'host' ? hostUlimits(procLimits) : [parseUlimit(u, procLimits)]) byType.set(r.type, r);
    }
    out.ulimits = [...byType.values()];
  }
  if (o.shmSize !== undefined) {
    out.shmSize = parseSize(o.shmSize, '--shm-size');
    if (out.shmSize === 0) throw new EngineError('INVALID_ARGUMENT', 'invalid --shm-size 0: give a size such as 64m');
  }
  if (o.oomKillDisable === true) out.oomKillDisable = true;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** podman's text for that warning, word for word. */
export const ROOTLESS_V1_LIMITS_WARNING = 'Resource limits are not supported and ignored on cgroups V1 rootless systems';

/** linux.resources entries for the settings (merged into the spec's own by the caller). */
export function ociResources(r: ResourceSettings): OciResources {
  const memory: NonNullable<OciResources['memory']> = {};
  if (r.memory !== undefined) memory.limit = r.memory;
  if (r.memorySwap !== undefined) memory.swap = r.memorySwap;
  if (r.oomKillDisable === true) memory.disableOOMKiller = true;
  const cpu: NonNullable<OciResources['cpu']> = {};
  if (r.cpuShares !== undefined) cpu.shares = r.cpuShares;
  if (r.cpuQuota !== undefined) Object.assign(cpu, { quota: r.cpuQuota, period: r.cpuPeriod ?? CPU_PERIOD });
  return {
    ...(Object.keys(memory).length > 0 ? { memory } : {}),
    ...(Object.keys(cpu).length > 0 ? { cpu } : {}),
  };
}

/** The /dev/shm mount with --shm-size (its size=… option replaced); other mounts unchanged. */
export function withShmSize(mounts: readonly OciMount[], bytes: number): OciMount[] {
  return mounts.map((m) =>
    m.destination === '/dev/shm' && m.type === 'tmpfs'
      ? { ...m, options: [...m.options.filter((o) => !o.startsWith('size=')), `size=${Math.ceil(bytes / 1024)}k`] }
      : m,
  );
}

/** linux.resources, rlimits and /dev/shm of `spec` (as built by buildRuntimeSpec) with the settings. */
export function applyResources(spec: OciSpec, r: ResourceSettings | undefined): void {
  if (r === undefined) return;
  spec.linux.resources = { ...spec.linux.resources, ...ociResources(r) };
  if (r.ulimits !== undefined) {
    const types = new Set(r.ulimits.map((u) => u.type));
    spec.process.rlimits = [...spec.process.rlimits.filter((u) => !types.has(u.type)), ...r.ulimits.map((u) => ({ ...u }))];
  }
  if (r.shmSize !== undefined) spec.mounts = withShmSize(spec.mounts, r.shmSize);
}

/**
 * Rootless on cgroup v1 no cgroup can be made (DESIGN.md §6): podman 4.3.1 warns (ROOTLESS_V1_LIMITS_WARNING,
 * checked here with --memory) and runs the container without them. What is left needs no cgroup.
 */
export function withoutCgroupLimits(r: ResourceSettings | undefined): ResourceSettings | undefined {
  if (r === undefined) return undefined;
  const out = { ...(r.ulimits !== undefined ? { ulimits: r.ulimits } : {}), ...(r.shmSize !== undefined ? { shmSize: r.shmSize } : {}) };
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The warning for create options given to a rootless engine, if any of them needs a cgroup. */
export function rootlessLimitWarnings(o: ResourceOptions): string[] {
  const asked = [o.memory, o.memorySwap, o.cpus, o.cpuShares, o.pidsLimit, o.oomKillDisable === true ? true : undefined];
  return asked.some((v) => v !== undefined) ? [ROOTLESS_V1_LIMITS_WARNING] : [];
}
