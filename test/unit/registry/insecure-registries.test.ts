import { describe, expect, it } from 'vitest';
import { isInsecureRegistry, isLoopbackHost, splitHostPort } from '../../../engine/registry/insecure-registries.ts';

describe('splitHostPort', () => {
  it.each([
    ['quay.io', { host: 'quay.io', port: undefined }],
    ['Quay.IO:443', { host: 'quay.io', port: '443' }],
    ['[::1]:5000', { host: '::1', port: '5000' }],
    ['[::1]', { host: '::1', port: undefined }],
    ['::1', { host: '::1', port: undefined }],
  ])('%s', (text, want) => {
    expect(splitHostPort(text)).toEqual(want);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true], ['127.0.0.1', true], ['127.8.9.10', true], ['::1', true], ['::ffff:127.0.0.1', true],
    ['128.0.0.1', false], ['10.0.0.1', false], ['::2', false], ['localhost.example.com', false], ['quay.io', false],
  ])('%s → %s', (host, want) => {
    expect(isLoopbackHost(host)).toBe(want);
  });
});

describe('isInsecureRegistry', () => {
  const insecure = ['reg.example.com:5000', 'any-port.example.com', '*.lab.example', '10.1.0.0/16', 'fd00::/8'];
  it.each<[string, boolean | undefined, boolean]>([
    ['127.0.0.1:5000', undefined, true],
    ['localhost:5000', undefined, true],
    ['[::1]:5000', undefined, true],
    ['reg.example.com:5000', undefined, true],
    ['reg.example.com:5001', undefined, false],
    ['reg.example.com', undefined, false],
    ['any-port.example.com:8443', undefined, true],
    ['any-port.example.com', undefined, true],
    ['x.lab.example:5000', undefined, true],
    ['lab.example', undefined, false],
    ['10.1.2.3:5000', undefined, true],
    ['10.2.0.1:5000', undefined, false],
    ['[fd12::1]:5000', undefined, true],
    ['quay.io', undefined, false],
    ['quay.io', true, false],
    ['quay.io', false, true],
    // An explicit --tls-verify=true verifies loopback and listed registries too (podman's meaning).
    ['127.0.0.1:5000', true, false],
    ['reg.example.com:5000', true, false],
  ])('%s (tlsVerify %s) → %s', (hostPort, tlsVerify, want) => {
    expect(isInsecureRegistry(hostPort, { insecure, tlsVerify })).toBe(want);
  });
});
