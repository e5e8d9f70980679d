/**
 * How a container ended, from the monitor's exit record: the container's own code (128+N by signal N),
 * or, when the runtime failed to run it, podman's code for that failure (127/126/125).
 */
import { readFileSync } from 'node:fs';
import { decodeExitRecord, type ExitRecord } from '../../monitor/protocol.ts';
import { isErrno } from '../../storage/errors.ts';
import { classifyRuntimeError, exitCodeFor } from '../runtime/classify.ts';
import type { RuntimeProfile } from '../runtime/profiles.ts';

export interface ExitStatus {
  readonly exitCode: number;
  readonly finishedAt: Date;
  /** The runtime's own error, when it could not run the container's command. */
  readonly error?: string;
  readonly oomKilled: boolean;
}

export function readExitRecord(path: string): ExitRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined; // not exited (yet)
    throw e;
  }
  return decodeExitRecord(text);
}

/** `runtime` names the runtime in the error, as podman does (`crun: executable file … not found`). */
export function exitStatusOf(r: ExitRecord, kind: RuntimeProfile['kind'], runtime: string): ExitStatus {
  const finishedAt = new Date(r.finishedAt);
  if (r.runtimeError !== undefined) {
    const error = `${runtime}: ${r.runtimeError}`;
    return { exitCode: exitCodeFor(classifyRuntimeError(kind, r.runtimeError)), finishedAt, error, oomKilled: r.oomKilled === true };
  }
  return { exitCode: r.exitCode, finishedAt, oomKilled: r.oomKilled === true };
}
