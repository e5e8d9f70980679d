// Bundles the CLI entry points (dist/cmd/main.js, dist/cmd/cleanup-main.js), replacing tsc's per-module
// output for them. Node spends most of a short command loading modules: yargs alone is ~70 files, and
// every `tsengine` call (and every container's cleanup) pays it (measured: `--help` 0.31 s → 0.19 s,
// `run --rm` 0.64 s → 0.38 s). Code splitting keeps undici (1.2 MB of the 2 MB) in a chunk that only the
// registry verbs load (another ~20 ms off `ps`/`run`); engine/ reaches undici only through its own
// registry modules, whose static imports keep the CommonJS interop right. Minifying measured no gain.
// The library (dist/engine) and the monitor (dist/monitor) stay as tsc wrote them. better-sqlite3 stays
// external (a native addon).
import { build } from 'esbuild';

await build({
  entryPoints: ['cmd/main.ts', 'cmd/cleanup-main.ts'],
  outdir: 'dist/cmd',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3'],
  sourcemap: true,
  logLevel: 'warning',
  // CommonJS dependencies bundled into ESM still call require() for Node builtins.
  banner: { js: "import { createRequire as __tsengineRequire } from 'node:module'; const require = __tsengineRequire(import.meta.url);" },
});
