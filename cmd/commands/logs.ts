import { defineCommand, UsageError } from '../command.ts';
import { parseGoDuration } from '../format/human.ts';

/** `--since/--until`: RFC 3339, a unix time (seconds, may have a fraction), or a Go duration before now. */
export function parseTimeFlag(text: string, now: Date, flag: string): Date {
  if (/^\d+(\.\d+)?$/.test(text)) return new Date(Number(text) * 1000);
  const d = new Date(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(d.getTime())) return d;
  try {
    return new Date(now.getTime() - parseGoDuration(text));
  } catch (e) {
    if ((e as { code?: string }).code !== 'INVALID_ARGUMENT') throw e;
    throw new UsageError(`invalid value for ${flag}: "${text}" (expected RFC 3339, a unix time or a duration such as 10m)`, 'logs');
  }
}

export const logs = defineCommand({
  command: 'logs <container>',
  describe: "Fetch a container's logs",
  flags: (y) =>
    y
      .positional('container', { type: 'string' })
      .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'Follow the output until the container exits' })
      .option('tail', { type: 'number', describe: 'Only the last N lines' })
      .option('since', { type: 'string', describe: 'Only logs since this time (RFC 3339, unix time, or a duration like 10m)' })
      .option('until', { type: 'string', describe: 'Only logs before this time' })
      .option('timestamps', { alias: 't', type: 'boolean', default: false, describe: 'Show timestamps' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    const now = new Date();
    const since = typeof args['since'] === 'string' ? parseTimeFlag(args['since'], now, '--since') : undefined;
    const until = typeof args['until'] === 'string' ? parseTimeFlag(args['until'], now, '--until') : undefined;
    const tail = typeof args['tail'] === 'number' && args['tail'] >= 0 ? args['tail'] : undefined;
    const stamps = args['timestamps'] === true;
    let lineStart = { stdout: true, stderr: true };
    for await (const r of engine.containers.logs(String(args['container']), {
      follow: args['follow'] === true,
      ...(since ? { since } : {}),
      ...(until ? { until } : {}),
      ...(tail !== undefined ? { tail } : {}),
      signal: ctx.signal,
    })) {
      const prefix = stamps && lineStart[r.stream] ? `${r.timestamp} ` : '';
      (r.stream === 'stdout' ? ctx.stdout : ctx.stderr).write(prefix + r.text);
      lineStart = { ...lineStart, [r.stream]: r.text.endsWith('\n') };
    }
    return 0;
  },
});
