// `U` mounts: which owner the source gets outside the container, through the container's own user
// namespace when it has one (the chown itself is checked end to end: test/e2e/flags-mounts.test.ts).
import { describe, expect, it } from 'vitest';
import { chownTarget, idOutside } from '../../../engine/container/chown-mounts.ts';

describe('idOutside', () => {
  const keepId = [
    { containerID: 0, hostID: 1, size: 1000 },
    { containerID: 1000, hostID: 0, size: 1 },
    { containerID: 1001, hostID: 1001, size: 64535 },
  ];
  it.each([
    [1000, undefined, 1000],
    [0, keepId, 1],
    [999, keepId, 1000],
    [1000, keepId, 0],
    [5000, keepId, 5000],
    [65536, keepId, undefined],
  ])('%i with %j → %j', (id, maps, want) => {
    expect(idOutside(id, maps)).toBe(want);
  });
});

describe('chownTarget', () => {
  it('is the process user itself without a user namespace of the container\'s own', () => {
    expect(chownTarget({ uid: 1000, gid: 1000 }, undefined)).toEqual({ uid: 1000, gid: 1000 });
  });

  it('maps uid and gid separately', () => {
    const userns = { uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }] };
    expect(chownTarget({ uid: 33, gid: 44 }, userns)).toEqual({ uid: 100033, gid: 200044 });
  });

  it('refuses an ID the namespace does not map, saying which', () => {
    const userns = { uidMappings: [{ containerID: 0, hostID: 0, size: 10 }], gidMappings: [{ containerID: 0, hostID: 0, size: 10 }] };
    expect(() => chownTarget({ uid: 5, gid: 50 }, userns)).toThrow(/the container's GID 50 is not mapped in its user namespace/);
  });
});
