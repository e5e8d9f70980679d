import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../../engine/errors.ts';
import { CONTAINER_ENV, DEFAULT_PATH, processEnv } from '../../../engine/container/process-env.ts';

const base = { home: '/root', hostname: 'abc123def456' };

describe('processEnv', () => {
  it('gives podman defaults, then HOME and HOSTNAME, with nothing else set', () => {
    expect(processEnv(base)).toEqual([`PATH=${DEFAULT_PATH}`, 'TERM=xterm', CONTAINER_ENV, 'HOME=/root', 'HOSTNAME=abc123def456']);
  });

  it('lets the image override the defaults by key, in place', () => {
    expect(processEnv({ ...base, image: ['PATH=/opt/bin:/bin', 'LANG=C.UTF-8'] })).toEqual([
      'PATH=/opt/bin:/bin', 'TERM=xterm', CONTAINER_ENV, 'LANG=C.UTF-8', 'HOME=/root', 'HOSTNAME=abc123def456',
    ]);
  });

  it('lets -e override the image and the defaults by key', () => {
    const env = processEnv({ ...base, image: ['LANG=C', 'A=image'], user: ['A=user', 'TERM=dumb', 'B=x=y'] });
    expect(env).toEqual([`PATH=${DEFAULT_PATH}`, 'TERM=dumb', CONTAINER_ENV, 'LANG=C', 'A=user', 'B=x=y', 'HOME=/root', 'HOSTNAME=abc123def456']);
  });

  it('keeps a HOME or HOSTNAME given by the image or -e', () => {
    const env = processEnv({ ...base, image: ['HOME=/srv'], user: ['HOSTNAME=mine'] });
    expect(env.filter((e) => e.startsWith('HOME=') || e.startsWith('HOSTNAME='))).toEqual(['HOME=/srv', 'HOSTNAME=mine']);
  });

  it('keeps the last of duplicate keys and empty values', () => {
    expect(processEnv({ ...base, user: ['X=1', 'X=2', 'EMPTY='] })).toContain('X=2');
    expect(processEnv({ ...base, user: ['X=1', 'X=2', 'EMPTY='] })).toContain('EMPTY=');
    expect(processEnv({ ...base, user: ['X=1', 'X=2'] }).filter((e) => e.startsWith('X='))).toEqual(['X=2']);
  });

  it('refuses an entry without a name', () => {
    let err: unknown;
    try {
      processEnv({ ...base, user: ['=oops'] });
    } catch (e) {
      err = e;
    }
    expect(isEngineError(err) && err.code).toBe('INVALID_ARGUMENT');
  });
});
