/**
 * One HTTP exchange with a registry or its token service, over undici. Picks the dispatcher (verified TLS,
 * or unverified for insecure hosts), turns network failures into REGISTRY_UNREACHABLE, and rejects with the
 * caller's `signal.reason` on abort. Also: bounded body reads and the registry error-body decoding.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, request } from 'undici';
import { EngineError, type EngineErrorCode } from '../errors.ts';
import { redact } from './redact.ts';

export type Response = Dispatcher.ResponseData;

export interface Transport {
  /** Plain HTTP and verified HTTPS. */
  readonly dispatcher: Dispatcher;
  /** HTTPS without certificate verification, for insecure hosts. */
  readonly insecureDispatcher: Dispatcher;
  readonly userAgent: string;
  /** `host[:port]` → may skip TLS verification. */
  isInsecure(hostPort: string): boolean;
  /** Values to scrub from messages (tokens, passwords); filled as they are learnt. */
  readonly secrets: Set<string>;
}

let sharedAgents: { verified: Agent; unverified: Agent } | undefined;

/**
 * A fresh pair of connection pools (verifying and not), owned and closed by the caller. `caFile`: a PEM
 * bundle trusted on top of node's roots (RegistryOptions.caFile).
 */
export function createDispatchers(caFile?: string): { verified: Agent; unverified: Agent } {
  const verified = caFile === undefined ? new Agent() : new Agent({ connect: { ca: [...rootCertificates, readCaFile(caFile)] } });
  return { verified, unverified: new Agent({ connect: { rejectUnauthorized: false } }) };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new EngineError('INVALID_ARGUMENT', `reading extra CA certificates (NODE_EXTRA_CA_CERTS): ${(e as Error).message}`, { cause: e });
  }
}

/** The process-wide default Agents (one pool per origin, shared by every client that was not given one). */
export function defaultDispatchers(): { verified: Dispatcher; unverified: Dispatcher } {
  sharedAgents ??= createDispatchers();
  return sharedAgents;
}

export interface SendOptions {
  readonly method?: 'GET' | 'HEAD' | 'POST';
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly signal?: AbortSignal | undefined;
  /** What this is for, at the start of error messages: `pinging quay.io`, `blob sha256:…`. */
  readonly what: string;
}

export function engineError(t: Transport, code: EngineErrorCode, message: string, o?: { cause?: unknown; hint?: string }): EngineError {
  return new EngineError(code, redact(message, t.secrets), o);
}

/** One line from a network error: OpenSSL's multi-field messages shrink to their reason. */
function networkMessage(e: unknown): string {
  const err = e as { message?: unknown; cause?: { message?: unknown } };
  const oneLine = (m: string) => {
    const ssl = /error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):/.exec(m);
    return (ssl ? `TLS: ${ssl[1]}` : m).replace(/\s+/g, ' ').trim();
  };
  const msg = oneLine(typeof err.message === 'string' && err.message !== '' ? err.message : String(e));
  const cause = typeof err.cause?.message === 'string' ? oneLine(err.cause.message) : '';
  return cause !== '' && !msg.includes(cause) ? `${msg} (${cause})` : msg;
}

export async function send(t: Transport, url: URL, o: SendOptions): Promise<Response> {
  o.signal?.throwIfAborted();
  const headers: Record<string, string> = { 'user-agent': t.userAgent };
  for (const [k, v] of Object.entries(o.headers ?? {})) if (v !== undefined) headers[k] = v;
  const dispatcher = url.protocol === 'https:' && t.isInsecure(url.host) ? t.insecureDispatcher : t.dispatcher;
  try {
    return await request(url, {
      method: o.method ?? 'GET',
      headers,
      dispatcher,
      ...(o.body !== undefined ? { body: o.body } : {}),
      ...(o.signal !== undefined ? { signal: o.signal } : {}),
    });
  } catch (e) {
    if (o.signal?.aborted) throw o.signal.reason;
    throw engineError(t, 'REGISTRY_UNREACHABLE', `${o.what}: ${url.origin}: ${networkMessage(e)}`, { cause: e });
  }
}

/** Reads a whole body, failing with `tooBig()` past `max` bytes (the rest is not downloaded). */
export async function readCapped(res: Response, max: number, tooBig: () => Error, o: { signal?: AbortSignal | undefined; what: string; t: Transport }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw tooBig(); // leaving the loop destroys the body
      chunks.push(chunk);
    }
  } catch (e) {
    if (o.signal?.aborted) throw o.signal.reason;
    if (e instanceof EngineError) throw e;
    throw engineError(o.t, 'REGISTRY_UNREACHABLE', `${o.what}: connection lost after ${size} bytes: ${networkMessage(e)}`, { cause: e });
  }
  return Buffer.concat(chunks);
}

/**
 * Discards a body we will not read: a short one is drained (the connection stays reusable), a long one is
 * cut off. undici's dump() owns the errors of that cut.
 */
export async function discard(res: Response): Promise<void> {
  await res.body.dump({ limit: 64 * 1024 });
}

/**
 * The registry's own words from an error response: distribution's `{"errors":[{"code","message"}]}`, or
 * the first line of a short text body. Reads at most 64 KiB.
 */
export async function errorDetail(res: Response, t: Transport, signal: AbortSignal | undefined): Promise<string> {
  const max = 64 * 1024;
  let text: string;
  try {
    text = (await readCapped(res, max, () => new Error('error body too large'), { signal, what: 'error body', t })).toString('utf8');
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    // The status code already says what went wrong; a body we cannot read only loses detail.
    return `(error body unreadable: ${(e as Error).message})`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    // Not JSON (an HTML error page, plain text): show its first line.
    const line = text.trim().split('\n')[0]?.trim() ?? '';
    return /^</.test(line) ? '' : line.slice(0, 200);
  }
  const errors = (parsed as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return '';
  return errors
    .map((e: { code?: unknown; message?: unknown }) => (typeof e?.message === 'string' && e.message !== '' ? e.message : typeof e?.code === 'string' ? e.code : ''))
    .filter((s) => s !== '')
    .join('; ')
    .slice(0, 500);
}
