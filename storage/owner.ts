/**
 * Who is doing a piece of unfinished work (a pending layer), so that a sweep can tell work in progress
 * from work abandoned by a killed process. A pid alone can be reused; pid plus the process's start time
 * (field 22 of /proc/PID/stat, in clock ticks since boot) cannot, in practice.
 */
import { readFileSync } from 'node:fs';
import { startupSnapshot } from 'node:v8';
import { isErrno } from './errors.ts';

function startTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ESRCH')) return undefined; // the process is gone
    throw e;
  }
  // comm (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19]; // field 22 overall; rest[0] is field 3
}

let self: string | undefined;
// The CLI's start-up snapshot must not carry the building process's token into every later call.
if (startupSnapshot.isBuildingSnapshot()) startupSnapshot.addSerializeCallback(() => (self = undefined));

/** This process's owner token, `pid:starttime`. */
export function selfOwner(): string {
  self ??= `${process.pid}:${startTime(process.pid) ?? '0'}`;
  return self;
}

/** Whether the process behind an owner token still runs. A token of another PID namespace looks dead. */
export function isOwnerAlive(owner: string): boolean {
  const [pid, start] = owner.split(':');
  const n = Number(pid);
  if (!Number.isSafeInteger(n) || n <= 0) return false;
  return startTime(n) === start;
}
