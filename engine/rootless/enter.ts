/**
 * How a rootless program gets into the user namespace. Node cannot enter one itself (it is
 * multi-threaded), so the program must be started inside: `prepareUserNamespace()` makes sure the holder
 * lives and returns the argv prefix that runs a command there (`tsengine-userns join PID --`). The CLI
 * re-runs itself through it (cmd/rootless-reexec.ts); its launcher joins directly when a holder lives
 * (`join-default`). Engine.open refuses to run rootless outside (USERNS_REQUIRED), with this as the hint.
 */
import { EngineError } from '../errors.ts';
import { type EngineOptions, resolveEngineOptions } from '../options.ts';
import { hostUser } from './ids.ts';
import { ensureHolder, userNamespaceHelper } from './holder.ts';

export interface UserNamespaceEntry {
  /** The holder process (its user and mount namespaces are the ones joined). */
  readonly holderPid: number;
  /** The holder was made by this call. */
  readonly created: boolean;
  /** Prefix an argv with this to run it inside (the helper execs it: same pid, stdio, environment). */
  readonly command: readonly string[];
}

/**
 * Undefined when no namespace is needed (root, or already inside one); else the entry, making the
 * holder when there is none. Throws USERNS_NO_SUBIDS (with the line to add) for a user without ranges.
 */
export async function prepareUserNamespace(options: Pick<EngineOptions, 'env'> = {}): Promise<UserNamespaceEntry | undefined> {
  const o = resolveEngineOptions(options);
  if (!o.rootless || o.inUserNamespace) return undefined;
  const user = hostUser(o.hostUid, o.env).name;
  const holder = await ensureHolder({ env: o.env, user, uid: o.hostUid, gid: o.hostGid, idleSeconds: o.userNamespaceIdleSeconds });
  return { holderPid: holder.pid, created: holder.created, command: [userNamespaceHelper(), 'join', String(holder.pid), '--'] };
}

export function userNamespaceRequired(): EngineError {
  return new EngineError('USERNS_REQUIRED', 'rootless: this process is not in the rootless user namespace: start it through prepareUserNamespace().command (the tsengine CLI does so itself)');
}
