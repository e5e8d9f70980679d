import { describe, expect, it } from 'vitest';
import { formatPlatform, hostPlatform, normalizePlatform, parsePlatform, platformMatches } from '../../../engine/image/platform.ts';

describe('parsePlatform', () => {
  it.each([
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
    ['linux/x86_64', { os: 'linux', architecture: 'amd64' }],
    ['linux/amd64/v1', { os: 'linux', architecture: 'amd64' }],
    ['linux/amd64/v3', { os: 'linux', architecture: 'amd64', variant: 'v3' }],
    ['linux/arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['linux/aarch64', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['linux/arm64/8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['linux/arm', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['linux/arm/6', { os: 'linux', architecture: 'arm', variant: 'v6' }],
    ['linux/armhf', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['linux/armel', { os: 'linux', architecture: 'arm', variant: 'v6' }],
    ['linux/i386', { os: 'linux', architecture: '386' }],
    ['linux/s390x', { os: 'linux', architecture: 's390x' }],
    ['LINUX/ARM64', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['windows/amd64', { os: 'windows', architecture: 'amd64' }],
  ])('%s', (text, want) => {
    expect(parsePlatform(text)).toEqual(want);
  });

  it('a lone OS means the host architecture on it', () => {
    expect(parsePlatform('linux')).toEqual(hostPlatform());
  });

  it.each([
    ['', 'invalid platform "": empty component'],
    ['linux/', 'invalid platform "linux/": empty component'],
    ['linux/arm/v7/x', 'invalid platform "linux/arm/v7/x": too many components'],
    ['linux/am d64', 'invalid platform "linux/am d64": bad component "am d64"'],
  ])('refuses %j', (text, message) => {
    expect(() => parsePlatform(text)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message }));
  });
});

describe('formatPlatform', () => {
  it.each([
    [{ os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8'],
    [{ os: 'linux', architecture: 'arm', variant: '' }, 'linux/arm'],
  ])('%j → %s', (p, text) => {
    expect(formatPlatform(p)).toBe(text);
  });
});

describe('hostPlatform', () => {
  it('maps process.arch', () => {
    const want = { x64: 'amd64', arm64: 'arm64', ia32: '386' }[process.arch as string] ?? process.arch;
    expect(hostPlatform()).toMatchObject({ os: 'linux', architecture: want });
  });
});

describe('normalizePlatform', () => {
  it.each([
    [{ os: 'Linux', architecture: 'AARCH64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    [{ os: 'macos', architecture: 'x86_64' }, { os: 'darwin', architecture: 'amd64' }],
  ])('%j', (p, want) => {
    expect(normalizePlatform(p)).toEqual(want);
  });
});

describe('platformMatches', () => {
  const p = (os: string, architecture: string, variant?: string) => (variant === undefined ? { os, architecture } : { os, architecture, variant });
  it.each([
    [p('linux', 'arm64'), p('linux', 'arm64', 'v8'), true],
    [p('linux', 'arm64', 'v8'), p('linux', 'arm64'), true],
    [p('linux', 'arm64', 'v8'), p('linux', 'aarch64'), true],
    [p('linux', 'amd64'), p('linux', 'amd64'), true],
    [p('linux', 'amd64'), p('linux', 'x86_64'), true],
    [p('linux', 'amd64'), p('linux', 'arm64'), false],
    [p('linux', 'amd64'), p('windows', 'amd64'), false],
    [p('linux', 'arm', 'v7'), p('linux', 'arm', 'v6'), true],
    [p('linux', 'arm', 'v6'), p('linux', 'arm', 'v7'), false],
    [p('linux', 'arm', 'v7'), p('linux', 'arm', 'v7'), true],
    [p('linux', 'arm64', 'v8'), p('linux', 'arm', 'v7'), false],
    [p('linux', 'amd64', 'v3'), p('linux', 'amd64'), true],
    [p('linux', 'riscv64'), p('linux', 'riscv64'), true],
  ])('want %j have %j → %s', (want, have, ok) => {
    expect(platformMatches(want, have)).toBe(ok);
  });
});
