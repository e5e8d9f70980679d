/**
 * Finds a stored image from what a user typed: a full or prefixed ID (with or without `sha256:`), a full
 * name, or a short name (resolved as podman does: aliases and search registries, `localhost/`, then any
 * stored name whose repository path ends with the short name's).
 */
import type { ImageRecord, ImageStore } from '../../storage/image-store.ts';
import { EngineError } from '../errors.ts';
import { formatReference, isShortName, parseReference } from './reference.ts';
import { type RegistriesConf, resolveShortName } from './short-names.ts';

const ID_RE = /^(?:sha256:)?([0-9a-f]{1,64})$/;

/** `conf` is called only for a short name (registries.conf is read and parsed then, not for `host/repo:tag` or an ID). */
export function lookupImage(images: ImageStore, text: string, conf: () => RegistriesConf): ImageRecord {
  const found = findImage(images, text, conf);
  if (!found) throw new EngineError('IMAGE_NOT_FOUND', `${text}: image not known`);
  return found;
}

export function findImage(images: ImageStore, text: string, conf: () => RegistriesConf): ImageRecord | undefined {
  const id = ID_RE.exec(text)?.[1];
  if (id !== undefined) {
    const byId = images.byIdPrefix(id);
    if (byId.length > 1) {
      throw new EngineError('INVALID_ARGUMENT', `${text}: short ID is ambiguous: it matches ${byId.length} images`);
    }
    if (byId[0]) return byId[0];
    if (text.startsWith('sha256:')) return undefined;
  }
  for (const name of candidateNames(text, conf)) {
    const img = images.byName(name);
    if (img) return img;
  }
  return isShortName(text) ? bySuffix(images, text) : undefined;
}

/** The full names a reference may be stored under, most likely first. */
function candidateNames(text: string, conf: () => RegistriesConf): string[] {
  const ref = parseReference(text);
  if (!isShortName(text)) return [formatReference(ref)];
  const names = resolveShortName(text, conf()).candidates.map(formatReference);
  const local = parseReference(`localhost/${text}`);
  names.push(formatReference(local));
  return names;
}

/** `busybox:1.38.0-musl` matches `127.0.0.1:5000/library/busybox:1.38.0-musl` when that is the only such image. */
function bySuffix(images: ImageStore, text: string): ImageRecord | undefined {
  const ref = parseReference(text);
  const path = formatReference(ref).slice('docker.io/'.length).replace(/^library\//, '');
  const ids = new Set<string>();
  for (const { name, imageId } of images.allNames()) {
    const rest = name.slice(name.indexOf('/') + 1);
    if (rest === path || rest.endsWith(`/${path}`)) ids.add(imageId);
  }
  if (ids.size > 1) {
    throw new EngineError('INVALID_ARGUMENT', `${text}: short name is ambiguous: it matches ${ids.size} images; use the full name`);
  }
  const [only] = ids;
  return only === undefined ? undefined : images.get(only);
}
