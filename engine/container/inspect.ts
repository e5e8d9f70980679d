/**
 * The docker-shaped `container inspect` object: docker's field names (scripts template against them),
 * `.HostConfig.Runtime` as the runtime's name (docker's meaning; podman always says "oci"), and podman's
 * `OCIRuntime` too. `.Name` has no leading slash, as podman.
 */
import { type HostConfigInspect, hostConfigInspect } from './inspect-host-config.ts';
import { inspectMounts } from './volume-setup.ts';
import type { ContainerRecord } from '../../storage/container-store.ts';
import type { ImageRecord } from '../../storage/image-store.ts';
import type { Store } from '../../storage/index.ts';
import { isEngineError } from '../errors.ts';
import { parseImageConfig } from '../image/manifest.ts';
import type { StoredConfig } from './options.ts';
import type { ContainerPaths } from './paths.ts';
import { processArgs } from './runtime-spec.ts';
import { portBindings } from './ports.ts';
import { publishedPorts } from './slirp4netns.ts';
import { readExitRecord } from './exit-status.ts';
import { runningExecIds } from './exec.ts';

export interface ContainerInspect {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: {
    Status: string;
    Running: boolean;
    Paused: boolean;
    Restarting: boolean;
    OOMKilled: boolean;
    Dead: boolean;
    Pid: number;
    /** podman's name for the monitor's pid (0 when not running). */
    ConmonPid: number;
    ExitCode: number;
    Error: string;
    StartedAt: string;
    FinishedAt: string;
  };
  Image: string;
  ImageName: string;
  Name: string;
  RestartCount: number;
  Driver: string;
  OCIRuntime: string;
  LogPath: string;
  Config: {
    Hostname: string;
    User: string;
    Env: string[];
    Cmd: string[] | null;
    Entrypoint: string[] | null;
    Image: string;
    WorkingDir: string;
    Labels: Record<string, string>;
    StopSignal: string;
    StopTimeout: number;
    OpenStdin: boolean;
    Tty: boolean;
  };
  /** Docker's HostConfig fields for the flags we have (inspect-host-config.ts). */
  HostConfig: HostConfigInspect;
  /** Ports: the published ports as docker shows them, with the host ports in use while it runs. */
  NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[]> };
  GraphDriver: { Name: string; Data: Record<string, string> };
  Mounts: unknown[];
  /** podman's: the exec sessions running in the container (exec.ts), oldest first; [] when it does not run. */
  ExecIDs: string[];
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function toContainerInspect(rec: ContainerRecord, paths: ContainerPaths, image: ImageRecord | undefined, store: Store): ContainerInspect {
  const cfg = rec.config as StoredConfig;
  const blob = image && store.images.blob(image.configDigest);
  const imageConfig = blob ? parseImageConfig(blob.data) : undefined;
  const ic = imageConfig?.config ?? {};
  let argv: string[] = [];
  if (imageConfig) {
    try {
      argv = processArgs(imageConfig, { ...(cfg.command ? { command: cfg.command } : {}), ...(cfg.entrypoint ? { entrypoint: cfg.entrypoint } : {}) });
    } catch (e) {
      if (!(isEngineError(e) && e.code === 'INVALID_ARGUMENT')) throw e;
      argv = []; // an image and container with no command: inspect still works; start reports it
    }
  }
  const running = rec.state === 'running';
  const lower = image?.layers.map((d) => store.layers.get(d)?.path ?? '').reverse().join(':') ?? '';
  return {
    Id: rec.id,
    Created: rec.createdAt.toISOString(),
    Path: argv[0] ?? '',
    Args: argv.slice(1),
    State: {
      Status: rec.state === 'starting' ? 'created' : rec.state,
      Running: running,
      Paused: false,
      Restarting: false,
      OOMKilled: rec.state === 'exited' && readExitRecord(paths.exitFile)?.oomKilled === true, // the monitor's (oom.h)
      Dead: false,
      Pid: running ? (rec.pid ?? 0) : 0,
      ConmonPid: running ? (rec.monitorPid ?? 0) : 0,
      ExitCode: rec.exitCode ?? 0,
      Error: '',
      StartedAt: rec.startedAt?.toISOString() ?? ZERO_TIME,
      FinishedAt: rec.finishedAt?.toISOString() ?? ZERO_TIME,
    },
    Image: `sha256:${rec.imageId}`,
    ImageName: rec.imageName,
    Name: rec.name,
    RestartCount: 0,
    Driver: 'overlay',
    OCIRuntime: rec.runtime,
    LogPath: paths.log,
    Config: {
      Hostname: cfg.hostname ?? rec.id.slice(0, 12),
      User: cfg.user ?? ic.User ?? '',
      Env: [...(ic.Env ?? []), ...cfg.env],
      Cmd: cfg.command ? [...cfg.command] : ic.Cmd ? [...ic.Cmd] : null,
      Entrypoint: cfg.entrypoint ? [...cfg.entrypoint] : ic.Entrypoint ? [...ic.Entrypoint] : null,
      Image: rec.imageName,
      WorkingDir: cfg.workdir ?? (ic.WorkingDir || '/'),
      Labels: { ...(ic.Labels ?? {}), ...cfg.labels },
      StopSignal: cfg.stopSignal ?? ic.StopSignal ?? 'SIGTERM',
      StopTimeout: cfg.stopTimeout,
      OpenStdin: cfg.interactive,
      Tty: cfg.tty === true,
    },
    HostConfig: hostConfigInspect(cfg, { runtime: rec.runtime, autoRemove: rec.autoRemove }),
    NetworkSettings: { Ports: portBindings((rec.state === 'running' && cfg.publish ? publishedPorts(paths.runDir) : undefined) ?? cfg.publish ?? []) },
    GraphDriver: { Name: 'overlay', Data: { LowerDir: lower, UpperDir: paths.upper, WorkDir: paths.work, MergedDir: paths.rootfs } },
    Mounts: inspectMounts(store, cfg.mounts), // volume-setup.ts
    ExecIDs: running ? runningExecIds(paths.runDir) : [],
  };
}
