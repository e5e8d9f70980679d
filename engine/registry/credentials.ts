/**
 * Credentials from the files podman and docker write (containers-auth.json(5); containers/image
 * pkg/docker/config). Files, first match wins:
 *   1. `authFile` or $REGISTRY_AUTH_FILE — when given, the only file read (podman's --authfile);
 *   2. $XDG_RUNTIME_DIR/containers/auth.json, or /run/containers/<euid>/auth.json without XDG_RUNTIME_DIR;
 *   3. ($XDG_CONFIG_HOME or ~/.config)/containers/auth.json;
 *   4. $DOCKER_CONFIG/config.json, or ~/.docker/config.json;
 *   5. ~/.dockercfg (legacy: the `auths` map is the whole file).
 * In a file, keys are tried from the most specific (`host/ns/repo`, `host/ns`, `host`), then any key whose
 * host normalises to the registry (`https://index.docker.io/v1/`, `registry-1.docker.io` → docker.io).
 * `identitytoken` entries come back as `{ username: '<token>', password: token }`, docker's convention.
 * Credential helpers (credHelpers, credsStore) are not run yet.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../../storage/errors.ts';
import { EngineError } from '../errors.ts';
import { type Credentials, type CredentialsLookup, IDENTITY_TOKEN_USERNAME } from './auth.ts';

export interface AuthFilesEnv {
  REGISTRY_AUTH_FILE?: string | undefined;
  XDG_RUNTIME_DIR?: string | undefined;
  XDG_CONFIG_HOME?: string | undefined;
  DOCKER_CONFIG?: string | undefined;
  HOME?: string | undefined;
}

export interface AuthFile {
  readonly path: string;
  /** ~/.dockercfg: no `auths` wrapper, keys are URLs. */
  readonly legacy: boolean;
}

interface AuthEntry {
  auth?: unknown;
  identitytoken?: unknown;
}

/** The files to consult, in order (see the module comment). */
export function authFilePaths(env: AuthFilesEnv, authFile?: string, euid?: number): AuthFile[] {
  const explicit = authFile ?? (env.REGISTRY_AUTH_FILE || undefined);
  if (explicit !== undefined) return [{ path: explicit, legacy: false }];
  const files: AuthFile[] = [];
  if (env.XDG_RUNTIME_DIR) files.push({ path: join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'), legacy: false });
  else if (euid !== undefined) files.push({ path: `/run/containers/${euid}/auth.json`, legacy: false });
  const configHome = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : undefined);
  if (configHome !== undefined) files.push({ path: join(configHome, 'containers', 'auth.json'), legacy: false });
  if (env.DOCKER_CONFIG) files.push({ path: join(env.DOCKER_CONFIG, 'config.json'), legacy: false });
  else if (env.HOME) files.push({ path: join(env.HOME, '.docker', 'config.json'), legacy: false });
  if (env.HOME) files.push({ path: join(env.HOME, '.dockercfg'), legacy: true });
  return files;
}

const HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

function normalizeHost(host: string): string {
  return HUB_HOSTS.has(host) ? 'docker.io' : host;
}

/** A file key as a registry host: scheme and path dropped from URL-shaped keys, Hub names unified. */
export function normalizeAuthKey(key: string, legacy: boolean): string {
  const stripped = key.replace(/^https?:\/\//, '');
  const host = legacy || stripped !== key ? (stripped.split('/')[0] ?? '') : stripped;
  return normalizeHost(host);
}

/** `host/ns/repo`, `host/ns`, `host`: most specific first. */
function keysFor(registry: string, repository: string | undefined): string[] {
  const path = repository === undefined ? registry : `${registry}/${repository}`;
  const parts = path.split('/');
  const keys: string[] = [];
  for (let n = parts.length; n >= 1; n--) keys.push(parts.slice(0, n).join('/'));
  return keys;
}

function decodeEntry(file: string, key: string, entry: unknown): Credentials | undefined {
  if (typeof entry !== 'object' || entry === null) throw new EngineError('CONFIG_INVALID', `${file}: auths.${key}: expected an object`);
  const e = entry as AuthEntry;
  if (typeof e.identitytoken === 'string' && e.identitytoken !== '') return { username: IDENTITY_TOKEN_USERNAME, password: e.identitytoken };
  if (e.auth === undefined || e.auth === '') return undefined; // docker writes `{}` for registries kept by a credential helper
  if (typeof e.auth !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(e.auth)) {
    throw new EngineError('CONFIG_INVALID', `${file}: auths.${key}.auth: not base64`);
  }
  const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) throw new EngineError('CONFIG_INVALID', `${file}: auths.${key}.auth: expected base64 of "user:password"`);
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1).replace(/\0+$/, '') };
}

async function readAuths(f: AuthFile): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(f.path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return undefined; // most of these files do not exist
    throw new EngineError('CONFIG_INVALID', `${f.path}: ${(e as Error).message}`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    // JSON.parse messages quote the input, which may hold secrets: say only where.
    throw new EngineError('CONFIG_INVALID', `${f.path}: invalid JSON`, { cause: e });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new EngineError('CONFIG_INVALID', `${f.path}: expected a JSON object`);
  if (f.legacy) return doc as Record<string, unknown>;
  const auths = (doc as { auths?: unknown }).auths;
  if (auths === undefined) return {};
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) throw new EngineError('CONFIG_INVALID', `${f.path}: auths: expected an object`);
  return auths as Record<string, unknown>;
}

/** Looks `registry` (and optionally `repository`) up in one file's auths; null when the file has no entry. */
function lookupIn(f: AuthFile, auths: Record<string, unknown>, registry: string, repository: string | undefined): { found: Credentials | undefined } | null {
  if (!f.legacy) {
    for (const key of keysFor(registry, repository)) {
      if (Object.hasOwn(auths, key)) return { found: decodeEntry(f.path, key, auths[key]) };
    }
  }
  const host = normalizeHost(registry);
  for (const [key, entry] of Object.entries(auths)) {
    if (normalizeAuthKey(key, f.legacy) === host) return { found: decodeEntry(f.path, key, entry) };
  }
  return null;
}

/**
 * A credentials lookup over the auth files. `registry` is a host (`docker.io`, `quay.io:443`) or a
 * `host/ns/repo` path; `repository`, when given, is appended. Files are read at each call (a `login` in
 * between is seen); missing files are skipped; a malformed one is CONFIG_INVALID.
 */
export function credentialsFromAuthFiles(env: AuthFilesEnv, authFile?: string, euid?: number): CredentialsLookup {
  const files = authFilePaths(env, authFile, euid);
  return async (registry: string, repository?: string) => {
    const slash = registry.indexOf('/');
    const host = slash === -1 ? registry : registry.slice(0, slash);
    const path = slash === -1 ? repository : `${registry.slice(slash + 1)}${repository !== undefined ? `/${repository}` : ''}`;
    for (const f of files) {
      const auths = await readAuths(f);
      if (auths === undefined) continue;
      const hit = lookupIn(f, auths, normalizeHost(host), path);
      if (hit !== null) return hit.found;
    }
    return undefined;
  };
}
