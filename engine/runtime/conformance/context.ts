/**
 * What a case gets to work with: its own bundles (one per container), host directories, console sockets,
 * the runtime driver, and an AbortSignal that fires on the caller's abort or the case's time limit.
 */
import type { RuntimeProfile } from '../profiles.ts';
import type { Invocation, Running, RuntimeDriver, StateAnswer } from './driver.ts';
import type { OciProcess } from '../../container/oci-spec.ts';
import type { OciStatus } from '../oci-state.ts';
import type { Bundle, BundleOptions, Workspace } from './workspace.ts';

export interface CaseContext {
  /** The runtime under check; its stateRoot is the check's own. */
  readonly profile: RuntimeProfile;
  readonly signal: AbortSignal;
  /** Not root: cgroup v1 limits cannot be set (DESIGN.md §6). */
  readonly rootless: boolean;
  /** The overlay's upper dir: a write to the container's rootfs lands here, a write to a mount does not. */
  readonly upper: string;
  /** A container of this case. `suffix` tells several apart (`-2`). */
  bundle(o: BundleOptions, suffix?: string): Bundle;
  hostDir(name: string): string;
  socketPath(suffix?: string): string;
  run(b: Bundle, o?: { readonly input?: string }): Running;
  create(b: Bundle, o?: { readonly consoleSocket?: string }): Promise<Invocation>;
  start(b: Bundle): Promise<Invocation>;
  kill(b: Bundle, signal: number): Promise<Invocation>;
  delete(b: Bundle, o: { readonly force: boolean }): Promise<Invocation>;
  exec(b: Bundle, process: OciProcess): Promise<Invocation>;
  state(b: Bundle): Promise<StateAnswer>;
  waitForStatus(b: Bundle, want: OciStatus, timeoutMs: number): Promise<StateAnswer>;
}

/** The CaseContext of one case: names its bundles after the case, passes its signal to every call. */
export function caseContext(o: {
  readonly caseId: string;
  readonly workspace: Workspace;
  readonly driver: RuntimeDriver;
  readonly signal: AbortSignal;
  readonly rootless: boolean;
  /** Told every container id the case makes (to release them when it ends). */
  readonly onBundle: (id: string) => void;
}): CaseContext {
  const { caseId, workspace: ws, driver: d, signal } = o;
  return {
    profile: d.profile,
    signal,
    rootless: o.rootless,
    upper: ws.upper,
    bundle: (b, suffix = '') => {
      const bundle = ws.bundle(`${caseId}${suffix}`, b);
      o.onBundle(bundle.id);
      return bundle;
    },
    hostDir: (name) => ws.hostDir(`${caseId}-${name}`),
    socketPath: (suffix = '') => ws.socketPath(`${caseId}${suffix}`),
    run: (b, r = {}) => d.run(b, { ...r, signal }),
    create: (b, c = {}) => d.create(b, { ...c, signal }),
    start: (b) => d.start(b.id, signal),
    kill: (b, sig) => d.kill(b.id, sig, signal),
    delete: (b, del) => d.delete(b.id, { ...del, signal }),
    exec: (b, p) => d.exec(b, p, signal),
    state: (b) => d.state(b.id, signal),
    waitForStatus: (b, want, ms) => d.waitForStatus(b.id, want, ms, signal),
  };
}
