// Bundles the CLI entry points into single files (dist/cmd/main.js, dist/cmd/cleanup-main.js), replacing
// tsc's per-module output for them. Node spends most of a short command loading modules: yargs alone is
// ~70 files, and every `tsengine` call (and every container's cleanup) pays it (measured: `--help` 0.31 s
// → 0.19 s, `run --rm` 0.64 s → 0.38 s). Code splitting gained ~20 ms more but broke undici's CommonJS
// interop on dynamic import, so: one file each. The library (dist/engine) and the monitor (dist/monitor)
// stay as tsc wrote them. better-sqlite3 stays external (a native addon).
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3'],
  sourcemap: true,
  logLevel: 'warning',
  // CommonJS dependencies bundled into ESM still call require() for Node builtins.
  banner: { js: "import { createRequire as __tsengineRequire } from 'node:module'; const require = __tsengineRequire(import.meta.url);" },
};

await Promise.all([
  build({ ...common, entryPoints: ['cmd/main.ts'], outfile: 'dist/cmd/main.js' }),
  build({ ...common, entryPoints: ['cmd/cleanup-main.ts'], outfile: 'dist/cmd/cleanup-main.js' }),
]);
