/** The list view of a container (ps rows, engine.containers.list()). */
import type { ContainerRecord } from '../../storage/container-store.ts';
import { isEngineError } from '../errors.ts';
import { formatReference, parseReference } from '../image/reference.ts';
import type { StoredConfig } from './options.ts';
import type { PortMapping } from './ports.ts';

export interface ContainerSummary {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly imageId: string;
  readonly command: readonly string[];
  readonly createdAt: Date;
  readonly state: 'created' | 'running' | 'exited' | 'removing';
  readonly startedAt: Date | undefined;
  readonly finishedAt: Date | undefined;
  readonly exitCode: number | undefined;
  readonly runtime: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Published ports: the host ports in use while it runs, else as asked (host port 0: chosen at start). */
  readonly ports: readonly PortMapping[];
}

/** `busybox` → `docker.io/library/busybox:latest`; an ID or a bad name stays as typed. */
export function normalisedName(text: string): string {
  try {
    return formatReference(parseReference(text));
  } catch (e) {
    if (isEngineError(e) && e.code === 'INVALID_REFERENCE') return text;
    throw e;
  }
}

export function summary(r: ContainerRecord, running?: readonly PortMapping[]): ContainerSummary {
  const cfg = r.config as StoredConfig;
  return {
    id: r.id,
    name: r.name,
    image: r.imageName,
    imageId: r.imageId,
    command: [...(cfg.entrypoint ?? []), ...(cfg.command ?? [])],
    createdAt: r.createdAt,
    state: r.state === 'starting' ? 'created' : r.state,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    exitCode: r.exitCode,
    runtime: r.runtime,
    labels: cfg.labels,
    ports: (r.state === 'running' ? running : undefined) ?? cfg.publish ?? [],
  };
}
