import { CodedError, kEngineError, StorageError, type StorageErrorCode } from '../storage/errors.ts';

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
  | 'ABORTED'
  | 'RUNTIME_NOT_FOUND'
  | 'RUNTIME_FAILED'
  | 'CANNOT_INVOKE'
  | 'COMMAND_NOT_FOUND'
  | 'CONTAINER_NOT_FOUND'
  | 'CONTAINER_IN_USE'
  | 'CONTAINER_NOT_RUNNING'
  | 'VOLUME_NOT_FOUND'
  | 'VOLUME_IN_USE'
  /** A call on an engine after close() (or after its `await using` scope ended). */
  | 'ENGINE_CLOSED'
  /** Rootless: the user has no subordinate ID range (/etc/subuid, /etc/subgid). */
  | 'USERNS_NO_SUBIDS'
  /** Rootless: an image file needs a UID/GID the user's ranges do not map. */
  | 'USERNS_ID_UNMAPPED'
  /** Rootless: Engine.open outside the user namespace (see prepareUserNamespace). */
  | 'USERNS_REQUIRED'
  /** Rootless: a feature that needs privileges this host does not give an unprivileged user. */
  | 'ROOTLESS_UNSUPPORTED'
  /** A network mode whose helper is missing or cannot work here (slirp4netns absent, /dev/net/tun closed to the user). */
  | 'NETWORK_UNAVAILABLE';

export class EngineError extends CodedError<EngineErrorCode> {}

/** True for EngineError and StorageError alike (same brand), also across module copies. */
export function isEngineError(e: unknown): e is EngineError | StorageError {
  return typeof e === 'object' && e !== null && kEngineError in e;
}

export { CodedError, StorageError };
