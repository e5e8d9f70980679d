/**
 * The ONLY place that reads a runtime's error text. Telling "command not found" (127) from "cannot invoke"
 * (126) from any other failure (125) has no structured source: runc, crun and runsc all exit with one code
 * (1, 1, 128) whatever went wrong, so we match their messages, per runtime kind, against a table written
 * from the messages they really print. Every row names what produced it; test/unit/runtime/classify.test.ts
 * holds those exact messages and test/integration/runtime/classify-real.test.ts re-checks them against the
 * installed runtimes. Measured with runc 1.1.5, crun 1.8.1, runsc 0.0~20221219.0.
 *
 * Rules are anchored to the exec step (the words around the errno), so a failure elsewhere that ends in
 * the same errno (`setrlimit …: Operation not permitted`, `invalid rootfs: stat …: no such file or
 * directory`) stays RUNTIME_FAILED instead of becoming 126/127.
 *
 * Semantics (podman's 030-run.bats table; POSIX shells): 127 = nothing to run at that name (no such file,
 * not in PATH, a path component not a directory); 126 = something is there but cannot be executed (a
 * directory, no x bit, EPERM, ENOEXEC: wrong architecture or not a binary). A script whose interpreter is
 * missing fails with ENOENT; runsc's text cannot tell that from a missing command, so it is 127 for every
 * kind (bash would say 126).
 *
 * Where the text comes from: runc and crun report a failed lookup or open as their own error (JSON log and
 * stderr, runtime exit 1). A failure of execve() itself (ENOEXEC, missing interpreter) happens after they
 * handed over to the container process: they exit 1 *as the container*, with the message on the
 * container's stderr and nothing in the log (crun writes it there as a JSON object). runsc reports every
 * case as its own error (log + stderr, exit 128).
 */
import type { RuntimeKind } from './profiles.ts';

export type RuntimeFailure = 'COMMAND_NOT_FOUND' | 'CANNOT_INVOKE' | 'RUNTIME_FAILED';

interface Rule {
  readonly pattern: RegExp;
  readonly failure: Exclude<RuntimeFailure, 'RUNTIME_FAILED'>;
}

const NOT_FOUND = 'COMMAND_NOT_FOUND';
const CANNOT_INVOKE = 'CANNOT_INVOKE';

/** Per kind, first match wins. Each comment quotes the message the rule was written from. */
const RULES = {
  runc: [
    // exec: "nosuchcmd": executable file not found in $PATH
    { pattern: /exec: ".*": executable file not found in \$PATH/, failure: NOT_FOUND },
    // exec: "/no/such/command": stat /no/such/command: no such file or directory
    // exec: "/etc/passwd/x": stat /etc/passwd/x: not a directory
    { pattern: /exec: ".*": stat .*: (?:no such file or directory|not a directory)$/m, failure: NOT_FOUND },
    // exec: "/etc": permission denied                (a directory, a chmod 644 file, /dev/null)
    { pattern: /exec: ".*": (?:permission denied|operation not permitted)$/m, failure: CANNOT_INVOKE },
    // after hand-over, on the container's stderr:  exec /badinterp.sh: no such file or directory
    { pattern: /^exec \S.*: (?:no such file or directory|not a directory)$/m, failure: NOT_FOUND },
    // after hand-over, on the container's stderr:  exec /armbox: exec format error
    { pattern: /^exec \S.*: (?:exec format error|permission denied|operation not permitted)$/m, failure: CANNOT_INVOKE },
  ],
  crun: [
    // executable file `nosuchcmd` not found in $PATH: No such file or directory   (also for /no/such/command)
    { pattern: /executable file `.*` not found in \$PATH/, failure: NOT_FOUND },
    // open executable: Not a directory             (/etc/passwd/x)
    { pattern: /^open executable: (?:No such file or directory|Not a directory)$/m, failure: NOT_FOUND },
    // open executable: Operation not permitted     (a directory)
    // open executable: Permission denied           (a chmod 644 file, /dev/null)
    { pattern: /^open executable: (?:Operation not permitted|Permission denied)$/m, failure: CANNOT_INVOKE },
    // after hand-over: exec container process (missing dynamic library?) `/badinterp.sh`: No such file or directory
    { pattern: /exec container process (?:\(missing dynamic library\?\) )?`.*`: (?:No such file or directory|Not a directory)/, failure: NOT_FOUND },
    // after hand-over: exec container process `/armbox`: Exec format error
    { pattern: /exec container process `.*`: (?:Exec format error|Permission denied|Operation not permitted)/, failure: CANNOT_INVOKE },
  ],
  runsc: [
    // error finding executable "nosuchcmd" in PATH [/usr/local/sbin … /bin]: no such file or directory
    { pattern: /error finding executable ".*" in PATH/, failure: NOT_FOUND },
    // creating process: failed to load /no/such/command: no such file or directory   (also a missing interpreter)
    // creating process: failed to load /etc/passwd/x: not a directory
    // exec: executing processes for container: executing command "/no/such" in sandbox: failed to load /no/such: no such file or directory
    { pattern: /(?:creating process|in sandbox): failed to load .*: (?:no such file or directory|not a directory)$/m, failure: NOT_FOUND },
    // creating process: failed to load /etc: permission denied     (a directory, a chmod 644 file, /dev/null)
    // creating process: failed to load /armbox: exec format error  (aarch64 binary; a file that is not a binary)
    // exec: executing processes for container: executing command "/etc" in sandbox: failed to load /etc: permission denied
    { pattern: /(?:creating process|in sandbox): failed to load .*: (?:permission denied|operation not permitted|exec format error)$/m, failure: CANNOT_INVOKE },
  ],
} satisfies Partial<Record<RuntimeKind, readonly Rule[]>>;

/**
 * For any kind, after its own rules: an exec-step failure worded differently (another version, another
 * runc-compatible CLI). Still anchored to "exec"/"executable" so unrelated EPERM/ENOENT do not match.
 */
const FALLBACK: readonly Rule[] = [
  { pattern: /\bexecutable\b.*\bnot found\b|\bcommand not found\b/i, failure: NOT_FOUND },
  { pattern: /\bexec(?:utable)?\b.*: (?:no such file or directory|not a directory)$/im, failure: NOT_FOUND },
  { pattern: /\bexec(?:utable)?\b.*: (?:permission denied|operation not permitted|exec format error|is a directory)$/im, failure: CANNOT_INVOKE },
];

/** A generic (runc-compatible) CLI may word things like any of the known ones; so may youki, krun, … (no rows of their own: not installed here). */
const GENERIC: readonly Rule[] = [...RULES.runc, ...RULES.crun, ...RULES.runsc];

/**
 * What kind of failure a runtime's error text reports. `message` may hold several lines (all error
 * entries of the JSON log, or the runtime's stderr); any line may decide. Unknown text → RUNTIME_FAILED.
 */
export function classifyRuntimeError(kind: RuntimeKind, message: string): RuntimeFailure {
  const rules: readonly Rule[] = (RULES as Partial<Record<RuntimeKind, readonly Rule[]>>)[kind] ?? GENERIC;
  for (const r of rules) if (r.pattern.test(message)) return r.failure;
  for (const r of FALLBACK) if (r.pattern.test(message)) return r.failure;
  return 'RUNTIME_FAILED';
}

/** podman's exit codes: 127 command not found, 126 cannot invoke, 125 any other runtime or engine failure. */
export function exitCodeFor(f: RuntimeFailure): 125 | 126 | 127 {
  switch (f) {
    case 'COMMAND_NOT_FOUND':
      return 127;
    case 'CANNOT_INVOKE':
      return 126;
    case 'RUNTIME_FAILED':
      return 125;
  }
}
