/**
 * `--init`: a small init (catatonit, podman's; else tini) runs as the container's PID 1, reaps zombies and
 * forwards signals. Like podman, it is bind-mounted read-only at /run/podman-init and put before the
 * process's argv with `--`.
 */
import { accessSync, constants } from 'node:fs';
import { EngineError } from '../errors.ts';
import type { OciSpec } from './oci-spec.ts';

export const INIT_DESTINATION = '/run/podman-init';

/** podman's init_path default first, then where Debian's catatonit and tini packages put them. */
const CANDIDATES: readonly string[] = [
  '/usr/libexec/podman/catatonit', '/usr/bin/catatonit', '/usr/local/bin/catatonit',
  '/usr/bin/tini-static', '/usr/bin/tini', '/usr/local/bin/tini',
];

/** The init binary to use: `given` (--init-path) or the first installed candidate. */
export function findInit(given?: string): string {
  for (const p of given !== undefined ? [given] : CANDIDATES) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not there or not executable: try the next
    }
  }
  if (given !== undefined) throw new EngineError('INVALID_ARGUMENT', `container-init binary not found on the host: ${given}: no such file or directory`);
  throw new EngineError('INVALID_ARGUMENT', 'container-init binary not found on the host: install catatonit or tini (looked in /usr/libexec/podman, /usr/bin, /usr/local/bin)');
}

/** Puts the init in front of the process (in place). */
export function applyInit(spec: OciSpec, initPath: string): void {
  spec.mounts.push({ destination: INIT_DESTINATION, type: 'bind', source: initPath, options: ['bind', 'ro', 'rprivate'] });
  spec.process.args = [INIT_DESTINATION, '--', ...spec.process.args];
}
