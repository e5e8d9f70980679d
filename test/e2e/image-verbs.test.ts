// The image verbs through the built binary against the loopback docker-registry: output shapes, exit
// codes, and what the store holds afterwards.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRegistry } from '../helpers/registry.ts';
import { runCli } from '../helpers/run-cli.ts';
import { makeTmpRoots, type TmpRoots } from '../helpers/tmp-root.ts';

const reg = getRegistry();
let t: TmpRoots;
let g: string[];

beforeAll(() => {
  t = makeTmpRoots('e2e-images');
  g = ['--root', t.root, '--runroot', t.runRoot];
});
afterAll(() => t.cleanup());

const layerDirs = () => readdirSync(join(t.root, 'layers')).sort();

describe('pull', () => {
  it('pulls the host platform from a two-platform index and prints the image ID on stdout', async () => {
    const r = await runCli([...g, 'pull', reg.images.busyboxIndex.ref], { expectCode: 0 });
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n?$/);
    expect(r.stderr).toContain(`Trying to pull ${reg.images.busyboxIndex.ref}...`);
    expect(r.stderr).toMatch(/5c3b447848a9: (Downloading|Pull complete)/);
    const insp = JSON.parse((await runCli([...g, 'image', 'inspect', reg.images.busyboxIndex.ref], { expectCode: 0 })).stdout);
    expect(insp).toHaveLength(1);
    expect(insp[0].Id).toBe(`sha256:${r.stdout.trim()}`);
    expect(insp[0].Architecture).toBe('amd64');
    expect(insp[0].Os).toBe('linux');
    expect(insp[0].RepoTags).toEqual([reg.images.busyboxIndex.ref]);
    const repo = reg.images.busyboxIndex.ref.split(':1.38')[0];
    expect(insp[0].RepoDigests).toContain(`${repo}@${reg.images.busyboxIndex.digest}`);
    expect(insp[0].Digest).toBe(reg.images.busyboxAmd64.manifestDigest);
    expect(insp[0].RootFS.Type).toBe('layers');
    expect(insp[0].RootFS.Layers).toHaveLength(1);
    expect(insp[0].Config.Cmd).toEqual(['sh']);
  });

  it('-q prints only the ID; a second pull fetches no layer', async () => {
    const r = await runCli([...g, 'pull', '-q', reg.images.busyboxIndex.ref], { expectCode: 0 });
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n?$/);
    expect(r.stderr).toBe('');
    const again = await runCli([...g, 'pull', reg.images.busyboxIndex.ref], { expectCode: 0 });
    expect(again.stderr).toContain('Already exists');
    expect(again.stderr).not.toContain('Downloading');
  });

  it('--platform linux/arm64 picks the arm64 manifest of the index', async () => {
    const own = makeTmpRoots('e2e-platform');
    try {
      const h = ['--root', own.root, '--runroot', own.runRoot];
      const r = await runCli([...h, 'pull', '-q', '--platform', 'linux/arm64', reg.images.busyboxIndex.ref], { expectCode: 0 });
      const insp = JSON.parse((await runCli([...h, 'inspect', '--type', 'image', r.stdout.trim()], { expectCode: 0 })).stdout);
      expect(insp[0].Architecture).toBe('arm64');
      expect(insp[0].Variant).toBe('v8');
      expect(insp[0].Digest).toBe(reg.images.busyboxArm64.manifestDigest);
      const bad = await runCli([...h, 'pull', '--platform', 'linux/s390x', reg.images.busyboxIndex.ref], { expectCode: 125 });
      expect(bad.stderr).toMatch(/^Error: .*linux\/s390x/m);
    } finally {
      own.cleanup();
    }
  });

  it('pulls Docker schema2 and OCI forms of alpine; their shared layer is stored once', async () => {
    const before = layerDirs().length;
    const a = await runCli([...g, 'pull', '-q', reg.images.alpine.ref], { expectCode: 0 });
    const ia = JSON.parse((await runCli([...g, 'inspect', a.stdout.trim()], { expectCode: 0 })).stdout)[0];
    const b = await runCli([...g, 'pull', '-q', reg.images.alpineOci.ref], { expectCode: 0 });
    const ib = JSON.parse((await runCli([...g, 'inspect', b.stdout.trim()], { expectCode: 0 })).stdout)[0];
    expect(layerDirs().length).toBe(before + 1);
    expect(ia.ManifestType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(ib.ManifestType).toBe('application/vnd.oci.image.manifest.v1+json');
    // One config, so one image with both names and both digests.
    expect(ib.Id).toBe(ia.Id);
    expect(ib.RepoTags.sort()).toEqual([reg.images.alpine.ref, reg.images.alpineOci.ref].sort());
    expect(ib.RepoDigests).toEqual(expect.arrayContaining([expect.stringContaining(reg.images.alpine.digest), expect.stringContaining(reg.images.alpineOci.digest)]));
    expect(ia.RootFS.Layers).toEqual(ib.RootFS.Layers);
    expect(ia.Config.Cmd).toEqual(['/bin/sh']);
  });

  it('rejects a bad reference with exit 125 and one Error line', async () => {
    const r = await runCli([...g, 'pull', 'Not/Valid:Ref:Here'], { expectCode: 125 });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^Error: invalid reference format/);
  });

  it('an unknown flag is 125 with the help pointer', async () => {
    const r = await runCli([...g, 'pull', '--bogus', 'x'], { expectCode: 125 });
    expect(r.stderr).toBe("Error: unknown flag: --bogus\nSee 'tsengine pull --help'\n");
  });

  it('a missing tag is 125 with manifest unknown', async () => {
    const r = await runCli([...g, 'pull', `${reg.host}/library/busybox:nope`], { expectCode: 125 });
    expect(r.stderr).toMatch(/^Error: .*manifest unknown$/m);
  });
});

describe('images, tag, rmi', () => {
  it('lists with docker columns, -q, --digests, --no-trunc and --format', async () => {
    const r = await runCli([...g, 'images'], { expectCode: 0 });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    const repo = reg.images.busyboxIndex.ref.split(':1.38')[0]!;
    expect(lines.some((l) => l.startsWith(repo) && /\s1\.38\.0-musl\s+[0-9a-f]{12}\s/.test(l))).toBe(true);
    const q = await runCli([...g, 'images', '-q'], { expectCode: 0 });
    for (const l of q.stdout.trim().split('\n')) expect(l).toMatch(/^[0-9a-f]{12}$/);
    const d = await runCli([...g, 'images', '--digests'], { expectCode: 0 });
    expect(d.stdout.split('\n')[0]).toMatch(/^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID/);
    expect(d.stdout).toContain(reg.images.busyboxAmd64.manifestDigest);
    const nt = await runCli([...g, 'images', '-q', '--no-trunc'], { expectCode: 0 });
    for (const l of nt.stdout.trim().split('\n')) expect(l).toMatch(/^sha256:[0-9a-f]{64}$/);
    const f = await runCli([...g, 'images', '--format', '{{.Repository}}:{{.Tag}}'], { expectCode: 0 });
    expect(f.stdout.split('\n')).toContain(reg.images.alpine.ref);
  });

  it('tag adds a name; rmi of that name only untags', async () => {
    await runCli([...g, 'tag', reg.images.alpine.ref, 'myalpine:v1'], { expectCode: 0 });
    const insp = JSON.parse((await runCli([...g, 'inspect', 'myalpine:v1'], { expectCode: 0 })).stdout)[0];
    expect(insp.RepoTags).toContain('localhost/myalpine:v1');
    const r = await runCli([...g, 'rmi', 'myalpine:v1'], { expectCode: 0 });
    expect(r.stdout).toBe('Untagged: localhost/myalpine:v1\n');
    await runCli([...g, 'inspect', 'myalpine:v1'], { expectCode: 125 });
    await runCli([...g, 'inspect', reg.images.alpine.ref], { expectCode: 0 });
  });

  it('inspect of an unknown image prints [] and exits 125', async () => {
    const r = await runCli([...g, 'image', 'inspect', 'nosuch:latest'], { expectCode: 125 });
    expect(r.stdout.trim()).toBe('[]');
    expect(r.stderr).toBe('Error: nosuch:latest: image not known\n');
  });

  it('inspect -f applies the template to each image', async () => {
    const r = await runCli([...g, 'inspect', '-f', '{{.Os}}/{{.Architecture}} {{len .RootFS.Layers}}', reg.images.alpine.ref, reg.images.busyboxIndex.ref], {
      expectCode: 0,
    });
    expect(r.stdout).toBe('linux/amd64 1\nlinux/amd64 1\n');
  });

  it('rmi exit codes: 1 for an unknown image, 0 on removal; layers are freed', async () => {
    const missing = await runCli([...g, 'rmi', 'nosuch:latest'], { expectCode: 1 });
    expect(missing.stderr).toContain('nosuch:latest: image not known');
    const r = await runCli([...g, 'rmi', '-a'], { expectCode: 0 });
    expect(r.stdout).toMatch(/Deleted: [0-9a-f]{64}/);
    expect((await runCli([...g, 'images', '-q'], { expectCode: 0 })).stdout).toBe('');
    expect(layerDirs()).toEqual([]);
  });
});
