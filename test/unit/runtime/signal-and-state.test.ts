// Signal names/numbers as kill takes them, and the runtime's state/list JSON as runc, crun and runsc print it.
import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../../engine/errors.ts';
import { parseListOutput, parseStateOutput } from '../../../engine/runtime/oci-state.ts';
import { signalNumber } from '../../../engine/runtime/signal-number.ts';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isEngineError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

describe('signalNumber', () => {
  it.each([['SIGTERM', 15], ['TERM', 15], ['term', 15], [15, 15], ['15', 15], ['KILL', 9], ['SIGKILL', 9], [9, 9], ['SIGHUP', 1], [64, 64]] as const)('%s → %d', (s, n) => {
    expect(signalNumber(s)).toBe(n);
  });
  it.each([['SIGNOPE'], [0], [65], [1.5], [''], ['-9']] as const)('refuses %j', (s) => {
    expect(codeOf(() => signalNumber(s))).toBe('INVALID_ARGUMENT');
  });
});

describe('parseStateOutput', () => {
  it('reads runc, crun and runsc state', () => {
    const runc = '{\n  "ociVersion": "1.0.2-dev",\n  "id": "k1",\n  "pid": 25156,\n  "status": "running",\n  "bundle": "/b",\n  "rootfs": "/b/rootfs",\n  "created": "2026-11-23T01:26:00.615446154Z",\n  "owner": ""\n}';
    const crun = '{\n    "ociVersion": "1.0.0",\n    "id": "k1",\n    "pid": 27963,\n    "status": "running",\n    "bundle": "/b",\n    "rootfs": "rootfs",\n    "created": "2026-11-23T01:27:45.210236Z",\n    "systemd-scope": "",\n    "owner": "root"\n}';
    const runsc = '{\n  "ociVersion": "1.0.2-dev",\n  "id": "k1",\n  "status": "running",\n  "pid": 28848,\n  "bundle": "/b"\n}';
    expect(parseStateOutput('runc', 'k1', runc)).toEqual({ status: 'running', pid: 25156 });
    expect(parseStateOutput('crun', 'k1', crun)).toEqual({ status: 'running', pid: 27963 });
    expect(parseStateOutput('runsc', 'k1', runsc)).toEqual({ status: 'running', pid: 28848 });
    expect(parseStateOutput('runc', 'k1', '{"status":"stopped","pid":0}')).toEqual({ status: 'stopped', pid: 0 });
    // runsc 2022-12 says -1 for a stopped container's pid (seen by the runtime conformance suite): none, as 0.
    expect(parseStateOutput('runsc', 'k1', '{"ociVersion":"1.0.0","id":"k1","status":"stopped","pid":-1,"bundle":"/b"}')).toEqual({ status: 'stopped', pid: 0 });
  });
  it('refuses malformed output as RUNTIME_FAILED', () => {
    for (const bad of ['', 'not json', '[]', '{"status":"dancing","pid":1}', '{"status":"running"}', '{"status":"running","pid":-1}']) {
      expect(codeOf(() => parseStateOutput('runc', 'k1', bad)), bad).toBe('RUNTIME_FAILED');
    }
  });
});

describe('parseListOutput', () => {
  it('reads null (runc, runsc), an empty crun list and entries with their state', () => {
    expect(parseListOutput('runc', 'null\n')).toEqual(new Map());
    expect(parseListOutput('crun', '[\n\n]\n')).toEqual(new Map());
    const runsc = '[{"ociVersion":"1.0.2-dev","id":"lc1","status":"running","pid":15881,"bundle":"/tmp/rtexp/bundle"}]';
    expect(parseListOutput('runsc', runsc)).toEqual(new Map([['lc1', { status: 'running', pid: 15881 }]]));
    expect(parseListOutput('runc', '[{"id":"a","pid":1,"status":"running"},{"id":"b"}]')).toEqual(
      new Map([['a', { status: 'running', pid: 1 }], ['b', undefined]]),
    );
    expect(codeOf(() => parseListOutput('runc', '{}'))).toBe('RUNTIME_FAILED');
    expect(codeOf(() => parseListOutput('runc', '[{"pid":1}]'))).toBe('RUNTIME_FAILED');
  });
});
