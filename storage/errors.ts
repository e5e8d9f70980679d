/**
 * Errors raised by storage/. storage/ cannot import engine/, so it has its own class; it carries the same
 * cross-realm brand as EngineError, so callers test `isEngineError(e)` and switch on `e.code` for both.
 */
export type StorageErrorCode =
  | 'DIGEST_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'LAYER_INVALID'
  | 'STORE_CORRUPT'
  | 'NOT_FOUND'
  | 'IN_USE';

export const kEngineError = Symbol.for('tsengine.error');

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly hint: string | undefined;
  constructor(code: StorageErrorCode, message: string, opts?: { cause?: unknown; hint?: string }) {
    super(message, opts?.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts?.hint;
  }
  get [kEngineError](): true {
    return true;
  }
}

/** Node's errno exceptions, narrowed: catch only named codes (`ENOENT` on cleanup), never everything. */
export function isErrno(e: unknown, code?: string): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' &&
    (code === undefined || (e as NodeJS.ErrnoException).code === code);
}
