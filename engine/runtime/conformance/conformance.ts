/**
 * engine.conformance: the runtime conformance suite as an engine facade. The suite itself (check.ts and
 * the cases) is loaded on first use: it is a good share of the engine, and only `runtime check` needs it.
 */
import type { CheckDeps, CheckOptions, CheckReport } from './check.ts';

export class Conformance {
  readonly #d: CheckDeps;

  constructor(deps: CheckDeps) {
    this.#d = deps;
  }

  /**
   * Runs the conformance cases against a runtime (a name, registered or on PATH, or an absolute path) and
   * reports each as pass, fail (expected vs got) or skip (why). A failing case is a result, not an error.
   * Throws RUNTIME_NOT_FOUND, IMAGE_NOT_FOUND (no image to build bundles from), INVALID_ARGUMENT, the
   * signal's reason when aborted, and RUNTIME_FAILED when the runtime cannot delete its containers.
   */
  async check(nameOrPath: string, o: CheckOptions = {}): Promise<CheckReport> {
    const { checkRuntime } = await import('./check.ts');
    return checkRuntime(this.#d, nameOrPath, o);
  }
}
