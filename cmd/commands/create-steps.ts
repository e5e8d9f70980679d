/** run/create steps around the engine's create: --pull policy, --cidfile, --replace. */
import { existsSync, writeFileSync } from 'node:fs';
import { EngineError, isEngineError, type Engine } from '../../engine/index.ts';
import type { Args, CliContext } from '../context.ts';
import { PullProgress } from '../progress.ts';

const PULL_POLICIES: ReadonlySet<string> = new Set(['always', 'missing', 'never', 'newer']);

/**
 * The image per --pull (podman's policies): `missing` (default) pulls when it is not stored, `always`
 * every time, `never` not at all, `newer` every time too but falls back to the stored image when the
 * registry cannot be reached (a pull of an unchanged image fetches only its manifest: layers are shared).
 */
export async function ensureImage(ctx: CliContext, engine: Engine, args: Args): Promise<void> {
  const image = String(args['image']);
  const policy = typeof args['pull'] === 'string' ? args['pull'] : 'missing';
  if (!PULL_POLICIES.has(policy)) throw new EngineError('INVALID_ARGUMENT', `invalid pull policy "${policy}": use always, missing, never or newer`);
  const exists = await engine.images.exists(image);
  if (policy === 'never') {
    if (!exists) throw new EngineError('IMAGE_NOT_FOUND', `${image}: image not known`, { hint: '--pull never: pull it first' });
    return;
  }
  if (policy === 'missing' && exists) return;
  const progress = args['quiet'] ? undefined : new PullProgress(ctx.stderr);
  try {
    await engine.images.pull(image, {
      platform: typeof args['platform'] === 'string' ? args['platform'] : undefined,
      signal: ctx.signal,
      onProgress: progress ? (e) => progress.update(e) : undefined,
    });
  } catch (e) {
    if (!(policy === 'newer' && exists && isEngineError(e) && (e.code === 'REGISTRY_UNREACHABLE' || e.code === 'REGISTRY_HTTP'))) throw e;
    ctx.warn(`Warning: --pull newer: ${e.message}; using the stored image`);
  } finally {
    progress?.finish();
  }
}

/** --cidfile: refused before anything is created when the file exists (podman's words). */
export function checkCidfile(args: Args): string | undefined {
  const path = typeof args['cidfile'] === 'string' ? args['cidfile'] : undefined;
  if (path !== undefined && existsSync(path)) {
    throw new EngineError('INVALID_ARGUMENT', `container id file exists. Ensure another container is not using it or delete ${path}`);
  }
  return path;
}

export function writeCidfile(path: string | undefined, id: string): void {
  if (path !== undefined) writeFileSync(path, id, { flag: 'wx' });
}

/** --replace: the container of that name goes first (force-removed, as podman does). */
export async function replaceExisting(engine: Engine, args: Args): Promise<void> {
  if (args['replace'] !== true) return;
  const name = typeof args['name'] === 'string' ? args['name'] : undefined;
  if (name === undefined) throw new EngineError('INVALID_ARGUMENT', 'cannot replace container without --name being set');
  await engine.containers.remove(name, { force: true }).catch((e: unknown) => {
    if (!(isEngineError(e) && e.code === 'CONTAINER_NOT_FOUND')) throw e;
  });
}
