// Every error an embedder tests for, one per code, through the public entry only: an error class with a
// stable `code` (callers switch on it, never on the message), recognised by isEngineError.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodedError, Engine, type EngineErrorCode, isEngineError } from '../../../engine/index.ts';
import { getRegistry } from '../../helpers/registry.ts';
import { makeTmpRoots, type TmpRoots } from '../../helpers/tmp-root.ts';
import { closeAndRemove, errorOf, openWithImage, optionsFor } from './api-env.ts';

const reg = getRegistry();
const alpine = reg.images.alpine.ref;
let t: TmpRoots;
let engine: Engine;

beforeAll(async () => {
  ({ t, engine } = await openWithImage('api-errors', alpine));
});
afterAll(() => closeAndRemove(engine, t));

/** A running container, removed by afterAll. */
async function runningContainer(): Promise<string> {
  const { id } = await engine.containers.create({ image: alpine, command: ['sleep', '60'] });
  await engine.containers.start(id);
  return id;
}

function expectCode(e: unknown, code: EngineErrorCode): void {
  expect(isEngineError(e)).toBe(true);
  expect(e).toBeInstanceOf(CodedError);
  expect((e as CodedError<string>).code).toBe(code);
  expect((e as Error).message).not.toBe('');
}

describe('error codes', () => {
  const cases: [EngineErrorCode, () => Promise<unknown>][] = [
    ['CONTAINER_NOT_FOUND', () => engine.containers.inspect('no-such-container')],
    ['IMAGE_NOT_FOUND', () => engine.containers.create({ image: 'localhost/no/such:image' })],
    ['INVALID_REFERENCE', () => engine.images.pull('Upper/Case:tag')],
    ['INVALID_ARGUMENT', () => engine.containers.create({ image: alpine, stopTimeout: -1 })],
    ['RUNTIME_NOT_FOUND', () => engine.containers.create({ image: alpine, runtime: 'no-such-runtime' })],
    ['NAME_IN_USE', async () => {
      await engine.containers.create({ image: alpine, name: 'taken' });
      return engine.containers.create({ image: alpine, name: 'taken' });
    }],
    ['CONTAINER_NOT_RUNNING', async () => engine.containers.kill((await engine.containers.create({ image: alpine })).id)],
    ['CONTAINER_IN_USE', async () => engine.containers.remove(await runningContainer())],
    ['BAD_STATE', async () => engine.containers.start(await runningContainer())],
    ['IMAGE_IN_USE', async () => {
      await engine.containers.create({ image: alpine });
      return engine.images.remove(alpine);
    }],
    ['MANIFEST_UNKNOWN', () => engine.images.pull(`${reg.host}/library/alpine:no-such-tag`)],
    ['REGISTRY_UNREACHABLE', () => engine.images.pull('127.0.0.1:1/library/alpine:3.20.3')],
    ['COMMAND_NOT_FOUND', async () => engine.containers.start((await engine.containers.create({ image: alpine, command: ['/no/such/command'] })).id)],
  ];
  it.each(cases)('%s', async (code, f) => {
    expectCode(await errorOf(f), code);
  });

  it('ENGINE_CLOSED: a call on a closed engine', async () => {
    const other = makeTmpRoots('api-errors-closed');
    try {
      const e = await Engine.open(optionsFor(other));
      await e.close();
      expectCode(await errorOf(() => e.containers.list()), 'ENGINE_CLOSED');
      expectCode(await errorOf(() => e.images.list()), 'ENGINE_CLOSED');
      expectCode(await errorOf(() => e.run({ image: alpine })), 'ENGINE_CLOSED');
      await e.close(); // idempotent
    } finally {
      other.cleanup();
    }
  });

  it('INVALID_ARGUMENT from Engine.open: an unknown option', async () => {
    expectCode(await errorOf(() => Engine.open({ ...optionsFor(t), colour: 'blue' } as never)), 'INVALID_ARGUMENT');
  });

  it('errors the engine did not make are not engine errors', () => {
    expect(isEngineError(new Error('x'))).toBe(false);
    expect(isEngineError({ code: 'IMAGE_NOT_FOUND' })).toBe(false);
    expect(isEngineError(undefined)).toBe(false);
  });
});
