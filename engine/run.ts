/**
 * engine.run: docker's `run` as one call for embedders (pull per policy, create, start, wait). The
 * container's exit code is the result; only what kept the command from running at all is an error.
 */
import { EngineError, isEngineError } from './errors.ts';
import type { Containers } from './container/containers.ts';
import type { ExitStatus } from './container/exit-status.ts';
import type { CreateOptions } from './container/options.ts';
import type { Images } from './image/images.ts';
import type { PullEvent } from './image/pull.ts';

/**
 * When `run` pulls: `missing` (default) only when the image is not stored, `always`, `never`, or `newer`
 * (pull, but keep using the stored image when the registry cannot be reached).
 */
export type PullPolicy = 'missing' | 'always' | 'never' | 'newer';

export interface RunOptions extends CreateOptions {
  readonly pull?: PullPolicy | undefined;
  /** Platform to pull (`os/arch[/variant]`); default the host's. */
  readonly platform?: string | undefined;
  /** Progress of the pull, when there is one. */
  readonly onProgress?: ((e: PullEvent) => void) | undefined;
  /**
   * Aborting cancels a pull (the store stays consistent), or stops the container once it has started
   * (its stop signal, then SIGKILL after its stopTimeout); with `autoRemove` the container is removed.
   * The promise rejects with the signal's reason. To stop waiting without stopping the container, use
   * containers.start and containers.wait instead.
   */
  readonly signal?: AbortSignal | undefined;
}

export interface RunResult extends ExitStatus {
  /** The container's full ID (gone already when it was created with `autoRemove`). */
  readonly id: string;
  readonly name: string;
  /** The image was pulled by this call. */
  readonly pulled: boolean;
}

const POLICIES: ReadonlySet<string> = new Set(['missing', 'always', 'never', 'newer']);

export async function runContainer(images: Images, containers: Containers, o: RunOptions): Promise<RunResult> {
  const { pull = 'missing', platform, onProgress, signal, ...create } = o;
  if (!POLICIES.has(pull)) throw new EngineError('INVALID_ARGUMENT', `Expected \`pull\` to be "missing", "always", "never" or "newer", got ${JSON.stringify(pull)}`);
  signal?.throwIfAborted();
  const stored = pull === 'always' ? false : await images.exists(create.image);
  let pulled = pull === 'always' || pull === 'newer' || (pull === 'missing' && !stored);
  if (pulled) {
    try {
      await images.pull(create.image, { platform, signal, onProgress });
    } catch (e) {
      if (!(pull === 'newer' && stored && isEngineError(e) && (e.code === 'REGISTRY_UNREACHABLE' || e.code === 'REGISTRY_HTTP'))) throw e;
      pulled = false;
    }
  }
  signal?.throwIfAborted();
  const c = await containers.create(create);
  let started = false;
  try {
    await containers.start(c.id, signal ? { signal } : {});
    started = true;
    const status = await containers.wait(c.id, signal ? { signal } : {});
    // The runtime could not run the command (seen only after it started, e.g. runc): as start's error.
    if (status.error !== undefined) throw new EngineError(failureCode(status.exitCode), status.error);
    return { ...status, id: c.id, name: c.name, pulled };
  } catch (e) {
    if (signal?.aborted && started) await containers.stop(c.id).catch(ignoreGone);
    if ((signal?.aborted || isEngineError(e)) && create.autoRemove) await containers.remove(c.id, { force: true, volumes: true }).catch(ignoreGone);
    throw e;
  }
}

/** podman's codes for a command the runtime could not run (exit-status.ts, classify.ts). */
function failureCode(exitCode: number): 'COMMAND_NOT_FOUND' | 'CANNOT_INVOKE' | 'RUNTIME_FAILED' {
  return exitCode === 127 ? 'COMMAND_NOT_FOUND' : exitCode === 126 ? 'CANNOT_INVOKE' : 'RUNTIME_FAILED';
}

/** An autoRemove container may be gone already (its cleanup removed it): the same outcome. */
function ignoreGone(e: unknown): void {
  if (!(isEngineError(e) && e.code === 'CONTAINER_NOT_FOUND')) throw e;
}
