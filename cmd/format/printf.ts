/**
 * Go's fmt.Sprintf, Sprint and Sprintln (print.go doPrintf/doPrint/doPrintln): flags `#0+- `, width and
 * precision (also `*` and explicit `%[n]` argument indexes), and Go's in-band errors (`%!d(MISSING)`,
 * `%!(EXTRA string=x)`, `%!(NOVERB)`, `%!(BADINDEX)`, `%!(BADWIDTH)`, `%!(BADPREC)`).
 */
import { newFlags, type FmtFlags } from './fmt-primitives.ts';
import { goTypeName, kindOf, unbox } from './go-value.ts';
import { printArg } from './value-print.ts';

const MAX_NUM = 1e6;

interface Cursor {
  i: number;
  argNum: number;
  reordered: boolean;
  goodArgNum: boolean;
}

/** Parses a decimal at c.i; undefined if there is none (or it is absurdly large, as Go's tooLarge). */
function parseNum(format: string, c: Cursor): number | undefined {
  let n: number | undefined;
  while (c.i < format.length && /[0-9]/.test(format[c.i] ?? '')) {
    n = (n ?? 0) * 10 + Number(format[c.i]);
    if (n > MAX_NUM) return undefined;
    c.i++;
  }
  return n;
}

/** `[n]` at c.i: moves argNum to n-1. Returns whether an index was present. */
function argNumber(format: string, c: Cursor, numArgs: number): boolean {
  if (format[c.i] !== '[') return false;
  c.reordered = true;
  const close = format.indexOf(']', c.i + 1);
  if (close < 0) {
    c.goodArgNum = false;
    c.i++;
    return false;
  }
  const text = format.slice(c.i + 1, close);
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  c.i = close + 1;
  if (!(n >= 1 && n <= numArgs)) {
    c.goodArgNum = false;
    return true;
  }
  c.argNum = n - 1;
  return true;
}

/** An int operand for `*`. */
function intFromArg(args: readonly unknown[], c: Cursor): number | undefined {
  if (c.argNum >= args.length) return undefined;
  const v = unbox(args[c.argNum]);
  c.argNum++;
  if (kindOf(v) !== 'int') return undefined;
  const n = Number(v);
  return Math.abs(n) > MAX_NUM ? undefined : n;
}

export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  const c: Cursor = { i: 0, argNum: 0, reordered: false, goodArgNum: true };
  const end = format.length;
  while (c.i < end) {
    c.goodArgNum = true;
    const pct = format.indexOf('%', c.i);
    if (pct < 0) {
      out += format.slice(c.i);
      break;
    }
    out += format.slice(c.i, pct);
    c.i = pct + 1;
    const f: FmtFlags = newFlags();
    for (; c.i < end; c.i++) {
      const ch = format[c.i];
      if (ch === '#') f.sharp = true;
      else if (ch === '0') f.zero = !f.minus;
      else if (ch === '+') f.plus = true;
      else if (ch === '-') {
        f.minus = true;
        f.zero = false;
      } else if (ch === ' ') f.space = true;
      else break;
    }
    let afterIndex = argNumber(format, c, args.length);
    if (format[c.i] === '*') {
      c.i++;
      const w = intFromArg(args, c);
      if (w === undefined) out += '%!(BADWIDTH)';
      else if (w < 0) {
        f.wid = -w;
        f.minus = true;
        f.zero = false;
      } else f.wid = w;
      afterIndex = false;
    } else {
      f.wid = parseNum(format, c);
      if (afterIndex && f.wid !== undefined) c.goodArgNum = false;
    }
    if (c.i + 1 < end && format[c.i] === '.') {
      c.i++;
      if (afterIndex) c.goodArgNum = false;
      afterIndex = argNumber(format, c, args.length);
      if (format[c.i] === '*') {
        c.i++;
        const p = intFromArg(args, c);
        if (p === undefined) out += '%!(BADPREC)';
        else f.prec = p < 0 ? undefined : p;
        afterIndex = false;
      } else {
        f.prec = parseNum(format, c) ?? 0;
      }
    }
    if (!afterIndex) argNumber(format, c, args.length);
    if (c.i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(c.i) ?? 0);
    c.i += verb.length;
    if (verb === '%') out += '%';
    else if (!c.goodArgNum) out += `%!${verb}(BADINDEX)`;
    else if (c.argNum >= args.length) out += `%!${verb}(MISSING)`;
    else {
      if (verb === 'v') {
        f.sharpV = f.sharp;
        f.sharp = false;
        f.plusV = f.plus;
        f.plus = false;
      }
      out += printArg(f, args[c.argNum], verb);
      c.argNum++;
    }
  }
  if (!c.reordered && c.argNum < args.length) {
    const extra = args.slice(c.argNum).map((a) =>
      a === null || a === undefined ? '<nil>' : `${goTypeName(a)}=${printArg(newFlags(), a, 'v')}`);
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

function isString(v: unknown): boolean {
  return typeof unbox(v) === 'string';
}

/** fmt.Sprint: operands in `%v`, with a space between two operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && !isString(a) && !isString(args[i - 1])) out += ' ';
    out += printArg(newFlags(), a, 'v');
  });
  return out;
}

/** fmt.Sprintln: operands in `%v`, always space-separated, newline-terminated. */
export function sprintln(args: readonly unknown[]): string {
  return args.map((a) => printArg(newFlags(), a, 'v')).join(' ') + '\n';
}
