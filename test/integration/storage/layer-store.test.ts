// The layer store against real SQLite and a real filesystem: dedupe, verification, and the sweep of
// what a killed process leaves.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Digest } from '../../../storage/digest.ts';
import { Store } from '../../../storage/index.ts';
import { selfOwner } from '../../../storage/owner.ts';
import { makeTmpRoots, type TmpRoots } from '../../helpers/tmp-root.ts';

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const p = pack();
  for (const [name, body] of Object.entries(files)) p.entry({ name, mode: 0o644, mtime: new Date(1_700_000_000_000) }, body);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const sha = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function layer(files: Record<string, string>) {
  const tar = await tarOf(files);
  const gz = gzipSync(tar);
  return { gz, diffId: sha(tar), blob: { digest: sha(gz), size: gz.length } };
}

/** The owner token of a process that has exited: pid + start time of a real, now dead, process. */
async function deadOwner(): Promise<string> {
  const child = execa('sleep', ['30']);
  const pid = child.pid!;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  child.kill('SIGKILL');
  await child.catch(() => undefined);
  return `${pid}:${start}`;
}

let t: TmpRoots;
let store: Store;
beforeEach((ctx) => {
  t = makeTmpRoots(ctx.task.name);
  store = Store.open({ root: t.root, xattrNamespace: 'trusted' });
});
afterEach(() => {
  store.close();
  t.cleanup();
});

const dirs = () => readdirSync(join(t.root, 'layers'));
const rows = () => store.db.prepare('SELECT diff_id, dir, state, owner FROM layers ORDER BY diff_id').all() as { diff_id: string; dir: string; state: string; owner: string | null }[];

describe('LayerStore.apply', () => {
  it('unpacks once, verifies, and reuses the stored layer', async () => {
    const l = await layer({ 'etc/hello': 'hi\n' });
    let opened = 0;
    const open = async () => {
      opened++;
      return Readable.from([l.gz]);
    };
    const a = await store.layers.apply(l.diffId, { blob: l.blob, open });
    expect(a.reused).toBe(false);
    expect(readFileSync(join(a.path, 'etc/hello'), 'utf8')).toBe('hi\n');
    expect(a.size).toBe(3);
    const b = await store.layers.apply(l.diffId, { blob: l.blob, open });
    expect(b).toMatchObject({ reused: true, path: a.path });
    expect(opened).toBe(1);
    expect(rows()).toEqual([{ diff_id: l.diffId, dir: dirs()[0], state: 'ready', owner: null }]);
  });

  it('two concurrent applies of one layer store it once', async () => {
    const l = await layer({ a: 'x'.repeat(100_000) });
    const open = async () => Readable.from([l.gz.subarray(0, 1000), l.gz.subarray(1000)]);
    const [a, b] = await Promise.all([
      store.layers.apply(l.diffId, { blob: l.blob, open }),
      store.layers.apply(l.diffId, { blob: l.blob, open }),
    ]);
    expect(a.path).toBe(b.path);
    expect([a.reused, b.reused].sort()).toEqual([false, true]);
    expect(dirs()).toHaveLength(1);
  });

  it.each([
    ['a blob whose digest differs', (gz: Buffer) => Buffer.concat([gz.subarray(0, -1), Buffer.from([gz.at(-1)! ^ 1])]), 'SIZE_MISMATCH|DIGEST_MISMATCH|LAYER_INVALID'],
    ['a truncated blob', (gz: Buffer) => gz.subarray(0, gz.length - 10), 'SIZE_MISMATCH|LAYER_INVALID'],
    ['a blob longer than its descriptor', (gz: Buffer) => Buffer.concat([gz, Buffer.from('extra')]), 'SIZE_MISMATCH'],
  ])('%s stores nothing', async (_name, mangle, codes) => {
    const l = await layer({ f: 'content' });
    const err = await store.layers.apply(l.diffId, { blob: l.blob, open: async () => Readable.from([mangle(l.gz)]) }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toMatch(new RegExp(`^(${codes})$`));
    expect(rows()).toEqual([]);
    expect(dirs()).toEqual([]);
  });

  it('a layer whose content does not match its diffID stores nothing', async () => {
    const l = await layer({ f: 'content' });
    const other = await layer({ f: 'other' });
    const err = await store.layers.apply(other.diffId, { blob: l.blob, open: async () => Readable.from([l.gz]) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect((err as Error).message).toContain('diffID');
    expect(rows()).toEqual([]);
    expect(dirs()).toEqual([]);
  });

  it('an aborted apply stores nothing', async () => {
    const l = await layer({ f: 'y'.repeat(1 << 20) });
    const ac = new AbortController();
    const slow = async () =>
      Readable.from(
        (async function* () {
          yield l.gz.subarray(0, 100);
          ac.abort(new Error('stop'));
          await new Promise((r) => setTimeout(r, 50));
          yield l.gz.subarray(100);
        })(),
      );
    await expect(store.layers.apply(l.diffId, { blob: l.blob, open: slow, signal: ac.signal })).rejects.toThrow();
    expect(rows()).toEqual([]);
    expect(dirs()).toEqual([]);
  });
});

describe('LayerStore.sweep', () => {
  it('removes pending rows of dead owners and orphan dirs, keeps ready layers and live work', async () => {
    const l = await layer({ keep: 'me' });
    const kept = await store.layers.apply(l.diffId, { blob: l.blob, open: async () => Readable.from([l.gz]) });
    const dead = await deadOwner();
    const insert = store.db.prepare(
      `INSERT INTO layers (diff_id, dir, state, owner, created_at) VALUES (?, ?, 'pending', ?, 0)`,
    );
    insert.run(`sha256:${'1'.repeat(64)}`, 'deadwork', dead);
    insert.run(`sha256:${'2'.repeat(64)}`, 'livework', selfOwner());
    for (const d of ['deadwork', 'livework', 'orphan']) mkdirSync(join(t.root, 'layers', d, 'sub'), { recursive: true });
    store.layers.sweep();
    expect(dirs().sort()).toEqual([kept.path.split('/').pop()!, 'livework'].sort());
    expect(rows().map((r) => r.dir).sort()).toEqual([kept.path.split('/').pop()!, 'livework'].sort());
    expect(existsSync(join(kept.path, 'keep'))).toBe(true);
  });
});
