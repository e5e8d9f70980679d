// SIGKILL of `tsengine pull` at many moments: the next command works, an image is complete or absent,
// nothing is left half-written, and a re-pull completes. Kill points: a deterministic one while a layer
// blob is half sent (mid blob = mid unpack, they stream together) and a sweep of kill times spread over a
// whole pull (start-up, manifest, config, layers, the final transaction).
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRegistry } from '../helpers/registry.ts';
import { runCli, spawnCli } from '../helpers/run-cli.ts';
import { makeTmpRoots, type TmpRoots } from '../helpers/tmp-root.ts';

const reg = getRegistry();
let t: TmpRoots;
beforeAll(() => {
  t = makeTmpRoots('e2e-crash');
});
afterAll(() => t.cleanup());

const roots = (root: string) => ['--root', root, '--runroot', `${root}-run`];

/** Checks the store's invariants by reading SQLite and the layer dirs directly, after a CLI opened it. */
async function checkStore(root: string): Promise<{ images: number }> {
  // Any command opens the store and sweeps; `images` must work.
  await runCli([...roots(root), 'images', '-q'], { expectCode: 0 });
  const db = new Database(join(root, 'store.db'), { readonly: true });
  try {
    const layers = db.prepare('SELECT diff_id, dir, state FROM layers').all() as { diff_id: string; dir: string; state: string }[];
    expect(layers.filter((l) => l.state !== 'ready')).toEqual([]);
    const onDisk = readdirSync(join(root, 'layers')).sort();
    expect(onDisk).toEqual(layers.map((l) => l.dir).sort());
    const images = db.prepare('SELECT id, config_digest, manifest_digest FROM images').all() as { id: string; config_digest: string; manifest_digest: string }[];
    for (const img of images) {
      const want = db.prepare('SELECT COUNT(*) AS n FROM image_layers WHERE image_id = ?').get(img.id) as { n: number };
      expect(want.n).toBeGreaterThan(0);
      const missing = db
        .prepare(`SELECT COUNT(*) AS n FROM image_layers il LEFT JOIN layers l ON l.diff_id = il.diff_id
                  WHERE il.image_id = ? AND (l.state IS NULL OR l.state != 'ready')`)
        .get(img.id) as { n: number };
      expect(missing.n).toBe(0);
      for (const d of [img.config_digest, img.manifest_digest]) expect(db.prepare('SELECT 1 FROM blobs WHERE digest = ?').get(d)).toBeTruthy();
    }
    for (const l of layers) expect(existsSync(join(root, 'layers', l.dir))).toBe(true);
    return { images: images.length };
  } finally {
    db.close();
  }
}

/** Whether process `pid` has the store database open (it got past start-up into the engine). */
async function holdsStoreDb(pid: number): Promise<boolean> {
  try {
    const fds = readdirSync(`/proc/${pid}/fd`);
    return fds.some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).endsWith('store.db');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false; // the fd closed meanwhile
        throw e;
      }
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false; // the process is gone
    throw e;
  }
}

/** A TCP proxy to the registry that stops forwarding responses after `limit` bytes and reports it. */
function stallingProxy(limit: number): Promise<{ server: Server; port: number; stalled: Promise<void> }> {
  const [host, port] = reg.host.split(':') as [string, string];
  let sent = 0;
  let onStall!: () => void;
  const stalled = new Promise<void>((r) => (onStall = r));
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = createConnection(Number(port), host);
    sockets.push(client, upstream);
    client.pipe(upstream);
    upstream.on('data', (d: Buffer) => {
      if (sent >= limit) return;
      const room = limit - sent;
      client.write(room >= d.length ? d : d.subarray(0, room));
      sent += Math.min(room, d.length);
      if (sent >= limit) {
        upstream.pause();
        onStall();
      }
    });
    for (const s of [client, upstream]) s.on('error', () => s.destroy());
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, stalled })));
}

describe('SIGKILL during pull', () => {
  it('mid blob: the store stays consistent and a re-pull completes', async () => {
    const root = join(t.dir, 'mid-blob');
    // busybox's layer is 886,160 bytes; manifests and config come first and are a few kB.
    const proxy = await stallingProxy(400_000);
    try {
      const ref = reg.images.busyboxAmd64.ref.replace(reg.host, `127.0.0.1:${proxy.port}`);
      const child = spawnCli([...roots(root), 'pull', ref]);
      await proxy.stalled;
      await new Promise((r) => setTimeout(r, 200));
      child.kill('SIGKILL');
      const r = await child;
      expect(r.signal).toBe('SIGKILL');
      const db = new Database(join(root, 'store.db'), { readonly: true });
      const pending = db.prepare(`SELECT COUNT(*) AS n FROM layers WHERE state = 'pending'`).get() as { n: number };
      db.close();
      expect(pending.n).toBe(1); // the kill really landed mid-layer
      expect((await checkStore(root)).images).toBe(0);
    } finally {
      proxy.server.close();
    }
    await runCli([...roots(root), 'pull', '-q', reg.images.busyboxAmd64.ref], { expectCode: 0 });
    expect((await checkStore(root)).images).toBe(1);
  });

  it('while waiting on a database write (another process holds the write lock)', async () => {
    const root = join(t.dir, 'db-write');
    await runCli([...roots(root), 'images'], { expectCode: 0 }); // creates the store
    const db = new Database(join(root, 'store.db'));
    db.prepare('BEGIN IMMEDIATE').run();
    const child = spawnCli([...roots(root), 'pull', '-q', reg.images.alpine.ref]);
    try {
      // The pull reaches its first write (claiming the layer) and waits on SQLite's busy timeout.
      for (let i = 0; i < 100 && !(await holdsStoreDb(child.pid!)); i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGKILL');
      expect((await child).signal).toBe('SIGKILL');
    } finally {
      db.prepare('ROLLBACK').run();
      db.close();
    }
    expect((await checkStore(root)).images).toBe(0);
    await runCli([...roots(root), 'pull', '-q', reg.images.alpine.ref], { expectCode: 0 });
    expect((await checkStore(root)).images).toBe(1);
  });

  it('at moments spread over a whole pull: complete or absent, never half', async () => {
    const timing = join(t.dir, 'timing');
    const t0 = Date.now();
    await runCli([...roots(timing), 'pull', '-q', reg.images.alpine.ref], { expectCode: 0 });
    const full = Date.now() - t0;
    const outcomes = { absent: 0, complete: 0 };
    const steps = 10;
    for (let i = 0; i < steps; i++) {
      const root = join(t.dir, `sweep-${i}`);
      const child = spawnCli([...roots(root), 'pull', '-q', reg.images.alpine.ref]);
      await new Promise((r) => setTimeout(r, Math.round((full * (i + 0.5)) / steps)));
      child.kill('SIGKILL');
      await child;
      if (!existsSync(join(root, 'store.db'))) {
        outcomes.absent++;
        continue;
      }
      const { images } = await checkStore(root);
      outcomes[images === 1 ? 'complete' : 'absent']++;
      await runCli([...roots(root), 'pull', '-q', reg.images.alpine.ref], { expectCode: 0 });
      expect((await checkStore(root)).images).toBe(1);
    }
    expect(outcomes.absent + outcomes.complete).toBe(steps);
  });
});
