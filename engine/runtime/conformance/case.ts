/**
 * What a conformance case is and what it reports. A case checks one behaviour of the *runtime* (not of our
 * engine): it writes its own bundle, drives the runtime binary directly, and reads the effect back (the
 * exit code, the output, a file on the host, a cgroup file). It returns pass, fail with a one-line reason
 * (expected vs got), or skip with the reason the behaviour cannot be checked here.
 */
import type { CaseContext } from './context.ts';
import { describeCall, type Invocation } from './driver.ts';

export type CaseStatus = 'pass' | 'fail' | 'skip';

export interface CaseOutcome {
  readonly status: CaseStatus;
  /** One line. fail: what was expected and what came instead; skip: why; pass: what the runtime did, when worth saying. */
  readonly detail: string;
}

export interface CaseResult extends CaseOutcome {
  /** Stable, kebab-case (`exit-code`, `tty-name`): what scripts and expected-skip tables key on. */
  readonly id: string;
  readonly title: string;
  readonly durationMs: number;
}

export interface ConformanceCase {
  readonly id: string;
  readonly title: string;
  run(ctx: CaseContext): Promise<CaseOutcome>;
}

export const pass = (detail = ''): CaseOutcome => ({ status: 'pass', detail: oneLine(detail) });
export const fail = (detail: string): CaseOutcome => ({ status: 'fail', detail: oneLine(detail) });
export const skip = (detail: string): CaseOutcome => ({ status: 'skip', detail: oneLine(detail) });

const MAX_QUOTE = 160;

/** A value for a reason line: JSON-quoted (newlines visible), cut to a readable length. */
export function quote(text: string): string {
  const q = JSON.stringify(text);
  return q.length <= MAX_QUOTE ? q : `${q.slice(0, MAX_QUOTE - 2)}…"`;
}

/** Collapses whitespace runs (a multi-line runtime message) so the matrix keeps one row per case. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' | ').replace(/\s+/g, ' ').trim();
}

/** fail "expected X, got Y" when `got` differs from `expected`; undefined when they match. */
export function differs(what: string, expected: string, got: string): CaseOutcome | undefined {
  return got === expected ? undefined : fail(`${what}: expected ${quote(expected)}, got ${quote(got)}`);
}

/** fail when a runtime call did not exit with `code` (naming how it ended and what the runtime said); else undefined. */
export function exitedWith(what: string, call: Invocation, code: number): CaseOutcome | undefined {
  return call.exitCode === code ? undefined : fail(`${what}: expected exit ${code}, got ${describeCall(call)}`);
}
