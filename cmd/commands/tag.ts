import { defineCommand } from '../command.ts';

export const tag = defineCommand({
  command: 'tag <image> <targets..>',
  describe: 'Add one or more names to a local image',
  flags: (y) => y.positional('image', { type: 'string' }).positional('targets', { type: 'string', array: true }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    for (const t of args['targets'] as string[]) await engine.images.tag(String(args['image']), String(t));
    return 0;
  },
});
