import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../cmd/command.ts';
import { DetachKeyFilter, parseDetachKeys } from '../../../cmd/parse/detach-keys.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('parseDetachKeys', () => {
  it.each([
    ['ctrl-p,ctrl-q', [0x10, 0x11]],
    ['ctrl-a', [1]],
    ['ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_', [0, 27, 28, 29, 30, 31]],
    ['x,ctrl-Z', [0x78, 26]],
    ['', []],
  ])('%j → %j', (spec, bytes) => {
    expect([...parseDetachKeys(spec, 'run')]).toEqual(bytes);
  });

  it.each(['ctrl-1', 'ctrl-pp', 'xy', 'é', 'ctrl-p,'])('refuses %j with a usage error', (spec) => {
    expect(() => parseDetachKeys(spec, 'run')).toThrow(UsageError);
  });
});

describe('DetachKeyFilter', () => {
  const keys = parseDetachKeys('ctrl-p,ctrl-q', 'run');

  it('passes other bytes through and detaches on the sequence, dropping it and what follows', () => {
    const f = new DetachKeyFilter(keys);
    expect(f.push(b('ls\r'))).toEqual({ forward: b('ls\r'), detach: false });
    expect(f.push(b('ab\x10\x11cd'))).toEqual({ forward: b('ab'), detach: true });
  });

  it('holds a ctrl-p until the next byte decides, also across chunks; a lone one goes on with the next key', () => {
    const f = new DetachKeyFilter(keys);
    expect(f.push(b('\x10'))).toEqual({ forward: b(''), detach: false });
    expect(f.holding).toBe(true);
    expect(f.push(b('x'))).toEqual({ forward: b('\x10x'), detach: false });
    expect(f.holding).toBe(false);
    expect(f.push(b('\x10'))).toEqual({ forward: b(''), detach: false });
    expect(f.push(b('\x11'))).toEqual({ forward: b(''), detach: true });
  });

  it('ctrl-p ctrl-p: the first goes on, the second may still start the sequence', () => {
    const f = new DetachKeyFilter(keys);
    expect(f.push(b('\x10\x10'))).toEqual({ forward: b('\x10'), detach: false });
    expect(f.push(b('\x11'))).toEqual({ forward: b(''), detach: true });
  });

  it('flush() releases what is held (the hold timed out)', () => {
    const f = new DetachKeyFilter(keys);
    f.push(b('a\x10'));
    expect(f.flush()).toEqual(b('\x10'));
    expect(f.holding).toBe(false);
    expect(f.flush()).toEqual(b(''));
  });

  it('no keys: everything passes, nothing detaches', () => {
    const f = new DetachKeyFilter(new Uint8Array(0));
    expect(f.push(b('\x10\x11'))).toEqual({ forward: b('\x10\x11'), detach: false });
  });
});
