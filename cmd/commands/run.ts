import { EngineError, isEngineError, rootlessLimitWarnings, type Engine } from '../../engine/index.ts';
import { defineCommand } from '../command.ts';
import type { Args, CliContext } from '../context.ts';
import { checkCidfile, ensureImage, replaceExisting, writeCidfile } from './create-steps.ts';
import { attachAndWait } from './attach-output.ts';
import { CREATE_FLAGS, createOptionsFrom, RUN_ONLY_FLAGS, withFlags } from './create-flags.ts';
import { detachKeysFor } from '../parse/detach-keys.ts';
import { stdinIsTerminal, terminalSize } from '../terminal.ts';

export async function createFromArgs(ctx: CliContext, args: Args): Promise<{ engine: Engine; id: string }> {
  let options = createOptionsFrom(args, ctx.commandTail, ctx.env); // reads --env-file/--label-file: fails before a pull
  if (options.publish && (options.network === 'host' || options.network === 'none')) {
    ctx.warn('Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use'); // podman's words
    options = { ...options, publish: undefined };
  }
  const cidfile = checkCidfile(args);
  const engine = await ctx.engine();
  await ensureImage(ctx, engine, args); // --pull (create-steps.ts)
  await replaceExisting(engine, args);
  const c = await engine.containers.create(options);
  writeCidfile(cidfile, c.id);
  if (engine.options.rootless) for (const w of rootlessLimitWarnings(options)) ctx.warn(w); // podman's words, no prefix
  return { engine, id: c.id };
}

/** --rm: the monitor's cleanup may have removed it already; that is the same outcome. */
async function removeQuietly(engine: Engine, id: string): Promise<void> {
  await engine.containers.remove(id, { force: true, volumes: true }).catch((e: unknown) => {
    if (!(isEngineError(e) && e.code === 'CONTAINER_NOT_FOUND')) throw e;
  });
}

export const run = defineCommand({
  command: 'run <image>',
  describe: 'Run a command in a new container',
  flags: (y) => withFlags(withFlags(y.positional('image', { type: 'string' }), CREATE_FLAGS), RUN_ONLY_FLAGS),
  run: async (ctx, args) => {
    const tty = args['tty'] === true;
    const interactive = args['interactive'] === true;
    const detachKeys = await detachKeysFor(args['detach-keys'], async () => (args['detach'] ? undefined : (await ctx.engine()).configuredDetachKeys()), 'run');
    // podman's words, and only for -i -t (a -t alone reads no input).
    if (tty && interactive && !args['detach'] && !stdinIsTerminal()) ctx.warn('Warning: The input device is not a TTY. The --tty and --interactive flags might not work properly');
    const { engine, id } = await createFromArgs(ctx, args);
    if (args['detach']) {
      await engine.containers.start(id, { signal: ctx.signal });
      ctx.stdout.write(`${id}\n`);
      return 0;
    }
    let started;
    const size = tty ? terminalSize() : undefined;
    try {
      started = await engine.containers.start(id, { signal: ctx.signal, attach: true, ...(size ? { terminalSize: size } : {}) });
    } catch (e) {
      // The runtime could not run the command: podman's 126/127/125, and --rm still removes it.
      if (args['rm'] && isEngineError(e)) await removeQuietly(engine, id);
      throw e;
    }
    const status = await attachAndWait(ctx, engine, id, { stream: started.attach!, stdin: interactive, tty, detachKeys, sigProxy: args['sig-proxy'] !== false });
    // Detached: it runs on (with --rm, its monitor removes it when it exits).
    if (status === undefined) return 0;
    if (args['rm']) await removeQuietly(engine, id);
    if (status.error !== undefined) throw new EngineError(status.exitCode === 127 ? 'COMMAND_NOT_FOUND' : status.exitCode === 126 ? 'CANNOT_INVOKE' : 'RUNTIME_FAILED', status.error);
    return status.exitCode;
  },
});
