// `tsengine run` through the built binary, for every installed runtime, as a table (issue 4 §5), plus
// stdout/stderr separation and argument passing.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';
import { leftovers } from '../helpers/leftovers.ts';
import { useAlpineStore } from '../helpers/alpine-store.ts';

const s = useAlpineStore('e2e-run');

const RUNTIMES = ['crun', 'runc', 'runsc'] as const;
const installed = await Promise.all(RUNTIMES.map(async (r) => (await execa('which', [r], { reject: false })).exitCode === 0));


const cases: [string, string[], number][] = [
  ['true', ['true'], 0],
  ['false', ['false'], 1],
  ["sh -c 'exit 32'", ['sh', '-c', 'exit 32'], 32],
  ['/no/such/command', ['/no/such/command'], 127],
  ['/etc', ['/etc'], 126],
];

describe.each(RUNTIMES.map((r, i) => [r, installed[i]] as const))('runtime %s', (runtime, present) => {
  it.skipIf(!present)(`exit codes (skipped only if ${runtime} is not installed)`, async () => {
    for (const [label, cmd, code] of cases) {
      const r = await runCli([...s.g, 'run', '--rm', '--runtime', runtime, s.alpine, ...cmd], { expectCode: code });
      if (code >= 126 && code <= 127) {
        expect(r.stderr, label).toMatch(/^Error: /m);
      } else {
        expect(r.stderr, label).toBe('');
      }
    }
  });

  it.skipIf(!present)('kill -s KILL → 137', async () => {
    const id = (await runCli([...s.g, 'run', '-d', '--runtime', runtime, s.alpine, 'sleep', '100'], { expectCode: 0 })).stdout.trim();
    await runCli([...s.g, 'kill', '-s', 'KILL', id], { expectCode: 0 });
    expect((await runCli([...s.g, 'wait', id], { expectCode: 0 })).stdout).toBe('137\n');
    const insp = JSON.parse((await runCli([...s.g, 'inspect', id], { expectCode: 0 })).stdout)[0];
    expect(insp.State).toMatchObject({ Status: 'exited', ExitCode: 137 });
    await runCli([...s.g, 'rm', id], { expectCode: 0 });
  });

  it.skipIf(!present)('keeps stdout and stderr apart and passes arguments untouched', async () => {
    const r = await runCli([...s.g, 'run', '--rm', '--runtime', runtime, s.alpine, 'sh', '-c', 'echo out; echo err >&2; echo "$@"', 'x', '-la', '--', 'y'], {
      expectCode: 0,
    });
    expect(r.stdout).toBe('out\n-la -- y\n');
    expect(r.stderr).toBe('err\n');
    const ls = await runCli([...s.g, 'run', '--rm', '--runtime', runtime, s.alpine, 'ls', '-ld', '/etc'], { expectCode: 0 });
    expect(ls.stdout).toMatch(/^d.* \/etc\n$/);
  });

  it.skipIf(!present)('records the runtime; inspect says so; -e, -w, -u and --entrypoint apply', async () => {
    const name = `insp-${runtime}`;
    const r = await runCli(
      [...s.g, 'run', '--name', name, '--runtime', runtime, '-e', 'FOO=bar', '-w', '/tmp', '-u', '65534:65534', '--entrypoint', 'sh', s.alpine, '-c', 'echo $FOO $(pwd) $(id -u):$(id -g)'],
      { expectCode: 0 },
    );
    expect(r.stdout).toBe('bar /tmp 65534:65534\n');
    const f = await runCli([...s.g, 'inspect', '-f', '{{.HostConfig.Runtime}} {{.OCIRuntime}} {{.State.Status}} {{.State.ExitCode}} {{.Name}}', name], { expectCode: 0 });
    expect(f.stdout).toBe(`${runtime} ${runtime} exited 0 ${name}\n`);
    await runCli([...s.g, 'rm', name], { expectCode: 0 });
  });
});

describe('leaves nothing behind', () => {
  it('after the --rm runs above: no mount, no row, no container dir, no runtime state', async () => {
    // The monitors' cleanup may still be finishing the last --rm.
    let left = leftovers(s.t.root, s.t.runRoot);
    for (let i = 0; i < 50 && (left.rows.length || left.mounts.length || left.dirs.length || left.runtimeState.length); i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = leftovers(s.t.root, s.t.runRoot);
    }
    expect(left).toEqual({ mounts: [], rows: [], dirs: [], runtimeState: [] });
  });
});
