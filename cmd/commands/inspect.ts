import { EngineError, isEngineError } from '../../engine/index.ts';
import { defineCommand, type CommandSpec } from '../command.ts';
import type { Args, CliContext } from '../context.ts';
import { renderInspect } from '../format/report.ts';

/**
 * Prints a JSON array of what was found (also when something was not: podman prints `[]` and exits 125),
 * or the --format template applied to each object.
 */
async function inspectObjects(ctx: CliContext, args: Args, type: string): Promise<number> {
  const engine = await ctx.engine();
  const names = (args['names'] as string[]).map(String);
  const found: unknown[] = [];
  let failure: unknown;
  if (!['image', 'container', 'all'].includes(type)) {
    throw new EngineError('INVALID_ARGUMENT', `invalid type "${type}": must be one of container, image, all`);
  }
  for (const name of names) {
    try {
      // A container wins over an image of the same name, as podman.
      if (type !== 'image' && (await engine.containers.exists(name))) found.push(await engine.containers.inspect(name));
      else if (type === 'container') throw new EngineError('CONTAINER_NOT_FOUND', `no such container ${name}`);
      else found.push(await engine.images.inspect(name));
    } catch (e) {
      if (!isEngineError(e) || !['IMAGE_NOT_FOUND', 'INVALID_REFERENCE', 'CONTAINER_NOT_FOUND'].includes(e.code)) throw e;
      failure ??=
        type === 'image'
          ? new EngineError('IMAGE_NOT_FOUND', `${name}: image not known`)
          : type === 'container'
            ? new EngineError('CONTAINER_NOT_FOUND', `no such container ${name}`)
            : new EngineError('IMAGE_NOT_FOUND', `no such object: "${name}"`);
    }
  }
  const format = typeof args['format'] === 'string' ? args['format'] : undefined;
  ctx.stdout.write(renderInspect(format, found));
  if (failure) throw failure;
  return 0;
}

const formatFlag = { alias: 'f', type: 'string', describe: 'Format the output with a Go template' } as const;

export const inspect: CommandSpec = defineCommand({
  command: 'inspect <names..>',
  describe: 'Display the configuration of an object',
  flags: (y) =>
    y
      .positional('names', { type: 'string', array: true })
      .option('format', formatFlag)
      .option('type', { alias: 't', type: 'string', default: 'all', describe: 'Only look for this type (container, image, all)' }),
  run: (ctx, args) => inspectObjects(ctx, args, String(args['type'])),
});

export const containerInspect: CommandSpec = defineCommand({
  command: 'inspect <names..>',
  describe: 'Display the configuration of a container',
  flags: (y) => y.positional('names', { type: 'string', array: true }).option('format', formatFlag),
  run: (ctx, args) => inspectObjects(ctx, args, 'container'),
});

export const imageInspect: CommandSpec = defineCommand({
  command: 'inspect <names..>',
  describe: 'Display the configuration of an image',
  flags: (y) => y.positional('names', { type: 'string', array: true }).option('format', formatFlag),
  run: (ctx, args) => inspectObjects(ctx, args, 'image'),
});
