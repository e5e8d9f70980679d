// Pull progress rendering: one line per state change when piped; redrawn per-layer lines on a TTY.
import { describe, expect, it } from 'vitest';
import type { PullEvent } from '../../../engine/index.ts';
import { PullProgress } from '../../../cmd/progress.ts';

const A = `sha256:${'a'.repeat(64)}` as const;
const B = `sha256:${'b'.repeat(64)}` as const;

const events: PullEvent[] = [
  { type: 'resolving', ref: 'r/x:1' },
  { type: 'layer', digest: A, phase: 'waiting', bytes: 0, total: 2_000_000 },
  { type: 'layer', digest: B, phase: 'waiting', bytes: 0, total: 10 },
  { type: 'resolved', ref: 'r/x:1', digest: `sha256:${'c'.repeat(64)}`, platform: 'linux/amd64' },
  { type: 'layer', digest: B, phase: 'exists', bytes: 10, total: 10 },
  { type: 'layer', digest: A, phase: 'downloading', bytes: 0, total: 2_000_000 },
  { type: 'layer', digest: A, phase: 'downloading', bytes: 1_000_000, total: 2_000_000 },
  { type: 'layer', digest: A, phase: 'downloading', bytes: 2_000_000, total: 2_000_000 },
  { type: 'layer', digest: A, phase: 'done', bytes: 2_000_000, total: 2_000_000 },
  { type: 'stored', imageId: 'd'.repeat(64) },
];

function render(isTTY: boolean): string {
  let out = '';
  const p = new PullProgress({ isTTY, write: (s: string) => (out += s) });
  for (const e of events) p.update(e);
  p.finish();
  return out;
}

describe('PullProgress', () => {
  it('prints one line per state change when not a TTY', () => {
    expect(render(false)).toBe(
      [
        'Trying to pull r/x:1...',
        'bbbbbbbbbbbb: Already exists',
        'aaaaaaaaaaaa: Downloading',
        'aaaaaaaaaaaa: Pull complete',
        `Digest: sha256:${'c'.repeat(64)}`,
        'Status: Downloaded newer image for r/x:1',
        '',
      ].join('\n'),
    );
  });

  it('redraws one line per layer in place on a TTY, ending with their final states', () => {
    const out = render(true);
    expect(out).toContain('\x1b[2A'); // moved back up over the two layer lines
    expect(out).toMatch(/aaaaaaaaaaaa: Downloading \[ {40}\] 0B\/2MB/);
    const screen = out.split(/\x1b\[\d+A/).at(-1)!;
    expect(screen).toContain('\x1b[2Kaaaaaaaaaaaa: Pull complete\n\x1b[2Kbbbbbbbbbbbb: Already exists\n');
    expect(out.endsWith('Status: Downloaded newer image for r/x:1\n')).toBe(true);
  });
});
