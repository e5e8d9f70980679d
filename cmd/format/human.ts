/**
 * Sizes and durations as docker and podman print them (docker/go-units): `humanSize` is
 * HumanSizeWithPrecision(n, 3) (SI units, `%.3g`, no space: `1.47MB`), `humanDuration` is HumanDuration
 * (`About an hour`, `3 weeks`), `timeAgo` is the CREATED column (`2 hours ago`), and `parseGoDuration`
 * reads Go's time.ParseDuration syntax for `--since 1h30m`.
 */
import { InvalidDurationError } from './errors.ts';
import { formatFloat } from './go-float.ts';

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units HumanSizeWithPrecision: divide by 1000 while ≥ 1000, then `%.*g` plus the unit. */
export function humanSizeWithPrecision(bytes: number, precision: number): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return formatFloat(size, 'g', precision) + (DECIMAL_UNITS[i] ?? '');
}

/** docker's SIZE column: `999B`, `1kB`, `1.47MB`, `1e+03kB` (go-units rounds 999999 that way too). */
export function humanSize(bytes: number): string {
  return humanSizeWithPrecision(bytes, 3);
}

/** go-units HumanDuration; `ms` may be fractional (durations are nanoseconds in Go). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

/** The CREATED column: `humanDuration(now - date) + " ago"`. */
export function timeAgo(date: Date | number, now: Date | number = Date.now()): string {
  const then = typeof date === 'number' ? date : date.getTime();
  const current = typeof now === 'number' ? now : now.getTime();
  return `${humanDuration(current - then)} ago`;
}

/** The time package's own quoting in errors: non-ASCII and control bytes as \xHH. */
function timeQuote(s: string): string {
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0) ?? 0;
    if (cp >= 0x80 || cp < 0x20) for (const b of Buffer.from(c, 'utf8')) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += c === '"' || c === '\\' ? `\\${c}` : c;
  }
  return `${out}"`;
}

/** Nanoseconds per unit, as in Go's time package. */
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n], ['us', 1_000n], ['µs', 1_000n], ['μs', 1_000n], ['ms', 1_000_000n], ['s', 1_000_000_000n],
  ['m', 60_000_000_000n], ['h', 3_600_000_000_000n],
]);
const MAX_DURATION_NS = (1n << 63n) - 1n;

/**
 * Go's time.ParseDuration (`300ms`, `-1.5h`, `2h45m`), returned in milliseconds (fractional below 1 ms).
 * Throws InvalidDurationError with Go's messages (`time: invalid duration "x"`, `time: missing unit in
 * duration "1"`, `time: unknown unit "d" in duration "1d"`).
 */
export function parseGoDuration(text: string): number {
  const quoted = timeQuote(text);
  const invalid = (): never => {
    throw new InvalidDurationError(`time: invalid duration ${quoted}`);
  };
  let s = text;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s);
    const whole = m?.[1] ?? '';
    const frac = m?.[2];
    if (whole === '' && (frac === undefined || frac === '')) invalid();
    s = s.slice(m?.[0].length ?? 0);
    const unitMatch = /^[^0-9.]*/.exec(s);
    const unit = unitMatch?.[0] ?? '';
    if (unit === '') throw new InvalidDurationError(`time: missing unit in duration ${quoted}`);
    const scale = UNITS.get(unit);
    if (scale === undefined) throw new InvalidDurationError(`time: unknown unit ${timeQuote(unit)} in duration ${quoted}`);
    s = s.slice(unit.length);
    let ns = BigInt(whole === '' ? '0' : whole) * scale;
    if (frac !== undefined && frac !== '') ns += (BigInt(frac) * scale) / 10n ** BigInt(frac.length);
    total += ns;
    if (total > MAX_DURATION_NS + (neg ? 1n : 0n)) invalid();
  }
  const ms = Number(total) / 1e6;
  return neg && ms !== 0 ? -ms : ms;
}
