import type { ContainerRecord, ContainerStore } from '../../storage/container-store.ts';
import { EngineError } from '../errors.ts';

/** A container by full ID, name, or unique ID prefix (docker's and podman's rule: exact name wins). */
export function lookupContainer(store: ContainerStore, text: string): ContainerRecord {
  const byName = store.byName(text);
  if (byName) return byName;
  if (/^[0-9a-f]{1,64}$/.test(text)) {
    const matches = store.byIdPrefix(text);
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new EngineError('INVALID_ARGUMENT', `more than one result for container "${text}": use more characters of the ID`);
    }
  }
  throw new EngineError('CONTAINER_NOT_FOUND', `no container with name or ID "${text}" found: no such container`);
}
