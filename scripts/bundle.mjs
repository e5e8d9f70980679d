// Bundles the CLI entry points (dist/cmd/main.js, dist/cmd/cleanup-main.js), replacing tsc's per-module
// output for them. Node spends most of a short command loading modules: yargs alone is ~70 files, and
// every `tsengine` call (and every container's cleanup) pays it (measured: `--help` 0.31 s → 0.19 s,
// `run --rm` 0.64 s → 0.38 s). Code splitting keeps undici (1.2 MB of the 2 MB) in a chunk that only the
// registry verbs load (another ~20 ms off `ps`/`run`); engine/ reaches undici only through its own
// registry modules, whose static imports keep the CommonJS interop right. Minifying measured no gain.
// The library (dist/engine) and the monitor (dist/monitor) stay as tsc wrote them. better-sqlite3 stays
// external (a native addon).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { build } from 'esbuild';

// Chunk names carry content hashes: without this, every build's chunks would pile up (and be packed).
rmSync('dist/cmd/chunks', { recursive: true, force: true });
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

// ---- the start-up snapshot and the `tsengine` launcher ----
// A CommonJS bundle of cmd/snapshot-entry.ts, evaluated once by `node --build-snapshot`; every `tsengine`
// call then deserializes that heap (cmd/snapshot-entry.ts says what it saves). CommonJS because node 20
// builds snapshots from one classic script. Patches below make the module graph snapshot-safe (and cheaper
// to start): string-width
// creates an Intl.Segmenter at import (ICU objects cannot be serialized; made lazy), and yargs' platform
// shim reads process.stdout.columns at import (that would open stdout during the build; we set the
// width ourselves in cmd/cli.ts). `import.meta.url` becomes a global that the snapshot's main function sets
// from argv[1], so package-relative paths point at this package wherever it is installed.
const snapshotSafe = {
  name: 'snapshot-safe',
  setup(b) {
    b.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, (a) => ({
      contents: patch(a.path, 'const segmenter = new Intl.Segmenter();', 'let segmenterInstance; const segmenter = { segment: (s) => (segmenterInstance ??= new Intl.Segmenter()).segment(s) };'),
      loader: 'js',
    }));
    // Every yargs() guesses its own version by finding and reading a package.json (~6 ms); cmd/cli.ts
    // sets ours explicitly right after.
    b.onLoad({ filter: /[\\/]yargs[\\/]build[\\/]lib[\\/]yargs-factory\.js$/ }, (a) => ({
      contents: patch(a.path, '        yargs.version();\n', ''),
      loader: 'js',
    }));
    // better-sqlite3's JavaScript goes into the snapshot; storage/sqlite.snapshot.ts loads its binding.
    b.onResolve({ filter: /^\.\/sqlite\.ts$/ }, (a) =>
      a.importer.endsWith(`${sep}storage${sep}db.ts`) ? { path: join(dirname(a.importer), 'sqlite.snapshot.ts') } : undefined,
    );
    // undici (1.2 MB of source, ~3 ms of every start to deserialize) stays out of the snapshot: only the
    // registry verbs use it, and they require it from node_modules at their first request.
    b.onResolve({ filter: /^undici$/ }, () => ({ path: 'undici', namespace: 'load-at-run-time' }));
    b.onLoad({ filter: /^undici$/, namespace: 'load-at-run-time' }, () => ({
      contents: "module.exports = require('node:module').createRequire(globalThis.__tsengineModuleUrl)('undici');",
      loader: 'js',
    }));
    // yargs checks the types of every API call's arguments against a usage string (`argsert('<string>
    // [object]', …)`), parsing that string each time: ~200 calls per verb. The same few strings, parsed once.
    b.onLoad({ filter: /[\\/]yargs[\\/]build[\\/]lib[\\/]argsert\.js$/ }, (a) => ({
      contents: patch(
        a.path,
        '                parseCommand(`cmd ${arg1}`),',
        '                argsertUsage.get(arg1) ?? argsertUsage.set(arg1, parseCommand(`cmd ${arg1}`)).get(arg1),',
      ).replace('export function argsert(', 'const argsertUsage = new Map();\nexport function argsert('),
      loader: 'js',
    }));
    b.onLoad({ filter: /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, (a) => ({
      contents: patch(a.path, "typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null", 'null'),
      loader: 'js',
    }));
  },
};

/** Replaces `from` in a dependency's source, failing the build if a new version no longer has it. */
function patch(path, from, to) {
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`snapshot patch: ${path} no longer contains ${JSON.stringify(from)}; re-check scripts/bundle.mjs`);
  return text.replace(from, to);
}

await build({
  entryPoints: ['cmd/snapshot-entry.ts'],
  outfile: 'dist/cmd/snapshot-entry.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  plugins: [snapshotSafe],
  // V8 keeps the bundle's source in the heap, as a two-byte string if any character is not Latin-1 (one
  // comment's `→` or `’` doubles it): whitespace and comments out, 10.3 → 7.3 MB of snapshot, ~9 ms off
  // every start. Names stay, for readable stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  define: { 'import.meta.url': 'globalThis.__tsengineModuleUrl' },
  // At build time the bundle's own location stands in; the main function replaces it.
  banner: { js: "globalThis.__tsengineModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
const blob = 'dist/cmd/tsengine.blob';
const made = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', 'dist/cmd/snapshot-entry.cjs'], {
  stdio: ['ignore', 'inherit', 'pipe'],
  encoding: 'utf8',
});
// node 20 warns about every builtin it has not verified for snapshots; those warnings are expected.
const stderr = made.stderr.split('\n').filter((l) => l && !/not yet fully verified|may still work|To request support|trace-warnings/.test(l));
if (made.status !== 0) throw new Error(`building the start-up snapshot failed (${made.status ?? made.signal}):\n${stderr.join('\n')}`);
// Which node built it: the engine runs a container's cleanup from the snapshot only under that node.
writeFileSync(`${blob}.json`, `${JSON.stringify({ execPath: process.execPath, version: process.version })}\n`);

// The launcher: the snapshot is only valid for the node binary that built it, so it is used only when
// `node` on PATH is that binary and is not newer than the blob (an upgraded node falls back to plain
// start-up instead of failing). Shell builtins only, but for readlink when $0 is a symlink (npm's bin
// link): each fork costs a few milliseconds.
// NODE_EXTRA_CA_CERTS makes node parse that file before running anything: ~40 ms of every call with the
// system bundle (node -e 0: 67 → 26 ms here), while only pulls open TLS connections. The launcher hands
// it on as TSENGINE_EXTRA_CA_CERTS, which the engine reads into the registry's TLS pool
// (RegistryOptions.caFile); node, the monitor and the cleanup process start without it.
writeFileSync(
  'dist/cmd/tsengine',
  `#!/bin/sh
# tsengine launcher, written by scripts/bundle.mjs: runs the CLI from its start-up snapshot when it fits.
self=$0
if [ -L "$self" ]; then self=$(readlink -f "$self") || exit 125; fi
case $self in */*) dir=\${self%/*} ;; *) dir=. ;; esac
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
if [ -n "\${NODE_EXTRA_CA_CERTS-}" ]; then
  export TSENGINE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"
  unset NODE_EXTRA_CA_CERTS
fi
# glibc's malloc on transparent huge pages, with its heap grown 16 MiB at a time: node's start-up (reading
# the snapshot, deserializing it) touches ~20 MiB, and 4 KiB page faults were ~1/3 of it (wait: 62 → 53 ms).
# Only when the caller set no GLIBC_TUNABLES of their own; the CLI drops both variables at once
# (cmd/launcher-env.ts), so nothing it starts (monitor, runtime, container) inherits them.
if [ -z "\${GLIBC_TUNABLES+set}" ]; then
  export GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.top_pad=16777216 TSENGINE_GLIBC_TUNABLES=1
fi
node=$(command -v node) || { echo "Error: node not found in PATH" >&2; exit 125; }
# Rootless (euid != 0): join the user namespace's holder before node starts (node, multi-threaded, cannot
# setns into a user namespace); with no live holder the helper just execs node, which makes one.
userns="$dir/../../build/Release/tsengine-userns"
euid=0
if [ -x "$userns" ]; then
  while read -r key _ euid _; do [ "$key" = Uid: ] && break; done </proc/self/status
fi
if [ "$node" = ${shellQuote(process.execPath)} ] && [ "$dir/tsengine.blob" -nt "$node" ]; then
  [ "$euid" != 0 ] && exec "$userns" join-default -- "$node" --snapshot-blob "$dir/tsengine.blob" "$dir/main.js" "$@"
  exec "$node" --snapshot-blob "$dir/tsengine.blob" "$dir/main.js" "$@"
fi
[ "$euid" != 0 ] && exec "$userns" join-default -- "$node" "$dir/main.js" "$@"
exec "$node" "$dir/main.js" "$@"
`,
  { mode: 0o755 },
);

function shellQuote(s) {
  return `'${s.replaceAll("'", "'\\''")}'`;
}
