/**
 * The runtime's JSON answers, validated: `state ID` (runtime-spec runtime.md "State") and
 * `list --format json` (runc and runsc print `null` for none, crun `[ ]`).
 */
import { EngineError } from '../errors.ts';

export type OciStatus = 'creating' | 'created' | 'running' | 'stopped' | 'paused';

export interface OciState {
  readonly status: OciStatus;
  /** The container's init as seen from the host; 0 once stopped (runc, crun; runsc's -1 is read as 0). */
  readonly pid: number;
}

const STATUSES: ReadonlySet<string> = new Set<OciStatus>(['creating', 'created', 'running', 'stopped', 'paused']);

export function parseStateOutput(runtime: string, id: string, text: string): OciState {
  const v = parseJson(runtime, `state ${id}`, text);
  if (typeof v !== 'object' || v === null) throw malformed(runtime, `state ${id}`, 'not an object');
  const st = toState(v);
  if (typeof st === 'string') throw malformed(runtime, `state ${id}`, st);
  return st;
}

/**
 * The containers the runtime knows under its --root, by id, with their state as the list reports it
 * (undefined when an entry's status or pid is unreadable).
 */
export function parseListOutput(runtime: string, text: string): Map<string, OciState | undefined> {
  const v = parseJson(runtime, 'list', text);
  const out = new Map<string, OciState | undefined>();
  if (v === null) return out;
  if (!Array.isArray(v)) throw malformed(runtime, 'list', 'not an array');
  for (const item of v as unknown[]) {
    if (typeof item !== 'object' || item === null || typeof (item as { id?: unknown }).id !== 'string') {
      throw malformed(runtime, 'list', 'an entry without an id');
    }
    const st = toState(item);
    out.set((item as { id: string }).id, typeof st === 'string' ? undefined : st);
  }
  return out;
}

/** The state, or why it is not one. */
function toState(v: object): OciState | string {
  const { status, pid } = v as { status?: unknown; pid?: unknown };
  if (typeof status !== 'string' || !STATUSES.has(status)) return `unknown status ${JSON.stringify(status)}`;
  // runsc 2022-12 reports a stopped container's pid as -1 where runc and crun say 0: both mean "none".
  const none = pid === -1 && status === 'stopped';
  if (typeof pid !== 'number' || !Number.isInteger(pid) || (pid < 0 && !none)) return `bad pid ${JSON.stringify(pid)}`;
  return { status: status as OciStatus, pid: none ? 0 : pid };
}

function parseJson(runtime: string, what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) throw malformed(runtime, what, 'not JSON', e);
    throw e;
  }
}

function malformed(runtime: string, what: string, why: string, cause?: unknown): EngineError {
  return new EngineError('RUNTIME_FAILED', `${runtime} ${what}: unexpected output (${why})`, cause === undefined ? undefined : { cause });
}
