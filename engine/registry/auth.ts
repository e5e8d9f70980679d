/**
 * Answers a registry's challenge with an `Authorization` value (distribution docs: token.md, oauth.md).
 * Bearer: a token from the challenge's realm, for `service` and `scope=repository:<repo>:pull`, fetched
 * anonymously, with Basic credentials (GET), or with an identity token (POST, OAuth2 refresh_token grant);
 * cached per registry+scope until it expires. Basic: the credentials themselves.
 */
import { type Challenge, pickChallenge } from './www-authenticate.ts';
import { engineError, errorDetail, readCapped, send, type Transport } from './transport.ts';

export interface Credentials {
  username: string;
  password: string;
}

/** `repository` lets a lookup prefer a credential for `host/namespace/repo` over one for `host`. */
export type CredentialsLookup = (registry: string, repository?: string) => Promise<Credentials | undefined>;

/** docker's convention: this username means the password is an identity (refresh) token. */
export const IDENTITY_TOKEN_USERNAME = '<token>';

/** Tokens without `expires_in` live 60 s (distribution token.md); never trust one for less. */
const MIN_TOKEN_LIFETIME_MS = 60_000;
/** Renew this long before expiry, so a token does not lapse in flight. */
const EXPIRY_MARGIN_MS = 5_000;
const TOKEN_RESPONSE_MAX = 1 << 20;

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

export class Authenticator {
  readonly #t: Transport;
  readonly #lookup: CredentialsLookup | undefined;
  readonly #tokens = new Map<string, CachedToken>();
  /** Basic headers per registry|repository, so a lookup (file reads) happens once, not per request. */
  readonly #basics = new Map<string, string>();
  readonly #now: () => number;

  constructor(t: Transport, lookup: CredentialsLookup | undefined, now: () => number = Date.now) {
    this.#t = t;
    this.#lookup = lookup;
    this.#now = now;
  }

  /**
   * The Authorization header for a pull from `repository` (undefined: go anonymous), and whether it came
   * from the cache (a refused cached token is worth refreshing; a refused fresh one is not). `fresh` skips
   * the cache.
   */
  async authorization(registry: string, repository: string, challenges: readonly Challenge[], o: { signal?: AbortSignal | undefined; fresh: boolean }): Promise<{ header: string | undefined; cached: boolean }> {
    const challenge = pickChallenge(challenges);
    if (challenge === undefined) return { header: undefined, cached: false };
    const key = `${registry}|${challenge.scheme === 'basic' ? repository : `repository:${repository}:pull`}`;
    if (challenge.scheme === 'basic') {
      const known = this.#basics.get(key);
      if (!o.fresh && known !== undefined) return { header: known, cached: true };
      const creds = await this.#credentials(registry, repository);
      const header = creds === undefined ? undefined : this.#basic(creds);
      if (header !== undefined) this.#basics.set(key, header);
      return { header, cached: false };
    }
    const cached = this.#tokens.get(key);
    if (!o.fresh && cached !== undefined && cached.expiresAt > this.#now()) return { header: `Bearer ${cached.token}`, cached: true };
    const token = await this.#fetchToken(registry, repository, challenge, `repository:${repository}:pull`, o.signal);
    this.#tokens.set(key, token);
    return { header: `Bearer ${token.token}`, cached: false };
  }

  async #credentials(registry: string, repository: string): Promise<Credentials | undefined> {
    const creds = await this.#lookup?.(registry, repository);
    if (creds !== undefined) this.#t.secrets.add(creds.password);
    return creds;
  }

  #basic(creds: Credentials): string {
    const blob = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
    this.#t.secrets.add(blob);
    return `Basic ${blob}`;
  }

  async #fetchToken(registry: string, repository: string, challenge: Challenge, scope: string, signal: AbortSignal | undefined): Promise<CachedToken> {
    const what = `getting a token for ${registry}/${repository}`;
    const realmText = challenge.params['realm'];
    if (realmText === undefined || realmText === '') throw engineError(this.#t, 'REGISTRY_AUTH', `${what}: the registry's Bearer challenge has no realm`);
    let realm: URL;
    try {
      realm = new URL(realmText);
    } catch (e) {
      throw engineError(this.#t, 'REGISTRY_AUTH', `${what}: invalid token realm ${JSON.stringify(realmText)}`, { cause: e });
    }
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
      throw engineError(this.#t, 'REGISTRY_AUTH', `${what}: token realm ${JSON.stringify(realmText)} is not an http(s) URL`);
    }
    const service = challenge.params['service'];
    const creds = await this.#credentials(registry, repository);
    let res;
    if (creds !== undefined && creds.username === IDENTITY_TOKEN_USERNAME) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.password, client_id: 'tsengine', scope });
      if (service !== undefined) form.set('service', service);
      res = await send(this.#t, realm, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        signal,
        what,
      });
    } else {
      const url = new URL(realm);
      if (service !== undefined) url.searchParams.set('service', service);
      url.searchParams.append('scope', scope);
      if (creds !== undefined) url.searchParams.set('account', creds.username);
      res = await send(this.#t, url, { headers: { authorization: creds !== undefined ? this.#basic(creds) : undefined }, signal, what });
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      const detail = await errorDetail(res, this.#t, signal);
      throw engineError(this.#t, 'REGISTRY_AUTH', `${what}: ${creds === undefined ? 'anonymous access refused' : 'credentials refused'} (HTTP ${res.statusCode})${detail ? `: ${detail}` : ''}`, {
        hint: `check the credentials for ${registry} (auth.json, ~/.docker/config.json)`,
      });
    }
    if (res.statusCode !== 200) {
      const detail = await errorDetail(res, this.#t, signal);
      throw engineError(this.#t, 'REGISTRY_HTTP', `${what}: HTTP ${res.statusCode} from the token service${detail ? `: ${detail}` : ''}`);
    }
    const issuedAt = this.#now();
    const bytes = await readCapped(res, TOKEN_RESPONSE_MAX, () => engineError(this.#t, 'REGISTRY_AUTH', `${what}: token response larger than 1 MiB`), { signal, what, t: this.#t });
    return this.#decodeToken(bytes, issuedAt, what);
  }

  #decodeToken(bytes: Buffer, issuedAt: number, what: string): CachedToken {
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(bytes.toString('utf8')) as typeof body;
    } catch (e) {
      throw engineError(this.#t, 'REGISTRY_AUTH', `${what}: the token service did not answer JSON`, { cause: e });
    }
    const token = typeof body?.token === 'string' && body.token !== '' ? body.token : body?.access_token;
    if (typeof token !== 'string' || token === '') throw engineError(this.#t, 'REGISTRY_AUTH', `${what}: the token service's answer has no token`);
    this.#t.secrets.add(token);
    const ttl = typeof body.expires_in === 'number' && Number.isFinite(body.expires_in) ? body.expires_in * 1000 : 0;
    return { token, expiresAt: issuedAt + Math.max(ttl, MIN_TOKEN_LIFETIME_MS) - EXPIRY_MARGIN_MS };
  }
}
