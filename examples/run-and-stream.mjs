#!/usr/bin/env node
// Embedding tsengine: pull an image (when it is not stored yet), run a command in a container, stream its
// output as it is written, and print its exit code. No daemon: the container is watched by its own monitor
// process, and this program may exit at any time.
//
//   node examples/run-and-stream.mjs [IMAGE] [COMMAND...]
//
// IMAGE defaults to $EXAMPLE_IMAGE, else alpine. The store is the default one (/var/lib/tsengine as root,
// or TSENGINE_ROOT / TSENGINE_RUNROOT). Exits with the container's own exit code.
import { Engine, isEngineError } from 'tsengine';

const [image = process.env.EXAMPLE_IMAGE ?? 'alpine', ...command] = process.argv.slice(2);
const cmd = command.length > 0 ? command : ['sh', '-c', 'for i in 1 2 3; do echo "tick $i"; sleep 0.2; done; echo "to stderr" >&2; exit 3'];

// Ctrl-C stops following the logs; the container is stopped then, too.
const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());

// Plain JavaScript on Node 20 has no `await using` (TypeScript compiles it down): close in `finally`.
const engine = await Engine.open();
try {
  if (!(await engine.images.exists(image))) {
    const done = new Set();
    const pulled = await engine.images.pull(image, {
      signal: interrupt.signal,
      onProgress: (e) => {
        if (e.type === 'layer' && (e.phase === 'done' || e.phase === 'exists') && !done.has(e.digest)) {
          done.add(e.digest);
          process.stderr.write(`layer ${e.digest.slice(7, 19)} ${e.phase} (${e.total} bytes)\n`);
        }
      },
    });
    process.stderr.write(`pulled ${pulled.reference} (${pulled.id.slice(0, 12)})\n`);
  }

  const { id } = await engine.containers.create({ image, command: cmd });
  const { logOffset } = await engine.containers.start(id);
  try {
    // Records arrive while the container writes; with `follow` the iteration ends once it has exited.
    for await (const record of engine.containers.logs(id, { follow: true, offset: logOffset, signal: interrupt.signal })) {
      (record.stream === 'stdout' ? process.stdout : process.stderr).write(record.text);
    }
    const { exitCode } = await engine.containers.wait(id);
    process.stdout.write(`exit code ${exitCode}\n`);
    process.exitCode = exitCode;
  } finally {
    await engine.containers.remove(id, { force: true });
  }
} catch (e) {
  if (interrupt.signal.aborted) {
    process.exitCode = 130;
  } else if (isEngineError(e)) {
    // Callers test the code, never the message.
    process.stderr.write(`Error (${e.code}): ${e.message}\n`);
    process.exitCode = e.code === 'IMAGE_NOT_FOUND' || e.code === 'MANIFEST_UNKNOWN' ? 2 : 125;
  } else {
    throw e;
  }
} finally {
  await engine.close();
}
