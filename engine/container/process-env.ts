/**
 * The container process's environment, merged as podman 4.3 merges it (pkg/env DefaultEnvVariables,
 * pkg/specgen/generate/container.go, libpod generateSpec): defaults < image Env < -e, by key; then HOME
 * from the user's passwd entry and HOSTNAME, each only if nothing above set it.
 */
import { EngineError } from '../errors.ts';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * systemd's container-manager convention (`container=NAME`, read by systemd-detect-virt). podman writes
 * `container=podman`; we name ourselves.
 */
export const CONTAINER_ENV = 'container=tsengine';

/**
 * podman's defaults. TERM=xterm is set whether or not a terminal is allocated: podman's default
 * environment has it unconditionally (checked: podman 4.3.1 `create` without -t writes TERM=xterm).
 */
export const DEFAULT_ENV: readonly string[] = [`PATH=${DEFAULT_PATH}`, 'TERM=xterm', CONTAINER_ENV];

export interface ProcessEnvOptions {
  /** The image config's Env. */
  readonly image?: readonly string[] | undefined;
  /** `-e K=V` entries; they override the image's and the defaults by key. */
  readonly user?: readonly string[] | undefined;
  /** The resolved user's home directory (HOME, unless set above). */
  readonly home: string;
  /** The container's hostname (HOSTNAME, unless set above). */
  readonly hostname: string;
}

function keyOf(entry: string, source: string): string {
  const eq = entry.indexOf('=');
  const key = eq === -1 ? entry : entry.slice(0, eq);
  if (key === '') throw new EngineError('INVALID_ARGUMENT', `invalid environment variable ${JSON.stringify(entry)} in ${source}: empty name`);
  return key;
}

/** Merged `K=V` entries; a later source replaces an earlier entry in place, so the order stays stable. */
export function processEnv(o: ProcessEnvOptions): string[] {
  const env = new Map<string, string>();
  const put = (entries: readonly string[], source: string) => {
    for (const e of entries) env.set(keyOf(e, source), e);
  };
  put(DEFAULT_ENV, 'the defaults');
  put(o.image ?? [], 'the image config');
  put(o.user ?? [], 'the container options');
  if (!env.has('HOME')) env.set('HOME', `HOME=${o.home}`);
  if (!env.has('HOSTNAME')) env.set('HOSTNAME', `HOSTNAME=${o.hostname}`);
  return [...env.values()];
}
