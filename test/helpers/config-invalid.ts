// The message of the CONFIG_INVALID error `f` throws; any other outcome fails the test.
import { isEngineError } from '../../engine/errors.ts';

export function configInvalidMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isEngineError(e) && e.code === 'CONFIG_INVALID') return e.message;
    throw e;
  }
  throw new Error('expected CONFIG_INVALID');
}
