import type { ContainerSummary } from '../../engine/index.ts';
import { defineCommand } from '../command.ts';
import { humanDuration, timeAgo } from '../format/human.ts';
import { renderRows } from '../format/report.ts';

/** docker's STATUS wording: `Created`, `Up 5 seconds`, `Exited (3) 2 seconds ago`. */
export function statusText(c: ContainerSummary, now: Date): string {
  switch (c.state) {
    case 'created':
      return 'Created';
    case 'running':
      return `Up ${humanDuration(now.getTime() - (c.startedAt ?? c.createdAt).getTime())}`;
    case 'exited':
      return `Exited (${c.exitCode ?? 0}) ${c.finishedAt ? timeAgo(c.finishedAt, now) : ''}`.trimEnd();
    case 'removing':
      return 'Removal In Progress';
  }
}

/** docker's COMMAND column: args with spaces in single quotes, cut to 20 characters unless --no-trunc, quoted. */
function commandText(argv: readonly string[], noTrunc: boolean): string {
  const text = argv.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ');
  return `"${noTrunc || text.length <= 20 ? text : `${text.slice(0, 19)}…`}"`;
}

class ContainerRow {
  readonly ID: string;
  readonly Image: string;
  readonly Command: string;
  readonly CreatedAt: string;
  readonly RunningFor: string;
  readonly Created: string;
  readonly Status: string;
  readonly State: string;
  readonly Ports: string;
  readonly Names: string;
  readonly Runtime: string;
  readonly Labels: Readonly<Record<string, string>>;
  constructor(c: ContainerSummary, o: { noTrunc: boolean; now: Date }) {
    this.ID = o.noTrunc ? c.id : c.id.slice(0, 12);
    this.Image = c.image;
    this.Command = commandText(c.command, o.noTrunc);
    this.CreatedAt = c.createdAt.toISOString();
    this.RunningFor = timeAgo(c.createdAt, o.now);
    this.Created = this.RunningFor;
    this.Status = statusText(c, o.now);
    this.State = c.state;
    this.Names = c.name;
    // docker's `0.0.0.0:8080->80/tcp`; a host port chosen at start is blank until it runs.
    this.Ports = c.ports.map((m) => `${m.hostIp || '0.0.0.0'}:${m.hostPort === 0 ? '' : m.hostPort}->${m.containerPort}/${m.protocol}`).join(', ');
    this.Runtime = c.runtime;
    this.Labels = c.labels;
  }
  /** `{{.Label "key"}}` */
  Label(key: string): string {
    return this.Labels[key] ?? '';
  }
}

export const ps = defineCommand({
  command: 'ps',
  describe: 'List containers',
  flags: (y) =>
    y
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Show all containers (default: running only)' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Print only container IDs' })
      .option('no-trunc', { type: 'boolean', default: false, describe: 'Do not truncate output' })
      .option('last', { alias: 'n', type: 'number', describe: 'Show the N most recently created containers (all states)' })
      .option('latest', { alias: 'l', type: 'boolean', default: false, describe: 'Show the most recently created container (all states)' })
      .option('format', { type: 'string', describe: 'Format the output with a Go template, `table …`, or `json`' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    const last = args['latest'] ? 1 : typeof args['last'] === 'number' && args['last'] >= 0 ? args['last'] : undefined;
    let list = await engine.containers.list({ all: args['all'] === true || last !== undefined });
    if (last !== undefined) list = list.slice(0, last);
    const now = new Date();
    const rows = list.map((c) => new ContainerRow(c, { noTrunc: args['no-trunc'] === true, now }));
    const format = typeof args['format'] === 'string' ? args['format'] : undefined;
    if (args['quiet'] && format === undefined) {
      for (const r of rows) ctx.stdout.write(`${r.ID}\n`);
      return 0;
    }
    ctx.stdout.write(
      renderRows(format, rows, {
        defaultTable: 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}',
        headers: { ID: 'CONTAINER ID', RunningFor: 'CREATED', Names: 'NAMES' },
      }),
    );
    return 0;
  },
});
