/** `create` options: what the user asked for, validated here, stored with the container as JSON. */
import { EngineError } from '../errors.ts';
import { parseIdMapping } from './userns.ts';
import { MOUNT_OPTION_KEYS, type MountCreateOptions, type MountStoredConfig, validateMountOptions } from './options-mounts.ts';
import { LIMIT_OPTION_KEYS, type LimitCreateOptions, type LimitStoredConfig, validateLimitOptions } from './options-limits.ts';
import { type PortMapping, validatePublish } from './ports.ts';

/** private: a network namespace with loopback only; slirp4netns: one with outbound reach (slirp4netns.ts). */
export type NetworkMode = 'private' | 'host' | 'none' | 'slirp4netns';

// Mounts, volumes, --group-add, --add-host, --dns*, --init: their fields are in options-mounts.ts.
// Resources and security (--memory, --ulimit, --cap-add, --security-opt…): options-limits.ts.
export interface CreateOptions extends MountCreateOptions, LimitCreateOptions {
  /** Image name or ID; it must be stored (engine.run pulls when missing). */
  readonly image: string;
  /** Replaces the image's Cmd (docker run IMAGE CMD…). */
  readonly command?: readonly string[] | undefined;
  /** Replaces the image's Entrypoint; [] clears it. */
  readonly entrypoint?: readonly string[] | undefined;
  /** `K=V`, overriding the image's Env by key. */
  readonly env?: readonly string[] | undefined;
  readonly workdir?: string | undefined;
  /** `name`, `uid`, `name:group`, `uid:gid`. */
  readonly user?: string | undefined;
  readonly name?: string | undefined;
  /** Runtime name (crun, runc, runsc, a registered name) or absolute path; default the engine's. */
  readonly runtime?: string | undefined;
  /** Remove the container when it exits (docker --rm), even if no tsengine process is left to see it. */
  readonly autoRemove?: boolean | undefined;
  /** Keep stdin open (docker -i); feed it through containers.start({ attach }) or containers.attach(). */
  readonly interactive?: boolean | undefined;
  /** A terminal for the container's process (docker -t): its stdio is a pty the runtime creates. */
  readonly tty?: boolean | undefined;
  readonly hostname?: string | undefined;
  readonly network?: NetworkMode | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly stopSignal?: string | undefined;
  /** Seconds `stop` waits after the stop signal before SIGKILL; default 10. */
  readonly stopTimeout?: number | undefined;
  /** podman --userns: `host` (the engine's namespace; the default) or `keep-id` (rootless: your UID/GID inside). */
  readonly userns?: 'host' | 'keep-id' | undefined;
  /** podman --uidmap/--gidmap, `CONTAINER:HOST:COUNT` (rootless: HOST is an ID of the rootless namespace). */
  readonly uidMap?: readonly string[] | undefined;
  readonly gidMap?: readonly string[] | undefined;
  /** `-p` specs, `[[HOST_IP:][HOST_PORT]:]CONTAINER_PORT[/PROTO]` (ports.ts); needs network slirp4netns. */
  readonly publish?: readonly string[] | undefined;
}

/** What a container stores: the options minus the image (kept as a row column), resolved. */
export interface StoredConfig extends MountStoredConfig, LimitStoredConfig {
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly env: readonly string[];
  readonly workdir?: string;
  readonly user?: string;
  readonly hostname?: string;
  readonly network: NetworkMode;
  readonly interactive: boolean;
  /** Absent in containers created before TTY support: false. */
  readonly tty?: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly stopSignal?: string;
  readonly stopTimeout: number;
  readonly userns?: 'host' | 'keep-id';
  readonly uidMap?: readonly string[];
  readonly gidMap?: readonly string[];
  /** Host port 0: chosen at each start (the chosen ones are in the run dir, slirp4netns.ts publishedPorts). */
  readonly publish?: readonly PortMapping[];
}

const KNOWN = new Set([
  'image', 'command', 'entrypoint', 'env', 'workdir', 'user', 'name', 'runtime', 'autoRemove', 'interactive', 'hostname',
  'network', 'labels', 'tty', 'stopSignal', 'stopTimeout', 'userns', 'uidMap', 'gidMap', 'publish',
  ...MOUNT_OPTION_KEYS,
  ...LIMIT_OPTION_KEYS,
]);

function strings(name: string, v: unknown): readonly string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new EngineError('INVALID_ARGUMENT', `Expected \`${name}\` to be an array of strings, got ${JSON.stringify(v)}`);
  }
  return v as string[];
}

export function validateCreateOptions(o: CreateOptions): StoredConfig {
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw new EngineError('INVALID_ARGUMENT', `unknown create option \`${k}\``);
  if (typeof o.image !== 'string' || o.image === '') throw new EngineError('INVALID_ARGUMENT', 'Expected `image` to be a non-empty string');
  const env = strings('env', o.env) ?? [];
  for (const e of env) {
    if (!e.includes('=') || e.startsWith('=')) throw new EngineError('INVALID_ARGUMENT', `invalid environment variable: ${JSON.stringify(e)} (expected K=V)`);
  }
  const network = o.network ?? 'private';
  if ((network as string) === 'pasta') {
    throw new EngineError('INVALID_ARGUMENT', 'network mode "pasta" is not implemented: use slirp4netns, private (loopback only), host or none');
  }
  if (!['private', 'host', 'none', 'slirp4netns'].includes(network)) {
    throw new EngineError('INVALID_ARGUMENT', `unsupported network mode "${network}": use slirp4netns, private, host or none`);
  }
  const stopTimeout = o.stopTimeout ?? 10;
  if (!Number.isInteger(stopTimeout) || stopTimeout < 0) {
    throw new EngineError('INVALID_ARGUMENT', `Expected \`stopTimeout\` to be a non-negative integer, got ${JSON.stringify(o.stopTimeout)}`);
  }
  if (o.userns !== undefined && o.userns !== 'host' && o.userns !== 'keep-id') {
    throw new EngineError('INVALID_ARGUMENT', `unsupported --userns mode "${String(o.userns)}": use host or keep-id`);
  }
  const uidMap = strings('uidMap', o.uidMap);
  const gidMap = strings('gidMap', o.gidMap);
  for (const m of [...(uidMap ?? []), ...(gidMap ?? [])]) parseIdMapping(m, '--uidmap/--gidmap');
  const command = strings('command', o.command);
  const entrypoint = strings('entrypoint', o.entrypoint);
  const publish = validatePublish(strings('publish', o.publish) ?? [], network);
  const mountConfig = validateMountOptions(o, network); // options-mounts.ts
  const limitConfig = validateLimitOptions(o); // options-limits.ts
  return {
    ...mountConfig,
    ...limitConfig,
    ...(command !== undefined ? { command } : {}),
    ...(entrypoint !== undefined ? { entrypoint } : {}),
    env,
    ...(o.workdir !== undefined ? { workdir: o.workdir } : {}),
    ...(o.user !== undefined ? { user: o.user } : {}),
    ...(o.hostname !== undefined ? { hostname: o.hostname } : {}),
    network,
    interactive: o.interactive === true,
    ...(o.tty === true ? { tty: true } : {}),
    labels: { ...(o.labels ?? {}) },
    ...(o.stopSignal !== undefined ? { stopSignal: o.stopSignal } : {}),
    stopTimeout,
    ...(o.userns !== undefined ? { userns: o.userns } : {}),
    ...(uidMap !== undefined && uidMap.length > 0 ? { uidMap } : {}),
    ...(gidMap !== undefined && gidMap.length > 0 ? { gidMap } : {}),
    ...(publish.length > 0 ? { publish } : {}),
  };
}
