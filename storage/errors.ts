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
  | 'IN_USE'
  | 'NAME_IN_USE'
  | 'BAD_STATE'
  /** Unpacking in a user namespace: a file's owner is an ID the namespace does not map. */
  | 'ID_UNMAPPED'
  /** No overlay can be mounted: native overlay refused and fuse-overlayfs missing or unusable (/dev/fuse closed). */
  | 'OVERLAY_UNAVAILABLE';

export const kEngineError = Symbol.for('tsengine.error');

/**
 * The base of every error tsengine throws on purpose: a stable `code` to test, a one-line message, an
 * optional `hint`, and a cross-realm brand so `isEngineError` recognises it across module copies.
 */
export class CodedError<C extends string> extends Error {
  readonly code: C;
  readonly hint: string | undefined;
  constructor(code: C, message: string, opts?: { cause?: unknown; hint?: string }) {
    super(message, opts?.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts?.hint;
  }
  get [kEngineError](): true {
    return true;
  }
}

export class StorageError extends CodedError<StorageErrorCode> {}

/** Node's errno exceptions, narrowed: catch only named codes (`ENOENT` on cleanup), never everything. */
export function isErrno(e: unknown, code?: string): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' &&
    (code === undefined || (e as NodeJS.ErrnoException).code === code);
}
