/**
 * Go's fmt, the part that formats one primitive under the printf flags (format.go): padding to a width
 * counted in runes, zero padding on the left only, integer prefixes (`%#x`, `%O`), precision for integers,
 * floats and strings, `%q`/`%c`/`%U` on runes and `%x` on strings.
 */
import { formatFloat, type FloatFormat } from './go-float.ts';
import { canBackquote, isPrint, quote, quoteRune } from './go-quote.ts';

export interface FmtFlags {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  /** `%+v`: struct field names. */
  plusV: boolean;
  /** `%#v`: Go syntax. */
  sharpV: boolean;
  wid: number | undefined;
  prec: number | undefined;
}

export function newFlags(): FmtFlags {
  return { minus: false, plus: false, sharp: false, space: false, zero: false, plusV: false, sharpV: false, wid: undefined, prec: undefined };
}

export function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function padding(f: FmtFlags, n: number): string {
  return n > 0 ? (f.zero && !f.minus ? '0' : ' ').repeat(n) : '';
}

/** Go's fmt.pad: the string padded to the width, on the left unless `-`. */
export function pad(f: FmtFlags, s: string): string {
  if (f.wid === undefined || f.wid === 0) return s;
  const width = f.wid - runeCount(s);
  return f.minus ? s + padding(f, width) : padding(f, width) + s;
}

function padNoZero(f: FmtFlags, s: string): string {
  const zero = f.zero;
  f.zero = false;
  const out = pad(f, s);
  f.zero = zero;
  return out;
}

export function fmtBoolean(f: FmtFlags, b: boolean): string {
  return pad(f, b ? 'true' : 'false');
}

export function fmtInteger(f: FmtFlags, v: bigint, base: 2 | 8 | 10 | 16, verb: string, upper: boolean): string {
  const negative = v < 0n;
  const u = negative ? -v : v;
  let prec = 0;
  if (f.prec !== undefined) {
    prec = f.prec;
    if (prec === 0 && u === 0n) return padNoZero(f, '');
  } else if (f.zero && !f.minus && f.wid !== undefined) {
    prec = f.wid;
    if (negative || f.plus || f.space) prec--;
  }
  let digits = u.toString(base);
  if (upper) digits = digits.toUpperCase();
  digits = digits.padStart(prec, '0');
  if (f.sharp) {
    if (base === 2) digits = '0b' + digits;
    else if (base === 8 && !digits.startsWith('0')) digits = '0' + digits;
    else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
  }
  if (verb === 'O') digits = '0o' + digits;
  const sign = negative ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return padNoZero(f, sign + digits);
}

/** `%c`. */
export function fmtC(f: FmtFlags, v: bigint): string {
  return pad(f, String.fromCodePoint(validRune(v)));
}

/** `%q` of an integer: a quoted rune. */
export function fmtQc(f: FmtFlags, v: bigint): string {
  return pad(f, quoteRune(validRune(v), f.plus));
}

/** `%U`: `U+0041`, and with `#` the rune too: `U+0041 'A'`. */
export function fmtUnicode(f: FmtFlags, v: bigint): string {
  const prec = f.prec !== undefined && f.prec > 4 ? f.prec : 4;
  let s = 'U+' + v.toString(16).toUpperCase().padStart(prec, '0');
  if (f.sharp && v <= 0x10ffffn && v >= 0n) {
    const c = String.fromCodePoint(Number(v));
    if (isPrint(c)) s += ` '${c}'`;
  }
  return padNoZero(f, s);
}

function validRune(v: bigint): number {
  return v < 0n || v > 0x10ffffn || (v >= 0xd800n && v < 0xe000n) ? 0xfffd : Number(v);
}

export function fmtFloat(f: FmtFlags, v: number, verb: FloatFormat, defaultPrec: number): string {
  const prec = f.prec ?? defaultPrec;
  let num = formatFloat(v, verb, prec);
  if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
  if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
  if (num[1] === 'I' || num[1] === 'N') {
    if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
    return padNoZero(f, num);
  }
  if (f.plus || num[0] !== '+') {
    if (f.zero && !f.minus && f.wid !== undefined && f.wid > num.length) {
      return num[0] + '0'.repeat(f.wid - num.length) + num.slice(1);
    }
    return pad(f, num);
  }
  return pad(f, num.slice(1));
}

function truncate(f: FmtFlags, s: string): string {
  if (f.prec === undefined) return s;
  return [...s].slice(0, f.prec).join('');
}

export function fmtS(f: FmtFlags, s: string): string {
  return pad(f, truncate(f, s));
}

export function fmtQ(f: FmtFlags, s: string): string {
  const t = truncate(f, s);
  if (f.sharp && canBackquote(t)) return pad(f, '`' + t + '`');
  return pad(f, quote(t, f.plus));
}

/** `%x`/`%X` of a string or bytes: hex of each byte; `% x` separates them, `%#x` prefixes 0x. */
export function fmtSx(f: FmtFlags, data: string | Uint8Array, upper: boolean): string {
  let bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (f.prec !== undefined && f.prec < bytes.length) bytes = bytes.subarray(0, f.prec);
  if (bytes.length === 0) return f.wid !== undefined ? padding(f, f.wid) : '';
  const prefix = f.sharp ? (upper ? '0X' : '0x') : '';
  const hex = [...bytes].map((b) => {
    const h = b.toString(16).padStart(2, '0');
    return upper ? h.toUpperCase() : h;
  });
  const body = f.space ? hex.map((h) => prefix + h).join(' ') : prefix + hex.join('');
  if (f.wid === undefined || f.wid <= body.length) return body;
  const fill = ' '.repeat(f.wid - body.length);
  return f.minus ? body + fill : (f.zero ? '0'.repeat(f.wid - body.length) : fill) + body;
}
