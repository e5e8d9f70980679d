// Layer entry names: normalization, traversal refusal, whiteout meaning (image-spec layer.md).
import { describe, expect, it } from 'vitest';
import { entryPath, parentPath, whiteoutAction } from '../../../storage/unpack-paths.ts';

describe('entryPath', () => {
  it.each([
    ['a/b', 'a/b'],
    ['./a/b', 'a/b'],
    ['a/b/', 'a/b'],
    ['./a//./b/', 'a/b'],
    ['./', ''],
    ['.', ''],
    ['..a/b..', '..a/b..'],
    ['.wh.x', '.wh.x'],
  ])('%j → %j', (name, expected) => {
    expect(entryPath(name)).toBe(expected);
  });

  it.each([
    ['/etc/passwd', /^unsafe layer entry "\/etc\/passwd": absolute name$/],
    ['../x', /^unsafe layer entry "..\/x": ".." in name$/],
    ['a/../../x', /".." in name/],
    ['a/..', /".." in name/],
    ['./..', /".." in name/],
    ['a\0b', /NUL byte in name/],
  ])('refuses %j', (name, message) => {
    expect(() => entryPath(name)).toThrow(expect.objectContaining({ code: 'LAYER_INVALID', message: expect.stringMatching(message) }));
  });
});

describe('parentPath', () => {
  it.each([
    ['a/b/c', 'a/b'],
    ['a', ''],
  ])('%j → %j', (path, parent) => {
    expect(parentPath(path)).toBe(parent);
  });
});

describe('whiteoutAction', () => {
  it.each([
    ['a/b', undefined],
    ['a/x.wh.b', undefined],
    ['a/.wh.b/c', undefined],
    ['.wh.a', { kind: 'whiteout', path: 'a' }],
    ['d/e/.wh.f', { kind: 'whiteout', path: 'd/e/f' }],
    ['.wh..hidden', { kind: 'whiteout', path: '.hidden' }],
    ['.wh..wh..opq', { kind: 'opaque', dir: '' }],
    ['d/.wh..wh..opq', { kind: 'opaque', dir: 'd' }],
    ['.wh..wh.plnk', { kind: 'skip' }],
    ['.wh..wh.plnk/123.456', { kind: 'skip' }],
    ['.wh..wh.aufs', { kind: 'skip' }],
    ['d/.wh..wh.orph', { kind: 'skip' }],
  ])('%j → %j', (path, action) => {
    expect(whiteoutAction(path)).toEqual(action);
  });

  it.each(['.wh.', 'd/.wh..', 'd/.wh...'])('refuses the whiteout %j, which names no sibling', (path) => {
    expect(() => whiteoutAction(path)).toThrow(expect.objectContaining({ code: 'LAYER_INVALID' }));
  });
});
