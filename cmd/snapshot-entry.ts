/**
 * The start-up snapshot's entry (scripts/bundle.mjs builds it with `node --build-snapshot`). Building it
 * imports the CLI, the engine and storage, and V8 saves the resulting heap: a `tsengine` call then starts
 * from that heap instead of compiling and evaluating ~2 MB of JavaScript (measured: `ps` 150 → 100 ms,
 * `run --rm` 330 → 245 ms). What must happen per process happens in the main function below, never at
 * import: modules of ours read the environment, the terminal and the clock only when called.
 *
 * One snapshot serves both programs: `node --snapshot-blob B <dist/cmd/main.js | dist/cmd/cleanup-main.js>
 * ARGS…`; argv[1] names the program (and where the package is), as it would without the snapshot.
 */
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startupSnapshot } from 'node:v8';
import { cleanupMain } from './cleanup.ts';
import { prebuildFastPath, prebuildRootParser } from './cli.ts';
import { cliMain, warmUp, warmUpCycle } from './cli-main.ts';
import { warmUpEngine, warmUpProcesses } from '../engine/index.ts';

/** Stands in for `import.meta.url` in the snapshot bundle (esbuild `define`); set before anything reads it. */
declare global {
  // eslint-disable-next-line no-var
  var __tsengineModuleUrl: string;
}

startupSnapshot.setDeserializeMainFunction(async () => {
  const program = process.argv[1] ?? '';
  globalThis.__tsengineModuleUrl = pathToFileURL(program).href;
  const args = process.argv.slice(2);
  process.exit(basename(program) === 'cleanup-main.js' ? await cleanupMain(args) : await cliMain(args));
});

// The heap is saved once the event loop is idle, so the warm-up finishes first (a failure fails the build).
warmUpEngine();
prebuildFastPath() // first: the warm-ups' simple lines then go through it, as users' do
  .then(warmUp)
  .then(warmUpProcesses)
  .then(warmUpCycle)
  .then(prebuildRootParser) // after the warm-up's parses, which must not touch it
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
