/**
 * Detach keys (docker's and podman's `--detach-keys`, default `ctrl-p,ctrl-q`): a comma-separated key
 * sequence; each key is one character or `ctrl-X` with X one of a-z @ [ \ ] ^ _ (docker's term.ToBytes).
 * `""` disables detaching.
 *
 * DetachKeyFilter watches the input bytes: the sequence detaches (its bytes are not sent); a partial
 * match is held back until the next byte decides. Unlike docker, a held prefix is not held forever: a
 * lone ctrl-p (shell history) is sent on the next key, or after DETACH_HOLD_MS without one
 * (ECOSYSTEM.md §6.3, podman issues #4208, #16345).
 */
import { UsageError } from '../command.ts';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';
/** How long a partial sequence is held back before it is sent after all. */
export const DETACH_HOLD_MS = 500;

const CTRL_SPECIAL: Readonly<Record<string, number>> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 };

export function parseDetachKeys(spec: string, verb: string): Uint8Array {
  if (spec === '') return new Uint8Array(0);
  const bytes: number[] = [];
  for (const key of spec.split(',')) {
    const ctrl = /^ctrl-(.)$/i.exec(key);
    if (ctrl) {
      const c = ctrl[1]!;
      const lower = c.toLowerCase();
      if (lower >= 'a' && lower <= 'z') bytes.push(lower.charCodeAt(0) - 96);
      else if (CTRL_SPECIAL[c] !== undefined) bytes.push(CTRL_SPECIAL[c]);
      else throw new UsageError(`invalid detach keys: ${spec}: unknown key ctrl-${c}`, verb);
    } else if (key.length === 1 && key.charCodeAt(0) < 128) {
      bytes.push(key.charCodeAt(0));
    } else {
      throw new UsageError(`invalid detach keys: ${spec}: expected a character or ctrl-<value>, got "${key}"`, verb);
    }
  }
  return Uint8Array.from(bytes);
}

/**
 * The detach keys of an attaching verb: `--detach-keys` when given, else containers.conf's
 * `[engine] detach_keys` (`configured` is asked only then; the engine checked its syntax), else
 * ctrl-p,ctrl-q.
 */
export async function detachKeysFor(flag: unknown, configured: () => Promise<{ readonly keys: string } | undefined>, verb: string): Promise<Uint8Array> {
  if (typeof flag === 'string') return parseDetachKeys(flag, verb);
  return parseDetachKeys((await configured())?.keys ?? DEFAULT_DETACH_KEYS, verb);
}

export interface Filtered {
  /** Bytes to send on. */
  readonly forward: Buffer;
  /** The whole sequence came: detach (bytes after it in the chunk are dropped, as docker does). */
  readonly detach: boolean;
}

export class DetachKeyFilter {
  readonly #keys: Uint8Array;
  #matched = 0;

  constructor(keys: Uint8Array) {
    this.#keys = keys;
  }

  /** A partial sequence is held back: call flush() if no byte comes for a while. */
  get holding(): boolean {
    return this.#matched > 0;
  }

  push(chunk: Uint8Array): Filtered {
    if (this.#keys.length === 0) return { forward: Buffer.from(chunk), detach: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.#keys[this.#matched]) {
        if (++this.#matched === this.#keys.length) {
          this.#matched = 0;
          return { forward: Buffer.from(out), detach: true };
        }
        continue;
      }
      // Not the next key: what was held goes out, and this byte may start a new sequence.
      for (let i = 0; i < this.#matched; i++) out.push(this.#keys[i]!);
      this.#matched = 0;
      if (b === this.#keys[0]) {
        if (this.#keys.length === 1) return { forward: Buffer.from(out), detach: true };
        this.#matched = 1;
      } else {
        out.push(b);
      }
    }
    return { forward: Buffer.from(out), detach: false };
  }

  /** The held bytes, released (the hold timed out). */
  flush(): Buffer {
    const held = Buffer.from(this.#keys.subarray(0, this.#matched));
    this.#matched = 0;
    return held;
  }
}
