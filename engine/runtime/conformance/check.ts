/**
 * `engine.runtimes.check(name)`: runs the conformance cases against one runtime and reports each as pass,
 * fail or skip. It checks the runtime, not the engine: the cases build OCI bundles themselves (from an
 * image in the store, config.json from buildRuntimeSpec, then edited per case) and drive the runtime binary
 * with a --root of their own, so nothing of the engine's containers or state is touched or needed.
 *
 * Two cases run at a time: most of a case is waiting on the runtime, and this machine kind has two cores.
 * Whatever happens (a failing case, a hung runtime, the caller's abort), every container is force-deleted,
 * the rootfs unmounted and the scratch dir removed before this returns or throws.
 */
import { join } from 'node:path';
import type { Store } from '../../../storage/index.ts';
import type { ImageRecord } from '../../../storage/image-store.ts';
import { EngineError, isEngineError } from '../../errors.ts';
import { lookupImage } from '../../image/lookup.ts';
import { parseImageConfig } from '../../image/manifest.ts';
import type { RegistriesConf } from '../../image/short-names.ts';
import { OciCliRuntime } from '../oci-cli.ts';
import type { RuntimeKind, RuntimeProfile } from '../profiles.ts';
import { type CaseOutcome, type CaseResult, type ConformanceCase, fail } from './case.ts';
import { CASES } from './case-list.ts';
import { caseContext } from './context.ts';
import { RuntimeDriver } from './driver.ts';
import { sweepAbandonedChecks } from './leftovers.ts';
import { Workspace } from './workspace.ts';

export type { CaseResult, CaseStatus } from './case.ts';

/** A case that takes longer is ended and fails: every case's containers end within seconds when all is well. */
const CASE_TIMEOUT_MS = 60_000;
const DEFAULT_CONCURRENCY = 2;
/** Images the check looks for when none is given, in this order: both have sh, id, stty, tty, awk, … (busybox). */
const DEFAULT_IMAGES = ['alpine', 'busybox'];

export interface CheckPlan {
  readonly runtime: CheckReport['runtime'];
  readonly image: string;
  /** The cases about to run, in report order. */
  readonly cases: readonly { readonly id: string; readonly title: string }[];
}

export interface CheckOptions {
  /** An image in the store, with a shell and busybox-style tools. Default: a stored alpine, else busybox. */
  readonly image?: string;
  /** Called once, before the first case runs. */
  readonly onStart?: (plan: CheckPlan) => void;
  /** Called once per case, in the order of the report (a result waits for those before it). */
  readonly onResult?: (r: CaseResult) => void;
  /** Stops the check: running cases end, everything is cleaned up, and check() rejects with the reason. */
  readonly signal?: AbortSignal;
  /** Cases in flight at once (1–8). Default 2. */
  readonly concurrency?: number;
}

export interface CheckReport {
  readonly runtime: { readonly name: string; readonly path: string; readonly kind: RuntimeKind; readonly version: string };
  /** The image's name as stored (or its id when it has none). */
  readonly image: string;
  readonly results: readonly CaseResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly durationMs: number;
}

export interface CheckDeps {
  readonly store: Store;
  readonly runRoot: string;
  readonly rootless: boolean;
  readonly xattrNamespace: 'trusted' | 'user';
  readonly registriesConf: () => RegistriesConf;
  /** Resolves a runtime name or path as the engine does (registered names included); throws RUNTIME_NOT_FOUND. */
  readonly resolve: (nameOrPath: string) => RuntimeProfile;
}

export async function checkRuntime(d: CheckDeps, nameOrPath: string, o: CheckOptions = {}): Promise<CheckReport> {
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 8) {
    throw new EngineError('INVALID_ARGUMENT', `Expected \`concurrency\` to be an integer from 1 to 8, got ${JSON.stringify(o.concurrency)}`);
  }
  o.signal?.throwIfAborted();
  const began = Date.now();
  const profile = d.resolve(nameOrPath);
  const { image, name: imageName } = findImage(d, o.image);
  const layers = image.layers.map((diffId) => {
    const l = d.store.layers.get(diffId);
    if (!l) throw new EngineError('STORE_CORRUPT', `image ${image.id}: layer ${diffId} is missing; pull the image again`);
    return l.path;
  });
  const blob = d.store.images.blob(image.configDigest);
  if (!blob) throw new EngineError('STORE_CORRUPT', `image ${image.id}: its config blob is missing`);
  await sweepAbandonedChecks(d.runRoot);
  const ws = await Workspace.open({
    runRoot: d.runRoot,
    layers,
    layersDir: join(d.store.root, 'layers'),
    imageConfig: parseImageConfig(blob.data),
    xattrNamespace: d.xattrNamespace,
  });
  const ours: RuntimeProfile = { ...profile, stateRoot: ws.stateRoot };
  const driver = new RuntimeDriver(ours, ws.logDir);
  let results: CaseResult[];
  let version: string;
  let leftovers: unknown[];
  try {
    ws.recordRuntime(ours);
    version = await versionOf(ours, o.signal);
    o.onStart?.({
      runtime: { name: profile.name, path: profile.path, kind: profile.kind, version },
      image: imageName,
      cases: CASES.map((c) => ({ id: c.id, title: c.title })),
    });
    results = await runCases(CASES, concurrency, (c) => runOne(c, { d, ws, driver, ...(o.signal ? { signal: o.signal } : {}) }), o.onResult);
  } finally {
    leftovers = await driver.cleanup();
    await ws.dispose();
  }
  if (leftovers.length > 0) {
    // A runtime that cannot delete its containers matters more than the results.
    const first = leftovers[0];
    throw new EngineError('RUNTIME_FAILED', `runtime check: cleaning up after ${profile.name} failed: ${first instanceof Error ? first.message : String(first)}`, {
      cause: leftovers.length === 1 ? first : new AggregateError(leftovers),
    });
  }
  const count = (s: CaseResult['status']) => results.filter((r) => r.status === s).length;
  return {
    runtime: { name: profile.name, path: profile.path, kind: profile.kind, version },
    image: imageName,
    results,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    durationMs: Date.now() - began,
  };
}

async function runOne(c: ConformanceCase, o: { d: CheckDeps; ws: Workspace; driver: RuntimeDriver; signal?: AbortSignal }): Promise<CaseResult> {
  o.signal?.throwIfAborted();
  const began = Date.now();
  const timeout = AbortSignal.timeout(CASE_TIMEOUT_MS);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  const ids: string[] = [];
  const ctx = caseContext({ caseId: c.id, workspace: o.ws, driver: o.driver, signal, rootless: o.d.rootless, onBundle: (id) => ids.push(id) });
  let outcome: CaseOutcome;
  try {
    outcome = await c.run(ctx);
  } catch (e) {
    // The runtime calls end (and resolve) when the signal fires; a case then may throw on what is missing.
    if (!signal.aborted) throw e;
    outcome = fail(`aborted: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    // Failures to delete are reported by the final clean-up, which tries these ids again.
    await o.driver.release(ids);
  }
  if (o.signal?.aborted) throw o.signal.reason;
  if (timeout.aborted) outcome = fail(`timed out after ${CASE_TIMEOUT_MS / 1000} s: ${outcome.detail}`);
  return { id: c.id, title: c.title, ...outcome, durationMs: Date.now() - began };
}

/**
 * Runs `cases` with at most `concurrency` in flight; reports and returns results in the cases' order. On
 * an error (an abort, a bug in a case) no new case starts, and the error is thrown once the cases in
 * flight have ended: clean-up must not race a case that is still creating containers.
 */
async function runCases(
  cases: readonly ConformanceCase[],
  concurrency: number,
  one: (c: ConformanceCase) => Promise<CaseResult>,
  onResult: ((r: CaseResult) => void) | undefined,
): Promise<CaseResult[]> {
  const results: (CaseResult | undefined)[] = new Array(cases.length).fill(undefined);
  let next = 0;
  let reported = 0;
  let stop = false;
  const worker = async () => {
    while (next < cases.length && !stop) {
      const i = next++;
      try {
        results[i] = await one(cases[i]!);
      } catch (e) {
        stop = true;
        throw e;
      }
      for (; reported < cases.length && results[reported] !== undefined; reported++) onResult?.(results[reported]!);
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(concurrency, cases.length) }, worker));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => r!);
}

/** The runtime's `--version` line; a runc-compatible build without one is still checked. */
async function versionOf(profile: RuntimeProfile, signal: AbortSignal | undefined): Promise<string> {
  try {
    return await new OciCliRuntime(profile).version(signal ? { signal } : {});
  } catch (e) {
    if (isEngineError(e) && e.code === 'RUNTIME_FAILED') return `unknown (${e.message})`;
    throw e;
  }
}

/** The image to build bundles from: the one asked for, else a stored alpine or busybox. */
function findImage(d: CheckDeps, asked: string | undefined): { image: ImageRecord; name: string } {
  if (asked !== undefined) {
    const image = lookupImage(d.store.images, asked, d.registriesConf);
    return { image, name: image.tags[0] ?? image.id };
  }
  const names = d.store.images.allNames().sort((a, b) => a.name.localeCompare(b.name));
  for (const repo of DEFAULT_IMAGES) {
    const hit = names.find((n) => repositoryOf(n.name).split('/').at(-1) === repo);
    const image = hit && d.store.images.get(hit.imageId);
    if (hit && image) return { image, name: hit.name };
  }
  throw new EngineError('IMAGE_NOT_FOUND', 'runtime check needs an image with a shell, and no alpine or busybox image is stored: pull an image first, e.g. tsengine pull alpine', {
    hint: 'or name a stored image with a shell and busybox-style tools (the `image` option)',
  });
}

/** `registry/path/name:tag` or `…@sha256:…` → `registry/path/name`. */
function repositoryOf(name: string): string {
  const at = name.indexOf('@');
  const base = at >= 0 ? name.slice(0, at) : name;
  const colon = base.lastIndexOf(':');
  return colon > base.lastIndexOf('/') ? base.slice(0, colon) : base;
}
