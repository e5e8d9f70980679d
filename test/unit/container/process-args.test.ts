import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../../engine/errors.ts';
import type { ImageConfig } from '../../../engine/image/manifest.ts';
import { processArgs, type ProcessArgsOptions } from '../../../engine/container/runtime-spec.ts';

const image = (config: ImageConfig['config']): ImageConfig => ({
  architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, ...(config ? { config } : {}),
});

const both = image({ Entrypoint: ['/entry.sh', '-v'], Cmd: ['serve', '--port=80'] });
const cmdOnly = image({ Cmd: ['sh'] });
const entryOnly = image({ Entrypoint: ['/bin/app'] });
const blankEntry = image({ Entrypoint: [''], Cmd: ['ls'] });
const none = image(undefined);

// docker's rules, as podman 4.3 implements them (pkg/specgen/generate/oci.go makeCommand).
describe('processArgs', () => {
  it.each<[string, ImageConfig, ProcessArgsOptions, string[]]>([
    ['image Entrypoint + Cmd', both, {}, ['/entry.sh', '-v', 'serve', '--port=80']],
    ['a command replaces Cmd, keeps Entrypoint', both, { command: ['debug'] }, ['/entry.sh', '-v', 'debug']],
    ['an empty command is no command', both, { command: [] }, ['/entry.sh', '-v', 'serve', '--port=80']],
    ['image with only Cmd', cmdOnly, {}, ['sh']],
    ['image with only Cmd, command given', cmdOnly, { command: ['echo', 'hi'] }, ['echo', 'hi']],
    ['image with only Entrypoint', entryOnly, {}, ['/bin/app']],
    ['image with only Entrypoint, command given as its arguments', entryOnly, { command: ['--help'] }, ['/bin/app', '--help']],
    ['--entrypoint replaces Entrypoint and drops the image Cmd', both, { entrypoint: ['/bin/sh'] }, ['/bin/sh']],
    ['--entrypoint with a command', both, { entrypoint: ['/bin/sh', '-c'], command: ['echo hi'] }, ['/bin/sh', '-c', 'echo hi']],
    ['entrypoint [] clears it and keeps the image Cmd (docker API form)', both, { entrypoint: [] }, ['serve', '--port=80']],
    ['entrypoint [] with a command', both, { entrypoint: [], command: ['id'] }, ['id']],
    ["entrypoint [''] (CLI --entrypoint '') clears it and drops the image Cmd", both, { entrypoint: [''], command: ['id'] }, ['id']],
    ["image Entrypoint [''] contributes nothing", blankEntry, {}, ['ls']],
    ['no image config, command given', none, { command: ['true'] }, ['true']],
  ])('%s', (_name, img, o, want) => {
    expect(processArgs(img, o)).toEqual(want);
  });

  it.each<[string, ImageConfig, ProcessArgsOptions]>([
    ['no image config and no command', none, {}],
    ['image without Entrypoint or Cmd', image({ Env: ['A=1'] }), { command: [] }],
    ["--entrypoint '' on an image with only Cmd", cmdOnly, { entrypoint: [''] }],
    ['entrypoint [] on an image with only Entrypoint', entryOnly, { entrypoint: [] }],
  ])('refuses %s', (_name, img, o) => {
    let err: unknown;
    try {
      processArgs(img, o);
    } catch (e) {
      err = e;
    }
    expect(isEngineError(err) && err.code).toBe('INVALID_ARGUMENT');
    expect((err as Error).message).toBe('no command specified');
  });

  it('does not alias the image config arrays', () => {
    const img = image({ Entrypoint: ['/e'], Cmd: ['c'] });
    processArgs(img, {}).push('x');
    expect(img.config).toEqual({ Entrypoint: ['/e'], Cmd: ['c'] });
  });

  // Recorded from podman 4.3.1 on this machine kind: `podman import --change 'CMD ["echo","img"]' --change
  // 'ENTRYPOINT ["/bin/ep"]' alpine-minirootfs… alpine-ep`, then `podman create [ENTRYPOINT] alpine-ep [CMD]`
  // and process.args of the config.json `podman init` wrote (undefined: podman refused, "no command or
  // entrypoint provided, and no CMD or ENTRYPOINT from image").
  const EP = image({ Entrypoint: ['/bin/ep'], Cmd: ['echo', 'img'] });
  it.each<[string, ProcessArgsOptions, string[] | undefined]>([
    ['(none)', {}, ['/bin/ep', 'echo', 'img']],
    ['x y', { command: ['x', 'y'] }, ['/bin/ep', 'x', 'y']],
    ["--entrypoint=''", { entrypoint: [''] }, undefined],
    ["--entrypoint='' x y", { entrypoint: [''], command: ['x', 'y'] }, ['x', 'y']],
    ['--entrypoint=[]', { entrypoint: [] }, ['echo', 'img']],
    ['--entrypoint=[] x y', { entrypoint: [], command: ['x', 'y'] }, ['x', 'y']],
    ['--entrypoint=/bin/sh', { entrypoint: ['/bin/sh'] }, ['/bin/sh']],
    ['--entrypoint=/bin/sh x y', { entrypoint: ['/bin/sh'], command: ['x', 'y'] }, ['/bin/sh', 'x', 'y']],
  ])('as podman 4.3.1: %s', (_args, o, want) => {
    if (want === undefined) expect(() => processArgs(EP, o)).toThrow('no command specified');
    else expect(processArgs(EP, o)).toEqual(want);
  });
});
