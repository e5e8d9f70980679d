import { describe, expect, it } from 'vitest';
import { formatReference, type ImageReference, isShortName, parseReference, registryApiHost } from '../../../engine/image/reference.ts';
import type { Digest } from '../../../storage/digest.ts';

const D: Digest = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    ['busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    ['busybox:1.38.0-musl', { registry: 'docker.io', repository: 'library/busybox', tag: '1.38.0-musl' }],
    ['library/busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    ['bitnami/redis:7', { registry: 'docker.io', repository: 'bitnami/redis', tag: '7' }],
    ['docker.io/busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    ['index.docker.io/busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    ['registry-1.docker.io/library/alpine:3', { registry: 'docker.io', repository: 'library/alpine', tag: '3' }],
    ['docker.io/a/b/c', { registry: 'docker.io', repository: 'a/b/c', tag: 'latest' }],
    ['quay.io/podman/hello', { registry: 'quay.io', repository: 'podman/hello', tag: 'latest' }],
    ['quay.io/hello', { registry: 'quay.io', repository: 'hello', tag: 'latest' }],
    ['localhost/foo', { registry: 'localhost', repository: 'foo', tag: 'latest' }],
    ['localhost:5000/foo:v1', { registry: 'localhost:5000', repository: 'foo', tag: 'v1' }],
    ['127.0.0.1:5000/library/busybox:1.38.0-musl', { registry: '127.0.0.1:5000', repository: 'library/busybox', tag: '1.38.0-musl' }],
    ['[::1]:5000/a/b', { registry: '[::1]:5000', repository: 'a/b', tag: 'latest' }],
    ['myhost:5000/a', { registry: 'myhost:5000', repository: 'a', tag: 'latest' }],
    [`busybox@${D}`, { registry: 'docker.io', repository: 'library/busybox', digest: D }],
    [`busybox:1.36@${D}`, { registry: 'docker.io', repository: 'library/busybox', tag: '1.36', digest: D }],
    [`host:5000/a/b@${D}`, { registry: 'host:5000', repository: 'a/b', digest: D }],
    ['a_b__c-d---e/f.g', { registry: 'docker.io', repository: 'a_b__c-d---e/f.g', tag: 'latest' }],
    ['localhost:5000', { registry: 'docker.io', repository: 'library/localhost', tag: '5000' }],
    ['Upper/repo', { registry: 'Upper', repository: 'repo', tag: 'latest' }],
  ])('%s', (text, want) => {
    expect(parseReference(text)).toEqual(want);
  });

  it.each([
    ['', 'invalid reference format: repository name must have at least one component'],
    ['Busybox', 'invalid reference format: repository name (library/Busybox) must be lowercase'],
    ['quay.io/Podman/hello', 'invalid reference format: repository name (Podman/hello) must be lowercase'],
    ['busybox:', 'invalid reference format: invalid tag ""'],
    ['busybox:-x', 'invalid reference format: invalid tag "-x"'],
    [`busybox:${'t'.repeat(129)}`, `invalid reference format: invalid tag "${'t'.repeat(129)}"`],
    ['busybox@sha256:abc', 'invalid reference format: invalid digest "sha256:abc"'],
    [`busybox@sha256:${'A'.repeat(64)}`, `invalid reference format: invalid digest "sha256:${'A'.repeat(64)}"`],
    [`busybox@sha512:${'a'.repeat(128)}`, `invalid reference format: unsupported digest algorithm in "sha512:${'a'.repeat(128)}" (only sha256)`],
    ['a//b', 'invalid reference format: "a//b"'],
    ['/a', 'invalid reference format: "/a"'],
    ['a/', 'invalid reference format: "a/"'],
    ['quay.io/', 'invalid reference format: "quay.io/"'],
    ['foo..bar', 'invalid reference format: "foo..bar"'],
    ['-foo', 'invalid reference format: "-foo"'],
    ['foo bar', 'invalid reference format: "foo bar"'],
    ['-host.io/a', 'invalid reference format: invalid registry "-host.io"'],
    ['a_b.c/d', 'invalid reference format: invalid registry "a_b.c"'],
    [':tag', 'invalid reference format: ":tag": repository name must have at least one component'],
    ['a'.repeat(64).replace(/a/g, 'f'), `invalid reference format: repository name (${'f'.repeat(64)}) cannot be a 64-byte hexadecimal string`],
    [`x/${'a'.repeat(254)}`, 'invalid reference format: repository name must not be more than 255 characters'],
  ])('refuses %j', (text, message) => {
    expect(() => parseReference(text)).toThrow(expect.objectContaining({ code: 'INVALID_REFERENCE', message }));
  });
});

describe('formatReference', () => {
  it.each<[ImageReference, string]>([
    [{ registry: 'docker.io', repository: 'library/busybox', tag: '1.38.0-musl' }, 'docker.io/library/busybox:1.38.0-musl'],
    [{ registry: 'host:5000', repository: 'a/b', digest: D }, `host:5000/a/b@${D}`],
    [{ registry: 'quay.io', repository: 'a', tag: 't', digest: D }, `quay.io/a:t@${D}`],
    [{ registry: 'quay.io', repository: 'a' }, 'quay.io/a'],
  ])('%j → %s', (ref, text) => {
    expect(formatReference(ref)).toBe(text);
  });

  it.each(['docker.io/library/busybox:latest', `quay.io/a/b:c@${D}`, '[::1]:5000/x:y'])('round-trips %s', (text) => {
    expect(formatReference(parseReference(text))).toBe(text);
  });
});

describe('isShortName', () => {
  it.each([
    ['busybox', true],
    ['busybox:1', true],
    ['library/busybox', true],
    ['a/b/c', true],
    ['localhost:5000', true],
    ['localhost', true],
    ['localhost/foo', false],
    ['quay.io/foo', false],
    ['host:5000/foo', false],
    ['docker.io/busybox', false],
    ['[::1]:5000/foo', false],
  ])('%s → %s', (text, want) => {
    expect(isShortName(text)).toBe(want);
  });
});

describe('registryApiHost', () => {
  it.each([
    ['docker.io', 'registry-1.docker.io'],
    ['quay.io', 'quay.io'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
  ])('%s → %s', (registry, host) => {
    expect(registryApiHost(registry)).toBe(host);
  });
});
