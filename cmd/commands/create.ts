import { defineCommand } from '../command.ts';
import { CREATE_FLAGS, withFlags } from './create-flags.ts';
import { createFromArgs } from './run.ts';

export const create = defineCommand({
  command: 'create <image>',
  describe: 'Create but do not start a container',
  flags: (y) => withFlags(y.positional('image', { type: 'string' }), CREATE_FLAGS),
  run: async (ctx, args) => {
    const { id } = await createFromArgs(ctx, args);
    ctx.stdout.write(`${id}\n`);
    return 0;
  },
});
