/**
 * The shapes every runtime config source is parsed into (tsengine.toml, daemon.json, containers.conf,
 * EngineOptions), and the one rule shared by the daemon.json shape in both files: what a `runtimeType`
 * entry means.
 */
export type RuntimeSourceKind = 'options' | 'tsengine.toml' | 'daemon.json' | 'containers.conf';

/** One name's registration, as one source defines it. */
export interface RuntimeEntry {
  readonly name: string;
  /** Candidates, first usable wins: absolute paths, or bare names looked up on PATH. Empty: the name is looked up as if unregistered (containers.conf `runtimes_flags` alone). */
  readonly paths: readonly string[];
  /** Global args, verbatim, before the subcommand. */
  readonly args: readonly string[];
  /** containerd shim v2 type: the entry is listed but refused when used. */
  readonly shimType?: string;
  /** The file that defines it, or 'options' (EngineOptions.runtimes). */
  readonly file: string;
  /** 1-based line of its definition, when the file's layout shows it. */
  readonly line?: number;
  readonly sourceKind: RuntimeSourceKind;
}

/** Which runtime containers get when none is asked for, and who said so. */
export interface DefaultRuntimeSetting {
  readonly name: string;
  /** A file, 'options' (EngineOptions.defaultRuntime: the CLI's --runtime), 'TSENGINE_RUNTIME', or 'built-in'. */
  readonly file: string;
  readonly line?: number;
}

/** What one source contributes. */
export interface RuntimeLayer {
  readonly sourceKind: RuntimeSourceKind;
  /** Files read (that existed), lowest precedence first. */
  readonly files: readonly string[];
  readonly entries: ReadonlyMap<string, RuntimeEntry>;
  readonly defaultRuntime?: DefaultRuntimeSetting;
}

/** `file:line`, or `file` when the line is unknown. */
export function placeOf(e: { readonly file: string; readonly line?: number | undefined }): string {
  return e.line === undefined ? e.file : `${e.file}:${e.line}`;
}

/**
 * A daemon.json-shaped `runtimeType`. containerd's runc shim (io.containerd.runc.v1/v2) only drives a
 * runc-compatible binary, named by `options.BinaryName` (default runc): that binary is what we run
 * (nvidia-ctk writes NVIDIA's runtime this way). Any other shim (kata v2, runsc, wasmtime, spin) speaks
 * containerd's gRPC shim API, which tsengine does not: the entry is kept as refused.
 */
export function fromRuntimeType(runtimeType: string, options: Readonly<Record<string, unknown>> | undefined): { paths: string[] } | { shimType: string } {
  if (runtimeType === 'io.containerd.runc.v2' || runtimeType === 'io.containerd.runc.v1') {
    const bin = options?.['BinaryName'];
    return { paths: [typeof bin === 'string' && bin !== '' ? bin : 'runc'] };
  }
  return { shimType: runtimeType };
}
