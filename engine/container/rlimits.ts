/**
 * Default rlimits of a container: podman's, clamped to what this process may set.
 *
 * podman 4.3 (pkg/specgen/generate/oci.go addRlimits, containers/common pkg/config/default_linux.go) asks
 * for RLIMIT_NOFILE 1048576 and RLIMIT_NPROC = kernel.pid_max (1048576 when it cannot be read). The runtime
 * applies them with setrlimit(2) as the invoking user; raising a hard limit needs CAP_SYS_RESOURCE, so a
 * value above our current hard limit fails the whole start with EPERM (seen here: nofile hard 20000, and
 * podman 4.3.1 itself fails `init` with "setrlimit RLIMIT_NOFILE: Operation not permitted"). So each default
 * is clamped to the current hard limit, never raised above it.
 */
import { readFileSync } from 'node:fs';
import { isErrno } from '../../storage/errors.ts';
import type { OciRlimit } from './oci-spec.ts';

export interface Limit {
  /** Infinity for "unlimited". */
  soft: number;
  hard: number;
}

export interface HostLimits {
  nofile: Limit;
  nproc: Limit;
  /** kernel.pid_max, when known: podman's NPROC target. */
  pidMax?: number;
}

/** podman's define.RLimitDefaultValue (2^20); also its NPROC fallback when pid_max is unknown. */
export const RLIMIT_DEFAULT = 1048576;

function parseValue(s: string, what: string): number {
  if (s === 'unlimited') return Infinity;
  if (!/^\d+$/.test(s)) throw new Error(`/proc/self/limits: ${what}: unexpected value ${JSON.stringify(s)}`);
  // 2^64-1 (RLIM_INFINITY written as a number) does not fit a double exactly; it means unlimited anyway.
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : Infinity;
}

function parseLimit(text: string, label: string): Limit {
  // Columns: "Max open files            20000                20000                files"
  const line = text.split('\n').find((l) => l.startsWith(label));
  if (line === undefined) throw new Error(`/proc/self/limits: no "${label}" line`);
  const [soft, hard] = line.slice(label.length).trim().split(/\s+/);
  if (soft === undefined || hard === undefined) throw new Error(`/proc/self/limits: malformed "${label}" line`);
  return { soft: parseValue(soft, label), hard: parseValue(hard, label) };
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined; // no procfs entry (not Linux, or a locked-down /proc)
    throw e;
  }
}

/**
 * Parses /proc/self/limits (read from the file only when no text is given) and kernel.pid_max (read from
 * /proc/sys/kernel/pid_max only when no limits text is given either; otherwise from `pidMaxText`, if any).
 */
export function readHostLimits(procLimitsText?: string, pidMaxText?: string): HostLimits {
  const fromProc = procLimitsText === undefined;
  const text = procLimitsText ?? readFileSync('/proc/self/limits', 'utf8');
  const pidText = fromProc ? readOptional('/proc/sys/kernel/pid_max') : pidMaxText;
  const limits: HostLimits = {
    nofile: parseLimit(text, 'Max open files'),
    nproc: parseLimit(text, 'Max processes'),
  };
  const pidMax = pidText === undefined ? undefined : Number(pidText.trim());
  if (pidMax !== undefined && Number.isSafeInteger(pidMax) && pidMax > 0) limits.pidMax = pidMax;
  return limits;
}

function clamped(type: string, wanted: number, host: Limit): OciRlimit {
  const value = Math.min(wanted, host.hard);
  return { type, soft: value, hard: value };
}

/** RLIMIT_NOFILE and RLIMIT_NPROC as podman sets them, each at most the current hard limit (soft = hard). */
export function defaultRlimits(host: HostLimits): OciRlimit[] {
  return [
    clamped('RLIMIT_NOFILE', RLIMIT_DEFAULT, host.nofile),
    clamped('RLIMIT_NPROC', host.pidMax ?? RLIMIT_DEFAULT, host.nproc),
  ];
}
