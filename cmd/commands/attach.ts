/** attach CONTAINER: its output from now on, our stdin to it (when it was created with -i), until it exits or we detach. */
import { EngineError } from '../../engine/index.ts';
import { defineCommand } from '../command.ts';
import { detachKeysFor } from '../parse/detach-keys.ts';
import { terminalSize } from '../terminal.ts';
import { attachAndWait } from './attach-output.ts';

export const attach = defineCommand({
  command: 'attach <container>',
  describe: 'Attach to a running container',
  flags: (y) =>
    y
      .positional('container', { type: 'string' })
      .option('detach-keys', { type: 'string', describe: 'Key sequence for detaching (default: containers.conf detach_keys, else ctrl-p,ctrl-q; "" disables)' })
      .option('no-stdin', { type: 'boolean', default: false, describe: 'Do not attach STDIN' })
      .option('sig-proxy', { type: 'boolean', default: true, describe: 'Proxy received signals to the container' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    const detachKeys = await detachKeysFor(args['detach-keys'], async () => engine.configuredDetachKeys(), 'attach');
    const c = await engine.containers.inspect(String(args['container']));
    const stream = await engine.containers.attach(c.Id);
    const tty = c.Config.Tty;
    // Its pty keeps the size it had: tell it ours (a full-screen program redraws on the SIGWINCH).
    const size = tty ? terminalSize() : undefined;
    if (size) stream.resize(size.rows, size.cols);
    const stdin = args['no-stdin'] !== true && c.Config.OpenStdin;
    const status = await attachAndWait(ctx, engine, c.Id, { stream, stdin, tty, detachKeys, sigProxy: args['sig-proxy'] !== false });
    if (status === undefined) return 0;
    if (status.error !== undefined) throw new EngineError('RUNTIME_FAILED', status.error);
    return status.exitCode;
  },
});
