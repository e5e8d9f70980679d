// Which overlay mounts a store's containers (storage/overlay-kind.ts) and fuse-overlayfs's argv
// (storage/fuse-overlay.ts): pure decisions, checked as data.
import { describe, expect, it } from 'vitest';
import { fuseOverlayArgs } from '../../../storage/fuse-overlay.ts';
import { isOverlayRefusal, overlayKindOf, planOverlay } from '../../../storage/overlay-kind.ts';

describe('planOverlay', () => {
  it.each([
    ['configured mount_program wins, as root', { mountProgram: '/usr/bin/fuse-overlayfs', recorded: undefined, rootless: false }, { kind: 'fuse-overlayfs', program: '/usr/bin/fuse-overlayfs', why: 'configured' }],
    ['configured mount_program wins over a native store (native → FUSE is safe)', { mountProgram: '/opt/fo', recorded: 'native', rootless: true }, { kind: 'fuse-overlayfs', program: '/opt/fo', why: 'configured' }],
    ['a store that used FUSE stays FUSE without config', { recorded: 'fuse-overlayfs', rootless: true }, { kind: 'fuse-overlayfs', program: undefined, why: 'recorded' }],
    ['… as root too', { recorded: 'fuse-overlayfs', rootless: false }, { kind: 'fuse-overlayfs', program: undefined, why: 'recorded' }],
    ['rootless, nothing configured: native, with the fallback', { recorded: undefined, rootless: true }, { kind: 'native', fallBack: true }],
    ['root, nothing configured: native, no fallback (a refusal is an error)', { recorded: undefined, rootless: false }, { kind: 'native', fallBack: false }],
  ] as const)('%s', (_label, input, want) => {
    expect(planOverlay(input)).toEqual(want);
  });
});

describe('isOverlayRefusal', () => {
  it.each([['EPERM', true], ['EINVAL', true], ['ENODEV', true], ['ENOENT', false], ['EBUSY', false], ['ENOSPC', false], [undefined, false]] as const)('%s → %s', (errno, want) => {
    expect(isOverlayRefusal(errno)).toBe(want);
  });
});

describe('overlayKindOf (info)', () => {
  it('fuse-overlayfs when configured or recorded, else native', () => {
    expect(overlayKindOf({ mountProgram: '/usr/bin/fuse-overlayfs', recorded: undefined })).toBe('fuse-overlayfs');
    expect(overlayKindOf({ recorded: 'fuse-overlayfs' })).toBe('fuse-overlayfs');
    expect(overlayKindOf({ recorded: 'native' })).toBe('native');
    expect(overlayKindOf({ recorded: undefined })).toBe('native');
  });
});

describe('fuseOverlayArgs', () => {
  const m = { layers: ['/s/layers/base', '/s/layers/mid', '/s/layers/top'], layersDir: '/s/layers', upper: '/s/c/1/upper', work: '/s/c/1/work', target: '/s/c/1/rootfs' };
  it('absolute lowerdirs, top layer first; upper, work, then mountopt; the target last', () => {
    expect(fuseOverlayArgs(m, ['nodev'])).toEqual(['-o', 'lowerdir=/s/layers/top:/s/layers/mid:/s/layers/base,upperdir=/s/c/1/upper,workdir=/s/c/1/work,nodev', '/s/c/1/rootfs']);
    expect(fuseOverlayArgs(m)[1]).not.toContain('userxattr'); // a kernel overlay option; fuse-overlayfs reads both xattr namespaces
  });
  it('refuses paths fuse-overlayfs would split (, and :)', () => {
    expect(() => fuseOverlayArgs({ ...m, upper: '/s/c:1/upper' })).toThrow(expect.objectContaining({ code: 'OVERLAY_UNAVAILABLE', message: expect.stringContaining('/s/c:1/upper') }));
    expect(() => fuseOverlayArgs({ ...m, layers: ['/s/a,b'] })).toThrow(expect.objectContaining({ code: 'OVERLAY_UNAVAILABLE' }));
  });
  it('takes many more layers than a native mount (one page), and refuses past an argv string', () => {
    const many = Array.from({ length: 500 }, (_, i) => `/var/lib/tsengine/layers/${String(i).padStart(64, '0')}`);
    expect(fuseOverlayArgs({ ...m, layers: many })[1]!.length).toBeGreaterThan(4096);
    const tooMany = Array.from({ length: 2000 }, (_, i) => `/var/lib/tsengine/layers/${String(i).padStart(64, '0')}`);
    expect(() => fuseOverlayArgs({ ...m, layers: tooMany })).toThrow(expect.objectContaining({ code: 'LAYER_INVALID', message: expect.stringMatching(/too many layers \(2000\)/) }));
  });
});
