/** `tsengine volume create|ls|inspect|rm|prune` (podman's words and exit codes). */
import { EngineError, isEngineError, type VolumeSummary } from '../../engine/index.ts';
import { defineCommand, UsageError } from '../command.ts';
import { renderInspect, renderRows } from '../format/report.ts';
import { removeEach } from './remove-each.ts';
import { labelsOf, strList } from '../parse/args.ts';



export const volumeCreate = defineCommand({
  command: 'create [name]',
  describe: 'Create a new volume',
  flags: (y) =>
    y
      .positional('name', { type: 'string' })
      .option('driver', { alias: 'd', type: 'string', describe: 'Volume driver (only local)' })
      .option('label', { alias: 'l', type: 'string', array: true, nargs: 1, describe: 'Set metadata for a volume (K=V)' })
      .option('ignore', { type: 'boolean', default: false, describe: 'Do not fail if the volume already exists' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    const name = typeof args['name'] === 'string' ? args['name'] : undefined;
    try {
      const v = await engine.volumes.create({
        ...(name !== undefined ? { name } : {}),
        labels: labelsOf(strList(args['label'])),
        ...(typeof args['driver'] === 'string' ? { driver: args['driver'] } : {}),
      });
      ctx.stdout.write(`${v.name}\n`);
    } catch (e) {
      if (!(args['ignore'] === true && name !== undefined && isEngineError(e) && e.code === 'NAME_IN_USE')) throw e;
      ctx.stdout.write(`${name}\n`);
    }
    return 0;
  },
});

function row(v: VolumeSummary) {
  return { Name: v.name, Driver: v.driver, Mountpoint: v.mountpoint, Labels: { ...v.labels }, CreatedAt: v.createdAt.toISOString(), Scope: 'local', Anonymous: v.anonymous, InUse: v.inUse };
}

export const volumeLs = defineCommand({
  command: 'ls',
  aliases: ['list'],
  describe: 'List volumes',
  flags: (y) =>
    y
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Print volume names only' })
      .option('format', { type: 'string', describe: 'Format the output with a Go template, `table …`, or `json`' })
      .option('filter', { alias: 'f', type: 'string', array: true, nargs: 1, describe: 'Filter: name=, label=K[=V], dangling=true|false' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    let vols = await engine.volumes.list();
    for (const f of strList(args['filter'])) {
      const i = f.indexOf('=');
      const key = i < 0 ? f : f.slice(0, i);
      const val = i < 0 ? '' : f.slice(i + 1);
      if (key === 'name') vols = vols.filter((v) => v.name.includes(val));
      else if (key === 'dangling') vols = vols.filter((v) => v.inUse === (val === 'false'));
      else if (key === 'label') {
        const j = val.indexOf('=');
        vols = vols.filter((v) => (j < 0 ? val in v.labels : v.labels[val.slice(0, j)] === val.slice(j + 1)));
      } else throw new UsageError(`invalid filter ${JSON.stringify(key)}: use name, label or dangling`, 'volume ls');
    }
    const format = typeof args['format'] === 'string' ? args['format'] : undefined;
    if (args['quiet'] && format === undefined) {
      for (const v of vols) ctx.stdout.write(`${v.name}\n`);
      return 0;
    }
    ctx.stdout.write(renderRows(format, vols.map(row), { defaultTable: 'table {{.Driver}}\t{{.Name}}', headers: { Name: 'VOLUME NAME' } }));
    return 0;
  },
});

export const volumeInspect = defineCommand({
  command: 'inspect <names..>',
  describe: 'Display detailed information on one or more volumes',
  flags: (y) => y.positional('names', { type: 'string', array: true }).option('format', { alias: 'f', type: 'string', describe: 'Format the output with a Go template or `json`' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    const found = [];
    const errors: string[] = [];
    for (const n of strList(args['names'])) {
      try {
        found.push(await engine.volumes.inspect(n));
      } catch (e) {
        if (!(isEngineError(e) && e.code === 'VOLUME_NOT_FOUND')) throw e;
        errors.push(e.message);
      }
    }
    ctx.stdout.write(renderInspect(typeof args['format'] === 'string' ? args['format'] : undefined, found));
    if (errors.length > 0) throw new EngineError('VOLUME_NOT_FOUND', errors.join('; '));
    return 0;
  },
});

export const volumeRm = defineCommand({
  command: 'rm [names..]',
  aliases: ['remove'],
  describe: 'Remove one or more volumes',
  flags: (y) =>
    y
      .positional('names', { type: 'string', array: true })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Remove the containers using the volume first' })
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Remove all volumes' }),
  run: async (ctx, args) => {
    const given = strList(args['names']);
    if (args['all'] && given.length > 0) throw new UsageError('choose either one or more volumes or all', 'volume rm');
    if (!args['all'] && given.length === 0) throw new UsageError('choose either one or more volumes or all', 'volume rm');
    const engine = await ctx.engine();
    const items = args['all'] ? (await engine.volumes.list()).map((v) => v.name) : given;
    return removeEach(ctx, items, async (name) => {
      if (args['force'] === true) {
        for (const c of (await engine.volumes.inspect(name)).UsedBy) await engine.containers.remove(c, { force: true, volumes: true });
        if (!(await engine.volumes.exists(name))) return void ctx.stdout.write(`${name}\n`); // it was anonymous: gone with its container
      }
      await engine.volumes.remove(name);
      ctx.stdout.write(`${name}\n`);
    });
  },
});

export const volumePrune = defineCommand({
  command: 'prune',
  describe: 'Remove all volumes no container uses',
  flags: (y) => y.option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Do not prompt (tsengine never prompts)' }),
  run: async (ctx) => {
    const engine = await ctx.engine();
    for (const name of await engine.volumes.prune()) ctx.stdout.write(`${name}\n`);
    return 0;
  },
});

export const VOLUME_SUB = [volumeCreate, volumeLs, volumeInspect, volumeRm, volumePrune] as const;
