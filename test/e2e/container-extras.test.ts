// Stdin with -i, images in use by containers, and the sweep of what killed processes leave behind.
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useAlpineStore } from '../helpers/alpine-store.ts';
import { mountsUnder } from '../helpers/leftovers.ts';
import { runCli, spawnCli } from '../helpers/run-cli.ts';

const s = useAlpineStore('e2e-extras');

/** pid:starttime of a process that has exited (a real one, now dead). */
async function deadOwner(): Promise<string> {
  const child = execa('sleep', ['30']);
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  child.kill('SIGKILL');
  await child.catch(() => undefined);
  return `${child.pid}:${start}`;
}

describe('run -i', () => {
  it('feeds the CLI stdin to the container and closes it at EOF', async () => {
    const r = await runCli([...s.g, 'run', '-i', '--rm', s.alpine, 'sh', '-c', 'cat; echo "<eof>"'], { expectCode: 0, input: 'line one\nline two\n' });
    expect(r.stdout).toBe('line one\nline two\n<eof>\n');
  });

  it('without -i the container reads an empty stdin', async () => {
    const r = await runCli([...s.g, 'run', '--rm', s.alpine, 'sh', '-c', 'cat; echo "<eof>"'], { expectCode: 0, input: 'ignored\n' });
    expect(r.stdout).toBe('<eof>\n');
  });
});

describe('signals while attached', () => {
  it('SIGINT to the CLI goes to the container (docker --sig-proxy), which decides how to exit', async () => {
    const child = spawnCli([...s.g, 'run', '--rm', s.alpine, 'sh', '-c', 'trap "echo got INT; exit 42" INT; echo ready; while :; do sleep 0.1; done']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 200 && !out.includes('ready'); i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(42);
    expect(r.stdout).toBe('ready\ngot INT\n');
  });
});

describe('rmi of an image in use', () => {
  it('is refused with exit 2; rmi -f removes the containers too', async () => {
    await runCli([...s.g, 'create', '--name', 'user1', s.alpine, 'true'], { expectCode: 0 });
    const r = await runCli([...s.g, 'rmi', s.alpine], { expectCode: 2 });
    expect(r.stderr).toMatch(/^Error: image used by [0-9a-f]{64}: image is in use by a container/);
    await runCli([...s.g, 'inspect', 'user1'], { expectCode: 0 });
    await runCli([...s.g, 'rmi', '-f', s.alpine], { expectCode: 0 });
    await runCli([...s.g, 'inspect', '--type', 'container', 'user1'], { expectCode: 125 });
    await runCli([...s.g, 'pull', '-q', s.alpine], { expectCode: 0 });
  });
});

describe('sweep on open', () => {
  it('removes an abandoned creation and an orphan container dir, unmounting its rootfs', async () => {
    const orphan = 'f'.repeat(64);
    const rootfs = join(s.t.root, 'containers', orphan, 'bundle', 'rootfs');
    mkdirSync(rootfs, { recursive: true });
    await execa('mount', ['-t', 'tmpfs', 'tmpfs', rootfs]);
    expect(mountsUnder(rootfs)).toEqual([rootfs]);
    const abandoned = 'e'.repeat(64);
    const db = new Database(join(s.t.root, 'store.db'));
    const imageId = (db.prepare('SELECT id FROM images LIMIT 1').get() as { id: string }).id;
    db.prepare(
      `INSERT INTO containers (id, name, image_id, image_name, runtime, config, state, owner, created_at) VALUES (?, 'half', ?, 'x', 'crun', '{}', 'created', ?, 0)`,
    ).run(abandoned, imageId, await deadOwner());
    db.close();
    mkdirSync(join(s.t.root, 'containers', abandoned, 'upper'), { recursive: true });

    await runCli([...s.g, 'ps', '-a'], { expectCode: 0 });
    expect(mountsUnder(rootfs)).toEqual([]);
    expect(existsSync(join(s.t.root, 'containers', orphan))).toBe(false);
    await runCli([...s.g, 'ps', '-a'], { expectCode: 0 }); // the abandoned row went first, its dir on this pass
    expect(existsSync(join(s.t.root, 'containers', abandoned))).toBe(false);
    await runCli([...s.g, 'inspect', '--type', 'container', 'half'], { expectCode: 125 });
  });
});
