/**
 * Finding how to talk to a registry: `GET /v2/` (distribution spec "API version check"). 200 means open,
 * 401 carries the auth challenge. HTTPS always first; an insecure registry that fails over HTTPS (even
 * without certificate verification) is tried over plain HTTP, as docker and containers/image do.
 */
import { type EngineError, isEngineError, type StorageError } from '../errors.ts';
import { registryApiHost } from '../image/reference.ts';
import { type Challenge, parseWwwAuthenticate } from './www-authenticate.ts';
import { discard, engineError, errorDetail, send, type Transport } from './transport.ts';

export interface Endpoint {
  readonly registry: string;
  /** `https://host[:port]` or `http://host[:port]`: where the API answered. */
  readonly origin: string;
  /** From the ping's 401; replaced when a later 401 brings a challenge and the ping had none. */
  challenges: readonly Challenge[];
}

export async function pingRegistry(t: Transport, registry: string, signal: AbortSignal | undefined): Promise<Endpoint> {
  const host = registryApiHost(registry);
  const what = `pinging registry ${registry}`;
  const schemes = t.isInsecure(host) ? ['https', 'http'] : ['https'];
  const failures: { scheme: string; error: EngineError | StorageError }[] = [];
  for (const scheme of schemes) {
    const url = new URL(`${scheme}://${host}/v2/`);
    try {
      const res = await send(t, url, { signal, what });
      if (res.statusCode === 200 || res.statusCode === 401) {
        const challenges = res.statusCode === 401 ? parseWwwAuthenticate(res.headers['www-authenticate']) : [];
        await discard(res);
        return { registry, origin: url.origin, challenges };
      }
      const detail = await errorDetail(res, t, signal);
      throw engineError(t, 'REGISTRY_HTTP', `${what}: HTTP ${res.statusCode} from ${url.href}${detail ? `: ${detail}` : ''}`, {
        hint: `${registry} does not look like a registry (the /v2/ API should answer 200 or 401)`,
      });
    } catch (e) {
      if (signal?.aborted || !isEngineError(e)) throw e;
      failures.push({ scheme, error: e });
    }
  }
  const last = failures[failures.length - 1]?.error;
  if (last === undefined) throw new Error('unreachable: a ping without an attempt');
  if (failures.length === 1) {
    if (last.code !== 'REGISTRY_UNREACHABLE') throw last;
    throw engineError(t, last.code, last.message, {
      cause: last,
      hint: `if ${registry} serves plain HTTP or a self-signed certificate, mark it insecure ([[registry]] insecure = true in registries.conf) or use --tls-verify=false`,
    });
  }
  const both = failures.map((f) => `${f.scheme}: ${f.error.message.replace(`${what}: `, '')}`).join('; ');
  throw engineError(t, last.code, `${what}: ${both}`, { cause: last });
}
