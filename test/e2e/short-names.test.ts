// Short names through registries.conf, as podman reads it: aliases first, then the unqualified-search
// registries in order. (The docker.io fallback is covered by unit tests: no test may reach Docker Hub.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRegistry } from '../helpers/registry.ts';
import { runCli } from '../helpers/run-cli.ts';
import { makeTmpRoots, type TmpRoots } from '../helpers/tmp-root.ts';

const reg = getRegistry();
let t: TmpRoots;
let g: string[];
let conf: string;

beforeAll(() => {
  t = makeTmpRoots('e2e-short');
  g = ['--root', t.root, '--runroot', t.runRoot];
  conf = join(t.dir, 'registries.conf');
  writeFileSync(
    conf,
    [
      `unqualified-search-registries = ["127.0.0.1:1", "${reg.host}"]`,
      '[aliases]',
      `"bb" = "${reg.host}/library/busybox"`,
      '',
    ].join('\n'),
  );
});
afterAll(() => t.cleanup());

describe('short names', () => {
  it('an alias resolves to its target, keeping the tag', async () => {
    const r = await runCli([...g, 'pull', 'bb:1.38.0-musl'], { expectCode: 0, env: { CONTAINERS_REGISTRIES_CONF: conf } });
    expect(r.stderr).toContain(`Trying to pull ${reg.host}/library/busybox:1.38.0-musl...`);
    const insp = JSON.parse((await runCli([...g, 'inspect', 'bb:1.38.0-musl'], { expectCode: 0, env: { CONTAINERS_REGISTRIES_CONF: conf } })).stdout);
    expect(insp[0].RepoTags).toEqual([`${reg.host}/library/busybox:1.38.0-musl`]);
  });

  it('search registries are tried in order until one has the image', async () => {
    const r = await runCli([...g, 'pull', '-q', 'library/alpine:3.20.3'], { expectCode: 0, env: { CONTAINERS_REGISTRIES_CONF: conf } });
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    // A stored image is found again by its short name, without registries.conf.
    await runCli([...g, 'inspect', 'alpine:3.20.3'], { expectCode: 0 });
  });

  it('a bad registries.conf is one line naming the file', async () => {
    const bad = join(t.dir, 'bad.conf');
    writeFileSync(bad, 'unqualified-search-registries = [\n');
    const r = await runCli([...g, 'pull', 'alpine'], { expectCode: 125, env: { CONTAINERS_REGISTRIES_CONF: bad } });
    expect(r.stderr).toMatch(new RegExp(`^Error: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
