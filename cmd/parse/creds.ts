import type { Credentials } from '../../engine/index.ts';
import { EngineError } from '../../engine/index.ts';

/** `--creds USER[:PASSWORD]`. A missing password is an error here: we never prompt without a TTY. */
export function parseCreds(text: string): Credentials {
  const i = text.indexOf(':');
  if (i <= 0 || i === text.length - 1) {
    throw new EngineError('INVALID_ARGUMENT', '--creds: expected USERNAME:PASSWORD');
  }
  return { username: text.slice(0, i), password: text.slice(i + 1) };
}
