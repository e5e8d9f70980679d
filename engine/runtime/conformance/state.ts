/**
 * The runtime's `state` answer, judged by the spec (runtime-spec runtime.md "State") rather than by what the
 * engine needs: oci-state.ts also wants a pid >= 0 once stopped, and runsc 2022-12 prints -1 there.
 */
import type { OciStatus } from '../oci-state.ts';

/** `state` as runtime-spec runtime.md "State" defines it: pid is required only while created or running. */
export interface ReportedState {
  readonly status: OciStatus;
  /** The init's pid as the host sees it; for a stopped container whatever the runtime printed (runsc: -1). */
  readonly pid: number;
}

const STATUSES: ReadonlySet<string> = new Set<OciStatus>(['creating', 'created', 'running', 'stopped', 'paused']);

/** The state JSON's status and pid, or why it is not a state. */
export function parseState(text: string): ReportedState | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) return `not JSON: ${quoteShort(text)}`;
    throw e;
  }
  if (typeof v !== 'object' || v === null) return `not an object: ${quoteShort(text)}`;
  const { status, pid } = v as { status?: unknown; pid?: unknown };
  if (typeof status !== 'string' || !STATUSES.has(status)) return `unknown status ${JSON.stringify(status)}`;
  const live = status === 'created' || status === 'running';
  if (live ? !(Number.isInteger(pid) && (pid as number) > 0) : !Number.isInteger(pid ?? 0)) {
    return `status ${status} with pid ${JSON.stringify(pid)}`;
  }
  return { status: status as OciStatus, pid: (pid as number | undefined) ?? 0 };
}

function quoteShort(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
