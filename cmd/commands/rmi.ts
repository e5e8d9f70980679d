import { defineCommand, UsageError } from '../command.ts';
import { removeEach } from './remove-each.ts';

export const rmi = defineCommand({
  command: 'rmi [images..]',
  describe: 'Remove one or more images',
  flags: (y) =>
    y
      .positional('images', { type: 'string', array: true })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Remove an image even when it has several names' })
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Remove all images' }),
  run: async (ctx, args) => {
    const names = ((args['images'] as string[] | undefined) ?? []).map(String);
    if (args['all'] && names.length > 0) throw new UsageError('when using the --all switch, you may not pass any images names or IDs', 'rmi');
    if (!args['all'] && names.length === 0) throw new UsageError('image name or ID must be specified', 'rmi');
    const engine = await ctx.engine();
    const targets = args['all'] ? (await engine.images.list()).map((i) => i.id) : names;
    return removeEach(ctx, targets, async (name) => {
      const r = await engine.images.remove(name, { force: args['force'] === true || args['all'] === true });
      for (const t of r.untagged) ctx.stdout.write(`Untagged: ${t}\n`);
      for (const d of r.deleted) ctx.stdout.write(`Deleted: ${d}\n`);
    });
  },
});
