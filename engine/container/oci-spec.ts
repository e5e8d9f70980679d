/**
 * The part of the OCI runtime spec (config.json, runtime-spec v1.0.2 config.md / config-linux.md) that
 * tsengine writes. Types only. Field names are the spec's; optional fields are left out when unset, the
 * way podman's Go encoder (omitempty) leaves them out, so our files diff cleanly against podman's.
 */

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: OciLinux;
  annotations?: Record<string, string>;
}

export interface OciProcess {
  /** Left out when false (the spec's default). */
  terminal?: boolean;
  /** The terminal's initial size (runtime-spec config.md; ignored without `terminal`). */
  consoleSize?: { height: number; width: number };
  user: OciUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities: OciCapabilities;
  rlimits: OciRlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}

export interface OciUser {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

/** Capability names with the CAP_ prefix, upper case (CAP_CHOWN). */
export interface OciCapabilities {
  bounding: string[];
  effective?: string[];
  permitted?: string[];
  inheritable?: string[];
  ambient?: string[];
}

export interface OciRlimit {
  /** RLIMIT_NOFILE, RLIMIT_NPROC, … */
  type: string;
  soft: number;
  hard: number;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export type OciNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

export interface OciNamespace {
  type: OciNamespaceType;
  /** Join this namespace (e.g. /run/netns/NAME) instead of creating one. */
  path?: string;
}

export interface OciDeviceRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

export interface OciResources {
  devices?: OciDeviceRule[];
  pids?: { limit: number };
  memory?: { limit?: number; reservation?: number; swap?: number; disableOOMKiller?: boolean };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
}

/** linux.seccomp (config-linux.md "Seccomp"); see security.ts for where it comes from. */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  syscalls?: { names: string[]; action: string; errnoRet?: number; args?: { index: number; value: number; valueTwo?: number; op: string }[] }[];
}

/** linux.devices entries (config-linux.md "Devices"). */
export interface OciDevice {
  path: string;
  type: 'c' | 'b' | 'p';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** linux.uidMappings / gidMappings entries (config-linux.md "User namespace mappings"). */
export interface OciIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface OciLinux {
  uidMappings?: OciIdMapping[];
  gidMappings?: OciIdMapping[];
  sysctl?: Record<string, string>;
  resources?: OciResources;
  /** Set by the caller (see cgroupsPathFor); the runtime picks its own when absent. */
  cgroupsPath?: string;
  namespaces: OciNamespace[];
  /** Device nodes the runtime creates in the container's /dev (--device). */
  devices?: OciDevice[];
  seccomp?: OciSeccomp;
  maskedPaths: string[];
  readonlyPaths: string[];
}
