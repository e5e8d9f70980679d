// Pulls from a registry that misbehaves (test/helpers/hostile-registry.ts, a real HTTP server on
// 127.0.0.1): bearer tokens with credentials, bad digests, truncated and over-long blobs, schema 1, a
// hostile layer tar. Each failure is one `Error:` line and exit 125, and the store is byte-for-byte the
// store it was before.
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileRegistry, startHostileRegistry } from '../helpers/hostile-registry.ts';
import { runCli, spawnCli } from '../helpers/run-cli.ts';
import { makeTmpRoots, type TmpRoots } from '../helpers/tmp-root.ts';

type Entry = { name: string; type?: 'file' | 'symlink' | 'link' | 'directory'; linkname?: string; body?: string };

async function tarGz(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    const h = { name: e.name, type: e.type ?? 'file', mode: e.type === 'directory' ? 0o755 : 0o644, mtime: new Date(1_700_000_000_000), ...(e.linkname ? { linkname: e.linkname } : {}) };
    p.entry(h, e.body ?? '');
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

let reg: HostileRegistry;
let t: TmpRoots;
let g: string[];
const creds = ['--creds', 'alice:s3cret'];

/** Everything the store holds, as comparable data: SQLite rows and the layer dirs. */
function snapshot(): unknown {
  if (!existsSync(join(t.root, 'store.db'))) return 'no store';
  const db = new Database(join(t.root, 'store.db'), { readonly: true });
  try {
    const tables = ['images', 'image_layers', 'tags', 'repo_digests', 'layers', 'blobs'];
    const rows = Object.fromEntries(tables.map((name) => [name, db.prepare(`SELECT * FROM ${name} ORDER BY 1, 2`).all()]));
    return { rows, dirs: readdirSync(join(t.root, 'layers')).sort() };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  reg = await startHostileRegistry({ auth: 'bearer', credentials: { username: 'alice', password: 's3cret' } });
  t = makeTmpRoots('e2e-hostile');
  g = ['--root', t.root, '--runroot', t.runRoot];
});
afterAll(async () => {
  await reg.close();
  t.cleanup();
});

describe('bearer token flow', () => {
  it('pulls with credentials after a 401, and fails cleanly without them', async () => {
    const img = reg.addImage({
      repository: 'team/app',
      tag: 'v1',
      layers: [await tarGz([{ name: 'etc/', type: 'directory' }, { name: 'etc/motd', body: 'base\n' }]), await tarGz([{ name: 'etc/.wh.motd' }, { name: 'app', body: 'v1' }])],
    });
    const denied = await runCli([...g, 'pull', `${reg.host}/team/app:v1`], { expectCode: 125 });
    expect(denied.stderr).toMatch(/^Error: .*(unauthorized|authentication|denied|401)/im);
    const ok = await runCli([...g, 'pull', '-q', ...creds, `${reg.host}/team/app:v1`], { expectCode: 0 });
    expect(ok.stdout.trim()).toBe(img.config.digest.slice(7));
    const tokenRequests = reg.requests.filter((r) => r.path === '/token');
    expect(tokenRequests.some((r) => r.query['scope']?.[0] === 'repository:team/app:pull')).toBe(true);
    expect(JSON.stringify(reg.requests.map((r) => r.headers['authorization'] ?? ''))).not.toContain('s3cret');
  });
});

describe('layer compressions', () => {
  it('pulls gzip, zstd and uncompressed layers into the same store', async () => {
    const plainTar = gunzipSync(await tarGz([{ name: 'plain.txt', body: 'plain\n' }]));
    const zstdDir = mkdtempSync(join(t.dir, 'zstd-'));
    writeFileSync(join(zstdDir, 'l.tar'), gunzipSync(await tarGz([{ name: 'zstd.txt', body: 'zstd\n' }])));
    await execa('zstd', ['-q', join(zstdDir, 'l.tar'), '-o', join(zstdDir, 'l.tar.zst')]);
    const zstdLayer = readFileSync(join(zstdDir, 'l.tar.zst'));
    reg.addImage({ repository: 'team/mixed', tag: 'v1', layers: [await tarGz([{ name: 'gz.txt', body: 'gz\n' }]), zstdLayer, plainTar] });
    const id = (await runCli([...g, 'pull', '-q', ...creds, `${reg.host}/team/mixed:v1`], { expectCode: 0 })).stdout.trim();
    const insp = JSON.parse((await runCli([...g, 'image', 'inspect', id], { expectCode: 0 })).stdout)[0];
    const dirs = [...insp.GraphDriver.Data.LowerDir.split(':').reverse(), insp.GraphDriver.Data.UpperDir];
    expect(dirs.map((d: string) => readdirSync(d))).toEqual([['gz.txt'], ['zstd.txt'], ['plain.txt']]);
    expect(readFileSync(join(dirs[1], 'zstd.txt'), 'utf8')).toBe('zstd\n');
  });
});

describe('bad blobs store nothing', () => {
  const cases: [string, (r: HostileRegistry, d: string) => void][] = [
    ['a layer with the wrong digest', (r, d) => r.behaviour.wrongDigest.add(d)],
    ['a layer cut off with the connection', (r, d) => r.behaviour.truncate.set(d, 'close')],
    ['a layer that ends early', (r, d) => r.behaviour.truncate.set(d, 'clean')],
    ['a layer longer than its descriptor (Content-Length)', (r, d) => r.behaviour.extend.set(d, 'content-length')],
    ['a layer longer than its descriptor (chunked)', (r, d) => r.behaviour.extend.set(d, 'chunked')],
  ];
  it.each(cases)('%s → 125, store unchanged', async (label, misbehave) => {
    const tag = label.replace(/[^a-z]+/g, '-').slice(0, 40);
    const img = reg.addImage({
      repository: 'team/bad',
      tag,
      layers: [await tarGz([{ name: 'ok', body: 'fine' }]), await tarGz([{ name: `${tag}.bin`, body: 'z'.repeat(200_000) + tag }])],
    });
    misbehave(reg, img.layers[1]!.digest);
    const before = snapshot();
    const r = await runCli([...g, 'pull', ...creds, `${reg.host}/team/bad:${tag}`], { expectCode: 125 });
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/sha256:|bytes|digest|size|connection/);
    // The good layer may stay (it is complete and verified, and a re-pull reuses it); nothing else may.
    const after = snapshot() as { rows: Record<string, unknown[]>; dirs: string[] };
    const b = before as typeof after | 'no store';
    if (b !== 'no store') {
      expect(after.rows['images']).toEqual(b.rows['images']);
      expect(after.rows['tags']).toEqual(b.rows['tags']);
      expect(after.rows['blobs']).toEqual(b.rows['blobs']);
    }
    const pending = after.rows['layers']!.filter((l) => (l as { state: string }).state !== 'ready');
    expect(pending).toEqual([]);
    expect(after.dirs).toHaveLength(after.rows['layers']!.length);
    expect(JSON.stringify(after.rows['layers'])).not.toContain(img.layers[1]!.digest);
  });
});

describe('bad manifests and tars', () => {
  it('refuses schema 1 with a clear line', async () => {
    reg.setManifest('team/old', 'v1', Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'team/old', tag: 'v1', fsLayers: [], history: [] })), 'application/vnd.docker.distribution.manifest.v1+prettyjws');
    const before = snapshot();
    const r = await runCli([...g, 'pull', ...creds, `${reg.host}/team/old:v1`], { expectCode: 125 });
    expect(r.stderr).toMatch(/^Error: .*schema 1/m);
    expect(snapshot()).toEqual(before);
  });

  it.each([
    ['a path escaping with ..', [{ name: '../escape', body: 'x' }]],
    ['an absolute path', [{ name: '/abs', body: 'x' }]],
    ['a write through a symlink', [{ name: 'lnk', type: 'symlink', linkname: '/tmp' }, { name: 'lnk/evil', body: 'x' }]],
    ['a hard link to a host file', [{ name: 'pw', type: 'link', linkname: '/etc/passwd' }]],
  ] as [string, Entry[]][])('refuses a layer with %s', async (_label, entries) => {
    const tag = `t${Math.random().toString(36).slice(2, 8)}`;
    reg.addImage({ repository: 'team/evil', tag, layers: [await tarGz(entries)] });
    const before = snapshot();
    const r = await runCli([...g, 'pull', ...creds, `${reg.host}/team/evil:${tag}`], { expectCode: 125 });
    expect(r.stderr.split('\n').filter((l) => l.startsWith('Error:'))).toHaveLength(1);
    expect(snapshot()).toEqual(before);
    expect(existsSync('/tmp/evil')).toBe(false);
    expect(existsSync(join(t.root, 'escape'))).toBe(false);
  });
});

describe('Ctrl-C during a pull', () => {
  it('stops with one coded line and exit 125, not a bug report', async () => {
    // A registry that accepts the connection and never answers: the pull waits until interrupted.
    const { createServer } = await import('node:http');
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const roots = makeTmpRoots('pull-sigint');
    try {
      const child = spawnCli(['--root', roots.root, '--runroot', roots.runRoot, 'pull', '--tls-verify=false', `127.0.0.1:${port}/x/y:z`]);
      let stderr = '';
      child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
      for (let i = 0; i < 200 && !stderr.includes('Trying to pull'); i++) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGINT');
      const r = await child;
      expect({ code: r.exitCode, stderr: r.stderr }).toEqual({ code: 125, stderr: `Trying to pull 127.0.0.1:${port}/x/y:z...\nError: interrupted (SIGINT)\n` });
    } finally {
      server.closeAllConnections();
      server.close();
      roots.cleanup();
    }
  });
});
