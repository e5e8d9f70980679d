/**
 * What the `tsengine` launcher (scripts/bundle.mjs) sets for node's own start-up only. When the caller
 * had no GLIBC_TUNABLES, the launcher sets glibc's malloc tunables (huge pages, a 16 MiB heap step) and
 * TSENGINE_GLIBC_TUNABLES=1 to say so; both are dropped here, before anything is spawned, so the monitor,
 * the runtime and the cleanup process start with the caller's environment. A caller's own GLIBC_TUNABLES
 * is never touched.
 */
export function dropLauncherEnv(env: NodeJS.ProcessEnv = process.env): void {
  if (env['TSENGINE_GLIBC_TUNABLES'] === undefined) return;
  delete env['GLIBC_TUNABLES'];
  delete env['TSENGINE_GLIBC_TUNABLES'];
}
