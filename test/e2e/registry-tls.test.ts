// A registry over HTTPS with a self-signed certificate (test/helpers/hostile-registry.ts on 127.0.0.1):
// `--tls-verify=true` verifies even loopback, as podman's explicit flag does, and NODE_EXTRA_CA_CERTS is
// honoured although the launcher keeps it from node's start-up (it reaches the registry pool as
// TSENGINE_EXTRA_CA_CERTS, see scripts/bundle.mjs).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileRegistry, selfSignedCert, startHostileRegistry } from '../helpers/hostile-registry.ts';
import { runCli } from '../helpers/run-cli.ts';
import { makeTmpRoots, type TmpRoots } from '../helpers/tmp-root.ts';

let reg: HostileRegistry;
let t: TmpRoots;
let g: string[];
let caFile: string;
let image: string;

async function oneFileLayer(): Promise<Buffer> {
  const p = pack();
  p.entry({ name: 'hello.txt', mode: 0o644 }, 'over tls\n');
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

beforeAll(async () => {
  const tls = selfSignedCert();
  reg = await startHostileRegistry({ tls });
  t = makeTmpRoots('e2e-registry-tls');
  g = ['--root', t.root, '--runroot', t.runRoot];
  caFile = join(t.dir, 'ca.pem');
  writeFileSync(caFile, tls.cert);
  reg.addImage({ repository: 'team/tls', tag: 'v1', layers: [await oneFileLayer()] });
  image = `${reg.host}/team/tls:v1`;
});
afterAll(async () => {
  await reg.close();
  t.cleanup();
});

describe('registry TLS', () => {
  it('--tls-verify=true refuses a loopback registry whose certificate nobody vouches for', async () => {
    const r = await runCli([...g, 'pull', '-q', '--tls-verify=true', image], { expectCode: 125 });
    expect(r.stderr).toMatch(/^Error: .*self-signed certificate/m);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('trusts the CAs in NODE_EXTRA_CA_CERTS for registry connections', async () => {
    const r = await runCli([...g, 'pull', '-q', '--tls-verify=true', image], { expectCode: 0, env: { NODE_EXTRA_CA_CERTS: caFile } });
    const dirs = JSON.parse((await runCli([...g, 'image', 'inspect', r.stdout.trim()], { expectCode: 0 })).stdout)[0].GraphDriver.Data;
    expect(readFileSync(join(dirs.UpperDir, 'hello.txt'), 'utf8')).toBe('over tls\n');
  });

  it('an unreadable NODE_EXTRA_CA_CERTS is one line at the first connection, not a crash at start-up', async () => {
    const missing = join(t.dir, 'no-such-ca.pem');
    expect((await runCli([...g, 'images', '-q'], { expectCode: 0, env: { NODE_EXTRA_CA_CERTS: missing } })).stderr).toBe('');
    const r = await runCli([...g, 'pull', '-q', image], { expectCode: 125, env: { NODE_EXTRA_CA_CERTS: missing } });
    expect(r.stderr).toBe(`Error: reading extra CA certificates (NODE_EXTRA_CA_CERTS): ENOENT: no such file or directory, open '${missing}'\n`);
  });
});
