// `volume create/ls/inspect/rm/prune`, in use vs unused, and anonymous volumes going with `rm -v`
// (with crun: the verbs do not depend on the runtime; flags-mounts.test.ts mounts volumes on each runtime).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useAlpineStore } from '../helpers/alpine-store.ts';
import { runCli } from '../helpers/run-cli.ts';

const s = useAlpineStore('e2e-volumes');
const cli = (args: string[], expectCode = 0) => runCli([...s.g, ...args], { expectCode });

describe('volume verbs', () => {
  it('create, ls, inspect, rm; a taken name and a missing volume are errors', async () => {
    expect((await cli(['volume', 'create', '--label', 'team=a', 'v1'])).stdout).toBe('v1\n');
    expect((await cli(['volume', 'create', 'v1'], 125)).stderr).toBe('Error: volume with name v1 already exists: volume already exists\n');
    expect((await cli(['volume', 'create', '--ignore', 'v1'])).stdout).toBe('v1\n');
    const anon = (await cli(['volume', 'create'])).stdout.trim();
    expect(anon).toMatch(/^[0-9a-f]{64}$/);
    const ls = (await cli(['volume', 'ls'])).stdout;
    expect(ls.split('\n')[0]).toMatch(/^DRIVER\s+VOLUME NAME$/);
    expect(ls).toMatch(/^local\s+v1$/m);
    expect((await cli(['volume', 'ls', '-q', '--filter', 'label=team=a'])).stdout).toBe('v1\n');
    const [insp] = JSON.parse((await cli(['volume', 'inspect', 'v1'])).stdout) as { Name: string; Driver: string; Mountpoint: string; Labels: object; Scope: string }[];
    expect(insp).toMatchObject({ Name: 'v1', Driver: 'local', Labels: { team: 'a' }, Scope: 'local' });
    expect(insp!.Mountpoint).toBe(`${s.t.root}/volumes/v1/_data`);
    expect(existsSync(insp!.Mountpoint)).toBe(true);
    expect((await cli(['volume', 'inspect', 'nope'], 125)).stderr).toMatch(/^Error: no volume with name "nope" found: no such volume$/m);
    expect((await cli(['volume', 'rm', 'nope'], 1)).stderr).toBe('Error: no volume with name "nope" found: no such volume\n');
    expect((await cli(['volume', 'rm', 'v1', anon])).stdout).toBe(`v1\n${anon}\n`);
    expect(existsSync(insp!.Mountpoint)).toBe(false);
    expect((await cli(['volume', 'ls', '-q'])).stdout).toBe('');
  });

  it('rm refuses a volume a container uses (exit 2) until the container is gone; rm -f removes the container too', async () => {
    const id = (await cli(['create', '-v', 'used:/data:ro', '-v', '/tmp:/hosttmp', '--tmpfs', '/t', s.alpine, 'true'])).stdout.trim();
    const mounts = (await cli(['inspect', '-f', '{{range .Mounts}}{{.Type}} {{.Name}} {{.Source}} {{.Destination}} {{.RW}};{{end}}', id])).stdout;
    expect(mounts).toBe(`volume used ${s.t.root}/volumes/used/_data /data false;bind  /tmp /hosttmp true;tmpfs   /t true;\n`);
    const r = await cli(['volume', 'rm', 'used'], 2);
    expect(r.stderr).toBe(`Error: volume used is being used by the following container(s): ${id}: volume is being used\n`);
    expect(JSON.parse((await cli(['volume', 'inspect', 'used'])).stdout)[0].UsedBy).toEqual([id]);
    // prune leaves it too
    await cli(['volume', 'create', 'idle']);
    expect((await cli(['volume', 'prune', '-f'])).stdout).toBe('idle\n');
    expect((await cli(['volume', 'ls', '-q'])).stdout).toBe('used\n');
    await cli(['volume', 'rm', '-f', 'used']);
    expect((await cli(['ps', '-a', '-q', '--no-trunc'])).stdout).not.toContain(id);
    expect((await cli(['volume', 'ls', '-q'])).stdout).toBe('');
  });

  it('rm -v removes the anonymous volumes of a container, not its named ones; plain rm keeps both', async () => {
    const keep = (await cli(['run', '-v', '/anon', '-v', 'named:/named', s.alpine, 'sh', '-c', 'echo x > /anon/f; echo y > /named/f'])).stdout;
    expect(keep).toBe('');
    const vols = (await cli(['volume', 'ls', '-q'])).stdout.trim().split('\n');
    expect(vols).toHaveLength(2);
    const anon = vols.find((v) => v !== 'named')!;
    const id = (await cli(['ps', '-a', '-q', '--no-trunc'])).stdout.trim();
    await cli(['rm', id]);
    expect((await cli(['volume', 'ls', '-q'])).stdout.trim().split('\n').sort()).toEqual([anon, 'named'].sort());
    // A new container on the anonymous volume (by name), removed with -v: that volume stays (it is not anonymous to it).
    const id2 = (await cli(['run', '-v', `${anon}:/a`, '-v', '/anon2', s.alpine, 'cat', '/a/f'])).stdout;
    expect(id2).toBe('x\n');
    const c2 = (await cli(['ps', '-a', '-q', '--no-trunc'])).stdout.trim();
    await cli(['rm', '-v', c2]);
    expect((await cli(['volume', 'ls', '-q'])).stdout.trim().split('\n').sort()).toEqual([anon, 'named'].sort());
    expect((await cli(['volume', 'prune'])).stdout.trim().split('\n').sort()).toEqual([anon, 'named'].sort());
  });
});
