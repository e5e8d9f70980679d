/**
 * Exit codes are a CLI concept: the one place that maps error codes to them (podman's constants,
 * libpod/define/exec_codes.go). A container's own exit status is passed through by the verbs that run one.
 */
import { isEngineError } from '../engine/index.ts';

export const EXIT_ENGINE = 125;
export const EXIT_CANNOT_INVOKE = 126;
export const EXIT_NOT_FOUND = 127;

export function exitCodeFor(e: unknown): number {
  if (!isEngineError(e)) return EXIT_ENGINE;
  switch (e.code as string) {
    case 'CANNOT_INVOKE':
      return EXIT_CANNOT_INVOKE;
    case 'COMMAND_NOT_FOUND':
      return EXIT_NOT_FOUND;
    default:
      return EXIT_ENGINE;
  }
}

/**
 * rm/rmi: 0 all removed; 1 one did not exist (and nothing worse); 2 one was in use; 125 anything else
 * (podman-rm.1, podman-rmi.1).
 */
export function removalExitCode(errors: readonly unknown[]): number {
  let code = 0;
  for (const e of errors) {
    const c = isEngineError(e) ? (e.code as string) : '';
    const n = c === 'IMAGE_NOT_FOUND' || c === 'CONTAINER_NOT_FOUND' || c === 'VOLUME_NOT_FOUND' ? 1 : c === 'IMAGE_IN_USE' || c === 'CONTAINER_IN_USE' || c === 'VOLUME_IN_USE' ? 2 : EXIT_ENGINE;
    code = rank(n) > rank(code) ? n : code;
  }
  return code;
}

function rank(code: number): number {
  return code === EXIT_ENGINE ? 3 : code;
}
