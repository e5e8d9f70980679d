// The CLI's fast path (cmd/cli.ts fastParse) hands a verb exactly the arguments yargs would, for every line it
// takes, and leaves every other line to yargs: each line below goes through both parsers.
import { beforeAll, describe, expect, it } from 'vitest';
import { fastPathParse, parseOnly, prebuildFastPath } from '../../cmd/cli.ts';

beforeAll(async () => {
  await prebuildFastPath();
});

const G = ['--root', '/tmp/r', '--runroot', '/tmp/rr'];

/** Lines the fast path takes. */
const TAKEN: readonly (readonly string[])[] = [
  ['wait', 'abc'],
  ['wait', 'abc', 'def', '123456'],
  [...G, 'wait', 'abc'],
  ['--root=/x', '--runtime', 'runc', '--runtime-flag', 'debug', '--runtime-flag', 'log=/l', '--log-level', 'debug', 'wait', 'a'],
  ['rm', 'abc'],
  ['rm', '-f', 'abc', 'def'],
  ['rm', '--force', '--volumes', 'abc'],
  ['rm', '-a'],
  ['rm'],
  ['rm', '-v', '42'],
  ['rm', '-i', 'abc'],
  ['rm', '-f', '-f', '--force', 'abc'],
  ['--root', '', 'wait', 'x'],
  ['rm', '-f', '--ignore', 'abc', 'def'],
  ['start', 'abc'],
  ['start', '-a', 'abc'],
  ['start', '--attach', '-i', 'abc'],
  ['start', '--sig-proxy', 'abc'],
  ['stop', 'abc', 'def'],
  ['kill', 'abc'],
  ['create', 'alpine'],
  ['create', 'alpine', 'true'],
  ['create', 'localhost/alpine:3', 'sh', '-c', 'exit 3'],
  [...G, 'create', '-i', '-t', 'alpine', 'sh'],
  ['create', '--privileged', '--read-only', '--init', 'alpine', 'ls', '-la'],
  ['run', '--rm', 'alpine', 'true'],
  [...G, '--runtime', 'crun', 'run', '--rm', 'alpine', 'true'],
  ['run', '-d', 'alpine', 'sleep', '1d'],
  ['run', '-i', '--rm', '-t', 'alpine'],
  ['run', '--rm', '1234', 'echo', '--help'],
  ['ps'],
  ['ps', '-a', '-q'],
  ['ps', '--all', '--no-trunc', '-l'],
  ['logs', 'abc'],
  ['logs', '-f', '-t', 'abc'],
  ['inspect', 'abc', 'def'],
];

/** Lines left to yargs: values, bundled flags, help, versions, typos, groups, errors. */
const LEFT: readonly (readonly string[])[] = [
  ['wait'],
  ['wait', '--help'],
  ['wait', '-h', 'x'],
  ['--version'],
  ['wait', '-v', 'x'],
  ['stop', '-t', '5', 'abc'],
  ['stop', '--time=5', 'abc'],
  ['rm', '-fa'],
  ['rm', '--force=true', 'x'],
  ['rm', '--bogus', 'x'],
  ['rm', '-f', '-t', '0', 'x'],
  ['wait', '-', 'x'],
  ['create', '--name', 'n', 'alpine'],
  ['run', '-e', 'A=B', 'alpine', 'true'],
  ['run', '-it', 'alpine', 'sh'],
  ['run'],
  ['logs', 'a', 'b'],
  ['logs', '--tail', '3', 'a'],
  ['ps', 'x'],
  ['ps', '--format', '{{.ID}}'],
  ['inspect', '-f', '{{.Id}}', 'x'],
  ['container', 'rm', 'x'],
  ['image', 'ls'],
  ['pull', 'alpine'],
  ['--log-level', 'loud', 'wait', 'x'],
  ['--root', '/a', '--root', '/b', 'wait', 'x'],
  ['--root'],
  ['--bogus', 'wait', 'x'],
  ['wiat', 'x'],
  [],
];

describe('the CLI fast path', () => {
  it.each(TAKEN.map((l) => [l.join(' '), l]))('`%s`: the same arguments as yargs', async (_line, argv) => {
    const fast = fastPathParse(argv);
    expect(fast).toBeDefined();
    const slow = await parseOnly(argv);
    expect(fast!.spec).toBe(slow!.spec);
    expect(fast!.args).toEqual(slow!.args);
    expect(fast!.globals).toEqual(slow!.globals);
  });

  it.each(LEFT.map((l) => [l.join(' ') || '(nothing)', l]))('`%s`: left to yargs', (_line, argv) => {
    expect(fastPathParse(argv)).toBeUndefined();
  });

  it('agrees with yargs on 2000 random lines (seeded) wherever it takes one', async () => {
    // mulberry32: small, seeded, and its low bits are as random as its high ones.
    let seed = 20261123;
    const rand = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!;
    const globals = [[], ['--root', '/r'], ['--runroot=/rr'], ['--runtime', 'runc'], ['--runtime-flag', 'debug'], ['--log-level', 'info'], ['--log-level', 'nope'], ['--bogus']];
    const verbs = ['run', 'create', 'start', 'stop', 'kill', 'wait', 'rm', 'ps', 'logs', 'inspect', 'container', 'pull'];
    const words = ['-a', '-f', '-i', '-t', '-d', '-q', '-l', '-v', '--rm', '--all', '--force', '--volumes', '--ignore', '--attach', '--no-trunc', '--sig-proxy', '--init', '--privileged', '--follow', '--time', '5', '-fa', '--name=x', '--', '-', 'abc', '0123456789ab', '42', 'alpine', 'true', 'false', 'sh', '-c'];
    const simple = ['-a', '-f', '-i', '-d', '-q', '-l', '-v', '--rm', '--all', '--force', '--ignore', '--no-trunc', '--follow', 'abc', '0123456789ab', '42', 'alpine', 'true'];
    let taken = 0;
    for (let n = 0; n < 2000; n++) {
      // Half the lines from the simple words only (booleans, positionals), half from all of them.
      const pool = n % 2 === 0 ? simple : words;
      const argv = [...pick(globals), pick(verbs), ...Array.from({ length: rand(4) }, () => pick(pool))];
      const fast = fastPathParse(argv);
      if (!fast) continue;
      taken++;
      const slow = await parseOnly(argv).catch((e: unknown) => {
        throw new Error(`yargs refused \`${argv.join(' ')}\`, which the fast path took: ${(e as Error).message}`);
      });
      expect({ argv, spec: fast.spec.command, args: fast.args, globals: fast.globals }).toEqual({ argv, spec: slow?.spec.command, args: slow?.args, globals: slow?.globals });
    }
    expect(taken).toBeGreaterThan(150); // enough of them are simple lines
  });
});

