/**
 * Signals as runtimes take them. We always pass the number: runc, crun and runsc all accept `9`, while
 * their name parsing differs in details (prefix optional or not, real-time names).
 */
import { constants } from 'node:os';
import { EngineError } from '../errors.ts';

/** Linux: 1..64 (SIGRTMAX is 64); os.constants.signals has no real-time names. */
const MAX_SIGNAL = 64;

/** 'SIGTERM', 'TERM', 'sigterm', 15 or '15' → 15. Throws INVALID_ARGUMENT for anything else. */
export function signalNumber(signal: string | number): number {
  if (typeof signal === 'number') {
    if (Number.isInteger(signal) && signal >= 1 && signal <= MAX_SIGNAL) return signal;
  } else if (typeof signal === 'string') {
    if (/^\d+$/.test(signal)) return signalNumber(Number(signal));
    const upper = signal.toUpperCase();
    const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    const n = (constants.signals as Readonly<Record<string, number | undefined>>)[name];
    if (n !== undefined) return n;
  }
  throw new EngineError('INVALID_ARGUMENT', `Expected a signal name or number (SIGTERM, TERM, 15), got ${JSON.stringify(signal)}`);
}
