import { kEngineError, StorageError, type StorageErrorCode } from '../storage/errors.ts';

/**
 * Stable codes that callers test (never the message). The CLI maps them to exit codes in one place
 * (cmd/exit-codes.ts); a container's own non-zero exit is a result, not an error.
 */
export type EngineErrorCode =
  | StorageErrorCode
  | 'INVALID_ARGUMENT'
  | 'INVALID_REFERENCE'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_IN_USE'
  | 'MANIFEST_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNSUPPORTED'
  | 'PLATFORM_NOT_FOUND'
  | 'REGISTRY_AUTH'
  | 'REGISTRY_HTTP'
  | 'REGISTRY_UNREACHABLE'
  | 'CONFIG_INVALID'
  | 'ABORTED';

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  readonly hint: string | undefined;
  constructor(code: EngineErrorCode, message: string, opts?: { cause?: unknown; hint?: string }) {
    super(message, opts?.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts?.hint;
  }
  get [kEngineError](): true {
    return true;
  }
}

/** True for EngineError and StorageError alike (same brand), also across module copies. */
export function isEngineError(e: unknown): e is EngineError | StorageError {
  return typeof e === 'object' && e !== null && kEngineError in e;
}

export { StorageError };
