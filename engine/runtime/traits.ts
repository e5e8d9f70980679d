/**
 * What differs between runc-compatible CLIs, as one data table (podman reads the same facts from
 * containers.conf lists such as `runtime_supports_json`; youki's README keeps a runc | crun | youki
 * table). Code reads a row; it never branches on a runtime's name. A binary's kind comes from its name:
 * the basename of its resolved path (`my-runc` → /usr/sbin/runc is runc), except for kinds that take
 * their identity from the name they are invoked by (krun is a symlink to crun that crun reads from
 * argv[0]). Any other binary is `generic`: runc's CLI, nothing more assumed.
 *
 * Rows marked `verified: true` were measured on this machine (Debian 12: runc 1.1.5, crun 1.8.1, runsc
 * 0.0~20221219.0) for what tsengine uses today (run, kill, delete, state, list, --log-format json); their
 * exec/TTY/pause columns come from each binary's --help, since tsengine has no exec or pause verb yet.
 * Rows marked `verified: false` are NOT VERIFIED HERE: those runtimes are not packaged for Debian 12 (and
 * crates.io is unreachable), so their columns come from each project's documentation and issues.
 */
import { realpathSync } from 'node:fs';
import { basename } from 'node:path';

export type RuntimeKind = 'runc' | 'crun' | 'runsc' | 'youki' | 'kata-runtime' | 'crun-vm' | 'krun' | 'generic';

export interface RuntimeTraits {
  /** The name podman's built-in runtime list knows it by (`kata` for kata-runtime); none for generic. */
  readonly builtinName?: string;
  /** Binary names it is installed as, tried in order when the built-in name is looked up. */
  readonly binaries: readonly string[];
  /** The binary acts as this kind when invoked by one of `binaries`, whatever it resolves to (krun → crun). */
  readonly byInvocationName?: boolean;
  /** Measured on this machine (see the module comment), or only documented elsewhere. */
  readonly verified: boolean;
  /** Takes `--log FILE --log-format json` (runc CLI global flags), so failures can be read as JSON. */
  readonly supportsJsonLog: boolean;
  /** Takes the global `--systemd-cgroup` flag. */
  readonly supportsSystemdCgroup: boolean;
  /** Extra global args when the container shares the host network namespace. */
  readonly hostNetworkArgs: readonly string[];
  /** Extra global args when the container has a network namespace of its own. */
  readonly privateNetworkArgs: readonly string[];
  /** `RUNTIME exec` runs a process inside the container (a VM runtime must reach into the guest). */
  readonly supportsExec: boolean;
  /** `--console-socket` for a container TTY. */
  readonly supportsTty: boolean;
  /** `RUNTIME pause`/`resume`. */
  readonly supportsPause: boolean;
  /**
   * Global args that keep it away from cgroups, for rootless on cgroup v1 (no delegation: an unprivileged
   * user can create none). crun 1.8 needs `--cgroup-manager=disabled` (checked here: without it, "creating
   * cgroup directory … No such file or directory"); runc 1.1 skips cgroups by itself in a user namespace when
   * config.json asks for no cgroupsPath and no limits (checked). Absent: nothing needed or nothing known.
   */
  readonly noCgroupArgs?: readonly string[];
  /**
   * `run`/`exec --console-socket` only with `--detach`: runc 1.1.5 refuses it in the foreground ("cannot use
   * console socket if runc will not detach or allocate tty", checked), so the monitor lets it detach and
   * waits for the process as a subreaper. crun and runsc send the master in the foreground (checked).
   */
  readonly consoleNeedsDetach?: boolean;
  /** The same for `exec` only: runsc 2022-12's foreground `exec` never connects to --console-socket (checked). */
  readonly execConsoleNeedsDetach?: boolean;
  /**
   * It leaves process.consoleSize alone (runsc 2022-12, checked: `stty size` says 0 0): a TTY container is
   * then run as `create` + `start`, so the monitor sets the size on the master in between.
   */
  readonly ignoresConsoleSize?: boolean;
  /** Why `exec` with a TTY does not work, when it does not (checked by trying). */
  readonly execTtyUnsupported?: string;
  /** Capabilities it refuses to parse in a process spec (`--privileged` leaves them out). */
  readonly unknownCapabilities?: readonly string[];
  /** Global args for `run` without which config.json's linux.seccomp is ignored (runsc filters in its own kernel). */
  readonly seccompArgs?: readonly string[];
  /**
   * Loads a compiled seccomp program from the annotation run.oci.seccomp_bpf_data instead of compiling
   * linux.seccomp itself (crun(1); checked with crun 1.8.1: same filter, `crun run` ~30 → ~15 ms).
   * engine/container/seccomp-bpf.ts compiles and caches it.
   */
  readonly loadsSeccompBpf?: boolean;
}

const NONE: readonly string[] = [];

export const RUNTIME_TRAITS: Readonly<Record<RuntimeKind, RuntimeTraits>> = {
  runc: {
    consoleNeedsDetach: true,
    builtinName: 'runc',
    binaries: ['runc'],
    verified: true,
    supportsJsonLog: true,
    supportsSystemdCgroup: true,
    hostNetworkArgs: NONE,
    privateNetworkArgs: NONE,
    supportsExec: true,
    supportsTty: true,
    supportsPause: true,
  },
  crun: {
    noCgroupArgs: ['--cgroup-manager=disabled'],
    loadsSeccompBpf: true,
    builtinName: 'crun',
    binaries: ['crun'],
    verified: true,
    supportsJsonLog: true,
    supportsSystemdCgroup: true,
    hostNetworkArgs: NONE,
    privateNetworkArgs: NONE,
    supportsExec: true,
    supportsTty: true,
    supportsPause: true,
  },
  runsc: {
    execConsoleNeedsDetach: true,
    ignoresConsoleSize: true,
    // "error creating capabilities: unknown capability \"CAP_PERFMON\"" (checked): newer than its table.
    unknownCapabilities: ['CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE'],
    // `runsc flags`: "-oci-seccomp  Enables loading OCI seccomp filters inside the sandbox." Without it linux.seccomp
    // is ignored; harmless when the spec has none.
    seccompArgs: ['--oci-seccomp'],
    builtinName: 'runsc',
    binaries: ['runsc'],
    verified: true,
    supportsJsonLog: true,
    // `runsc flags`: "-systemd-cgroup  EXPERIMENTAL. Use systemd for cgroups."
    supportsSystemdCgroup: true,
    // runsc's default network mode ("sandbox") refuses the host network namespace.
    hostNetworkArgs: ['--network=none'],
    // runsc 2022-12 decides "am I in the root netns?" by whether /proc/sys/net/core/rmem_default exists. On
    // newer kernels (6.18 here) that sysctl exists in every netns, so "sandbox" mode fails in a private netns
    // too: `cannot run with network enabled in root network namespace` (also with a pre-created netns
    // path). Our private netns has only loopback, which --network=none gives as well. Retire this when
    // runsc is upgraded or the engine sets up interfaces in the netns (then runsc needs "sandbox" mode).
    privateNetworkArgs: ['--network=none'],
    supportsExec: true,
    supportsTty: true,
    supportsPause: true,
  },
  // NOT VERIFIED HERE (youki is not packaged for Debian 12): youki's README command table and `youki --help`
  // list --log-format, --systemd-cgroup, exec, pause/resume and --console-socket.
  youki: {
    consoleNeedsDetach: true, // runc's CLI rules, assumed (not verified here)
    builtinName: 'youki',
    binaries: ['youki'],
    verified: false,
    supportsJsonLog: true,
    supportsSystemdCgroup: true,
    hostNetworkArgs: NONE,
    privateNetworkArgs: NONE,
    supportsExec: true,
    supportsTty: true,
    supportsPause: true,
  },
  // NOT VERIFIED HERE: Kata 1.x's runc-compatible CLI (podman's `kata` entry). Kata 2.x ships only the
  // containerd shim v2 (io.containerd.kata.v2), which tsengine refuses.
  'kata-runtime': {
    consoleNeedsDetach: true, // runc's CLI rules, assumed (not verified here)
    builtinName: 'kata',
    binaries: ['kata-runtime', 'kata-qemu', 'kata-fc'],
    verified: false,
    supportsJsonLog: true, // podman's runtime_supports_json lists kata
    supportsSystemdCgroup: true,
    hostNetworkArgs: NONE,
    privateNetworkArgs: NONE,
    supportsExec: true,
    supportsTty: true,
    supportsPause: true,
  },
  // NOT VERIFIED HERE: crun-vm runs VM images; its docs route `exec` through SSH into the guest. Pausing a
  // VM through the cgroup freezer is not documented: assumed unsupported.
  'crun-vm': {
    builtinName: 'crun-vm',
    binaries: ['crun-vm'],
    verified: false,
    supportsJsonLog: true,
    supportsSystemdCgroup: true,
    hostNetworkArgs: NONE,
    privateNetworkArgs: NONE,
    supportsExec: true,
    supportsTty: true,
    supportsPause: false,
  },
  // NOT VERIFIED HERE: crun built with libkrun, installed as a `krun` symlink that crun recognises by its
  // argv[0]. `exec` does not enter the microVM (containers/crun#1098, #2090): unsupported. Pause: undocumented.
  krun: {
    builtinName: 'krun',
    binaries: ['krun'],
    byInvocationName: true,
    verified: false,
    supportsJsonLog: true,
    supportsSystemdCgroup: true,
    hostNetworkArgs: NONE,
    privateNetworkArgs: NONE,
    supportsExec: false,
    supportsTty: true,
    supportsPause: false,
  },
  // Any other runc-compatible CLI: the flags runc's CLI defines (youki's liboci-cli defines the same set).
  generic: {
    consoleNeedsDetach: true, // runc's CLI rules, assumed (not verified here)
    binaries: NONE,
    verified: false,
    supportsJsonLog: true,
    supportsSystemdCgroup: true,
    hostNetworkArgs: NONE,
    privateNetworkArgs: NONE,
    supportsExec: true,
    supportsTty: true,
    supportsPause: true,
  },
};

const KINDS = Object.keys(RUNTIME_TRAITS) as RuntimeKind[];
const BY_BINARY: ReadonlyMap<string, RuntimeKind> = new Map(KINDS.flatMap((k) => RUNTIME_TRAITS[k].binaries.map((b) => [b, k] as const)));

/** The runtimes podman knows by name (built-in names → kind), for lookups and `runtime ls`. */
export const BUILTIN_RUNTIMES: ReadonlyMap<string, RuntimeKind> = new Map(
  KINDS.flatMap((k) => {
    const name = RUNTIME_TRAITS[k].builtinName;
    return name === undefined ? [] : [[name, k] as const];
  }),
);

/** Which known CLI the binary at `path` is (see the module comment); throws if the path cannot be resolved. */
export function kindOf(path: string): RuntimeKind {
  const invoked = BY_BINARY.get(basename(path));
  if (invoked !== undefined && RUNTIME_TRAITS[invoked].byInvocationName === true) return invoked;
  return BY_BINARY.get(basename(realpathSync(path))) ?? 'generic';
}
