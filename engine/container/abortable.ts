/** Waiting that an AbortSignal can end without ending what is awaited (a container, a monitor). */
import { setTimeout as sleep } from 'node:timers/promises';
/** `promise`, or the signal's reason once it aborts (what was awaited goes on). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A pause that an AbortSignal ends early with the signal's reason (the CLI's `interrupted (SIGINT)`), where
 * node's timers/promises would reject with a generic AbortError ("The operation was aborted").
 */
export async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw e;
  }
}
