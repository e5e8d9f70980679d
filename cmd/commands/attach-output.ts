/**
 * Attached output for `run` and `start -a`: the container's log records as they are written, stdout to
 * stdout and stderr to stderr, then its exit status. Stdin (with -i) goes to the container.
 */
import { type Engine, type ExitStatus, isEngineError } from '../../engine/index.ts';
import type { CliContext } from '../context.ts';

export async function attachAndWait(
  ctx: CliContext,
  engine: Engine,
  id: string,
  o: { logOffset: number; stdin: boolean },
): Promise<ExitStatus> {
  // docker's --sig-proxy: Ctrl-C goes to the container, which decides whether to exit.
  const release = ctx.proxySignals((sig) => {
    engine.containers.kill(id, sig).catch((e: unknown) => {
      // It may have exited meanwhile: then there is nothing to signal.
      if (!(isEngineError(e) && (e.code === 'CONTAINER_NOT_RUNNING' || e.code === 'CONTAINER_NOT_FOUND'))) throw e;
    });
  });
  try {
    return await follow(ctx, engine, id, o);
  } finally {
    release();
  }
}

async function follow(ctx: CliContext, engine: Engine, id: string, o: { logOffset: number; stdin: boolean }): Promise<ExitStatus> {
  if (o.stdin) {
    const sink = await engine.containers.openStdin(id);
    ctx.stdin.pipe(sink);
    sink.on('error', () => ctx.stdin.unpipe(sink)); // the container closed its stdin: stop feeding it
  }
  for await (const r of engine.containers.logs(id, { follow: true, offset: o.logOffset, signal: ctx.signal })) {
    (r.stream === 'stdout' ? ctx.stdout : ctx.stderr).write(r.text);
  }
  return engine.containers.wait(id, { signal: ctx.signal });
}
