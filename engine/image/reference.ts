/**
 * Image references: `[registry/]repository[:tag][@digest]`, parsed and normalised as docker does
 * (distribution/reference, normalize.go): names without a registry host are Docker Hub's, one-component
 * Hub names get `library/`. Glossary: *ref* = this whole string; *registry* = host[:port]; *repository* =
 * the path below the registry; *tag* and *digest* as in the distribution spec.
 */
import { type Digest, isDigest } from '../../storage/digest.ts';
import { EngineError } from '../errors.ts';

export interface ImageReference {
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['index.docker.io', 'registry-1.docker.io']);
const NAME_MAX = 255;

// distribution/reference regexp.go, anchored pieces.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^\w[\w.-]{0,127}$/;
const ANY_DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const IMAGE_ID_RE = /^[a-f0-9]{64}$/;

function invalid(detail?: string): EngineError {
  return new EngineError('INVALID_REFERENCE', detail === undefined ? 'invalid reference format' : `invalid reference format: ${detail}`);
}

/** The pieces of a reference as typed: the name (unnormalised), and the tag and digest only if given. */
export interface ReferenceParts {
  readonly name: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

/** Splits `name[:tag][@digest]` and validates the tag and the digest; the name is checked by the caller. */
export function splitReference(text: string): ReferenceParts {
  if (text === '') throw invalid('repository name must have at least one component');
  let rest = text;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const d = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (isDigest(d)) digest = d;
    else if (ANY_DIGEST_RE.test(d) && !d.startsWith('sha256:')) throw invalid(`unsupported digest algorithm in ${JSON.stringify(d)} (only sha256)`);
    else throw invalid(`invalid digest ${JSON.stringify(d)}`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw invalid(`invalid tag ${JSON.stringify(tag)}`);
  }
  if (rest === '') throw invalid(`${JSON.stringify(text)}: repository name must have at least one component`);
  return { name: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** docker's splitDockerDomain: the first component is a registry when it looks like a host. */
function splitRegistry(name: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { registry: DOCKER_HUB, repository: `library/${name}` };
  const first = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  const isHost = first === 'localhost' || /[.:]/.test(first) || first.toLowerCase() !== first;
  if (!isHost) return { registry: DOCKER_HUB, repository: name };
  const registry = DOCKER_HUB_ALIASES.has(first) ? DOCKER_HUB : first;
  const repository = registry === DOCKER_HUB && !rest.includes('/') ? `library/${rest}` : rest;
  return { registry, repository };
}

/** Validates a registry host[:port] as the reference grammar does. */
export function isValidRegistry(registry: string): boolean {
  return DOMAIN_RE.test(registry);
}

/**
 * Parses and normalises a reference. The tag defaults to `latest` only when neither a tag nor a digest is
 * given; `name:tag@digest` keeps both (the digest decides what is pulled).
 */
export function parseReference(text: string): ImageReference {
  if (IMAGE_ID_RE.test(text)) throw invalid(`repository name (${text}) cannot be a 64-byte hexadecimal string`);
  const parts = splitReference(text);
  if (parts.name.length > NAME_MAX) throw invalid(`repository name must not be more than ${NAME_MAX} characters`);
  const { registry, repository } = splitRegistry(parts.name);
  if (repository.toLowerCase() !== repository) throw invalid(`repository name (${repository}) must be lowercase`);
  if (!isValidRegistry(registry)) throw invalid(`invalid registry ${JSON.stringify(registry)}`);
  if (!repository.split('/').every((c) => PATH_COMPONENT_RE.test(c))) throw invalid(JSON.stringify(text));
  const tag = parts.tag ?? (parts.digest === undefined ? 'latest' : undefined);
  return {
    registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(parts.digest !== undefined ? { digest: parts.digest } : {}),
  };
}

/** `registry/repository[:tag][@digest]`, e.g. `docker.io/library/busybox:1.38.0-musl`. */
export function formatReference(r: ImageReference): string {
  return `${r.registry}/${r.repository}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

/**
 * True when `text` names no registry host: its first `/`-separated component has no `.` or `:` and is not
 * `localhost` (containers/image shortnames.go). Such names go through registries.conf.
 */
export function isShortName(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash === -1) return true;
  const first = text.slice(0, slash);
  return !/[.:]/.test(first) && first !== 'localhost';
}

/** The host that serves the registry API: Docker Hub's is `registry-1.docker.io`. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}
