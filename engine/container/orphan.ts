/**
 * A running container whose monitor is gone (SIGKILLed, OOM-killed, a machine-wide kill of a session's
 * processes): nobody will write its exit file, so `wait`, `stop` and `rm -f` would wait for it forever.
 * The monitor writes the exit file before it exits, so a running row with no exit file and no monitor is
 * such an orphan; once its process is gone too, it has exited with an exit code nobody recorded.
 */
import { readFileSync } from 'node:fs';
import { isErrno } from '../../storage/errors.ts';
import { monitorTitle } from '../../monitor/protocol.ts';

/** Docker's code for a container whose shim died (podman records -1, which no shell can show). */
export const ORPHAN_EXIT_CODE = 255;

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ESRCH')) return undefined;
    throw e;
  }
}

/** Whether `pid` is no longer this container's monitor (gone, or the pid reused by another program). */
export function monitorGone(monitorPid: number | undefined, containerId: string): boolean {
  if (monitorPid === undefined) return false; // started by a version that did not record it: cannot tell
  const cmdline = readProc(`/proc/${monitorPid}/cmdline`);
  return cmdline === undefined || cmdline.split('\0')[0] !== monitorTitle(containerId);
}

/**
 * Whether the container's process (`pid`, started at `startedAt`) is gone: no such process, a zombie, or a
 * process that started more than a few seconds away from the container's start (the pid was reused).
 */
export function processGone(pid: number | undefined, startedAt: Date | undefined): boolean {
  if (pid === undefined) return true;
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return true;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // comm may hold spaces: split after it
  if (fields[0] === 'Z' || fields[0] === 'X') return true;
  if (startedAt === undefined) return false;
  const btime = /^btime (\d+)$/m.exec(readProc('/proc/stat') ?? '')?.[1];
  if (btime === undefined) return false;
  const startMs = (Number(btime) + Number(fields[19]) / 100) * 1000; // field 22: clock ticks (USER_HZ 100) since boot
  return Math.abs(startMs - startedAt.getTime()) > 5000;
}
