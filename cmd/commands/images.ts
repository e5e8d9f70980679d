import type { ImageSummary } from '../../engine/index.ts';
import { defineCommand } from '../command.ts';
import { humanSize, timeAgo } from '../format/human.ts';
import { renderRows } from '../format/report.ts';

interface ImageRow {
  Repository: string;
  Tag: string;
  ID: string;
  Digest: string;
  Created: string;
  CreatedAt: string;
  Size: string;
  Names: string[];
  Digests: string[];
}

/** One row per name (podman and docker list an image once per tag); an untagged image is `<none> <none>`. */
export function imageRows(images: readonly ImageSummary[], o: { noTrunc: boolean; now: Date }): ImageRow[] {
  const rows: ImageRow[] = [];
  const sorted = [...images].sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0));
  for (const img of sorted) {
    const base = {
      ID: o.noTrunc ? `sha256:${img.id}` : img.id.slice(0, 12),
      Digest: img.digest,
      Created: img.created ? timeAgo(img.created, o.now) : '',
      CreatedAt: img.created ? img.created.toISOString() : '',
      Size: humanSize(img.size),
      Names: [...img.repoTags],
      Digests: [...img.repoDigests],
    };
    if (img.repoTags.length === 0) {
      const repo = img.repoDigests[0]?.split('@')[0] ?? '<none>';
      rows.push({ ...base, Repository: repo, Tag: '<none>' });
    }
    for (const t of img.repoTags) {
      const i = t.lastIndexOf(':');
      rows.push({ ...base, Repository: t.slice(0, i), Tag: t.slice(i + 1) });
    }
  }
  return rows;
}

export const images = defineCommand({
  command: 'images',
  describe: 'List images in local storage',
  flags: (y) =>
    y
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Show all images (there are no intermediate images; same as the default)' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Display only image IDs' })
      .option('digests', { type: 'boolean', default: false, describe: 'Show digests' })
      .option('no-trunc', { type: 'boolean', default: false, describe: 'Do not truncate output' })
      .option('format', { type: 'string', describe: 'Format the output with a Go template, `table …`, or `json`' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    const noTrunc = args['no-trunc'] === true;
    const rows = imageRows(await engine.images.list(), { noTrunc, now: new Date() });
    const format = typeof args['format'] === 'string' ? args['format'] : undefined;
    if (args['quiet'] && format === undefined) {
      const seen = new Set<string>();
      for (const r of rows) if (!seen.has(r.ID)) seen.add(r.ID) && ctx.stdout.write(`${r.ID}\n`);
      return 0;
    }
    const defaultTable = args['digests']
      ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.Created}}\t{{.Size}}'
      : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}';
    ctx.stdout.write(renderRows(format, rows, { defaultTable, headers: { ID: 'IMAGE ID' } }));
    return 0;
  },
});
