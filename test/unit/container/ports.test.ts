import { describe, expect, it } from 'vitest';
import { parsePublish, portBindings, validatePublish } from '../../../engine/container/ports.ts';

describe('parsePublish', () => {
  it.each([
    ['80', [{ hostIp: '', hostPort: 0, containerPort: 80, protocol: 'tcp' }]],
    ['8080:80', [{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]],
    ['127.0.0.1:8080:80/udp', [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'udp' }]],
    ['127.0.0.1::80', [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' }]],
    ['8000-8001:80-81', [{ hostIp: '', hostPort: 8000, containerPort: 80, protocol: 'tcp' }, { hostIp: '', hostPort: 8001, containerPort: 81, protocol: 'tcp' }]],
    ['90-91', [{ hostIp: '', hostPort: 0, containerPort: 90, protocol: 'tcp' }, { hostIp: '', hostPort: 0, containerPort: 91, protocol: 'tcp' }]],
  ])('%s', (spec, want) => {
    expect(parsePublish(spec)).toEqual(want);
  });

  it.each([
    ['', 'container port "" is not a port or a range of ports'],
    ['0', 'container port 0 is outside 1-65535'],
    ['a:b:c:d', 'expected [[HOST_IP:][HOST_PORT]:]CONTAINER_PORT[/PROTOCOL]'],
    ['host:80:80', 'host address "host" is not an IPv4 address'],
    ['81-80', 'container port range "81-80" ends before it starts'],
    ['80/icmp', 'protocol "icmp" is not supported (tcp or udp)'],
  ])('%s is refused', (spec, why) => {
    expect(() => parsePublish(spec)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: `invalid publish spec "${spec}": ${why}` }));
  });
});

describe('validatePublish', () => {
  it('refuses the same host port twice, and networks that do not reach the host', () => {
    expect(() => validatePublish(['8080:80', '8080:81'], 'slirp4netns')).toThrow('host port 0.0.0.0:8080/tcp is published twice');
    expect(validatePublish(['8080:80', '8080:80/udp', '81', '81'], 'slirp4netns')).toHaveLength(4);
    expect(() => validatePublish(['80'], 'private')).toThrow(/needs --network slirp4netns/);
    expect(validatePublish([], 'private')).toEqual([]);
  });

  it('portBindings: docker\'s inspect shape', () => {
    expect(portBindings(parsePublish('127.0.0.1::80'))).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
  });
});
