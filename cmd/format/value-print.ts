/**
 * Go's fmt value printing (print.go printArg/printValue) over the JS stand-ins for Go values described in
 * go-value.ts: `%v` prints slices as `[a b]`, maps as `map[k:v]` with sorted keys, structs as `{a b}`
 * (`%+v` adds field names), nil as `<nil>` and dates as Go's time.String(); a verb that does not fit the
 * value prints Go's `%!d(string=abc)`.
 */
import {
  fmtBoolean, fmtC, fmtFloat, fmtInteger, fmtQ, fmtQc, fmtS, fmtSx, fmtUnicode, newFlags, pad, type FmtFlags,
} from './fmt-primitives.ts';
import { formatGoTime } from './go-time.ts';
import { goTypeName, kindOf, mapEntries, sliceElements, structFields, unbox } from './go-value.ts';

/** Formats one printf operand under `verb` (Go's pp.printArg). */
export function printArg(f: FmtFlags, arg: unknown, verb: string): string {
  const v = unbox(arg);
  if (v === null || v === undefined) return verb === 'T' || verb === 'v' ? pad(f, '<nil>') : badVerb(f, v, verb);
  if (verb === 'T') return fmtS(f, goTypeName(v));
  return printValue(f, v, verb, 0);
}

function printValue(f: FmtFlags, arg: unknown, verb: string, depth: number): string {
  const v = unbox(arg);
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      if (depth === 0) return verb === 'v' ? pad(f, '<nil>') : badVerb(f, v, verb);
      return f.sharpV ? 'interface {}(nil)' : '<nil>';
    case 'bool':
      return verb === 't' || verb === 'v' ? fmtBoolean(f, v as boolean) : badVerb(f, v, verb);
    case 'int':
      return printInteger(f, v as number | bigint, verb);
    case 'float':
      return printFloat(f, v as number, verb);
    case 'string':
      return printString(f, typeof v === 'symbol' ? String(v) : (v as string), verb);
    case 'time':
      // time.Time is a Stringer: the string verbs print its String().
      return 'vsxXq'.includes(verb) ? printString(f, formatGoTime(v as Date), verb) : badVerb(f, v, verb);
    case 'func':
      return verb === 'v' || verb === 'p' ? pad(f, '0x0') : badVerb(f, v, verb);
    case 'slice':
      return printSlice(f, v, verb, depth);
    case 'map': {
      const entries = mapEntries(v).map(([k, x]) => `${printValue(f, k, verb, depth + 1)}:${printValue(f, x, verb, depth + 1)}`);
      return f.sharpV ? `${goTypeName(v)}{${entries.join(', ')}}` : `map[${entries.join(' ')}]`;
    }
    case 'struct': {
      // Go's Stringer and error: the string verbs print String()/toString()/the message.
      const str = stringOf(v as object);
      if (str !== undefined && 'vsxXq'.includes(verb) && !f.sharpV) return printString(f, str, verb);
      const fields = structFields(v as object).map(([name, x]) =>
        (f.plusV || f.sharpV ? `${name}:` : '') + printValue(f, x, verb, depth + 1));
      return (f.sharpV ? goTypeName(v) : '') + `{${fields.join(f.sharpV ? ', ' : ' ')}}`;
    }
  }
}

function printSlice(f: FmtFlags, v: unknown, verb: string, depth: number): string {
  if (ArrayBuffer.isView(v) && 'sqxX'.includes(verb)) {
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    if (verb === 'x' || verb === 'X') return fmtSx(f, bytes, verb === 'X');
    return printString(f, Buffer.from(bytes).toString('utf8'), verb);
  }
  const elems = sliceElements(v).map((e) => printValue(f, e, verb, depth + 1));
  return f.sharpV ? `${goTypeName(v)}{${elems.join(', ')}}` : `[${elems.join(' ')}]`;
}

function printInteger(f: FmtFlags, n: number | bigint, verb: string): string {
  const v = BigInt(n);
  switch (verb) {
    case 'v':
    case 'd':
      return fmtInteger(f, v, 10, verb, false);
    case 'b':
      return fmtInteger(f, v, 2, verb, false);
    case 'o':
    case 'O':
      return fmtInteger(f, v, 8, verb, false);
    case 'x':
    case 'X':
      return fmtInteger(f, v, 16, verb, verb === 'X');
    case 'c':
      return fmtC(f, v);
    case 'q':
      return fmtQc(f, v);
    case 'U':
      return fmtUnicode(f, v);
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
      // JS has one number type: an integral value asked for as a float is formatted as one (Go would
      // print %!f(int=3) for an int operand).
      return printFloat(f, Number(n), verb);
    default:
      return badVerb(f, n, verb);
  }
}

function printFloat(f: FmtFlags, n: number, verb: string): string {
  switch (verb) {
    case 'v':
      return fmtFloat(f, n, 'g', -1);
    case 'g':
    case 'G':
      return fmtFloat(f, n, verb, -1);
    case 'f':
    case 'F':
      return fmtFloat(f, n, 'f', 6);
    case 'e':
    case 'E':
      return fmtFloat(f, n, verb, 6);
    default:
      return badVerb(f, n, verb);
  }
}

function printString(f: FmtFlags, s: string, verb: string): string {
  switch (verb) {
    case 'v':
      return f.sharpV ? fmtQ(f, s) : fmtS(f, s);
    case 's':
      return fmtS(f, s);
    case 'x':
    case 'X':
      return fmtSx(f, s, verb === 'X');
    case 'q':
      return fmtQ(f, s);
    default:
      return badVerb(f, s, verb);
  }
}

/** The string of a struct that is a Go Stringer or error: an Error's message, `String()`, or its own toString. */
function stringOf(v: object): string | undefined {
  if (v instanceof Error) return v.message;
  const s = v as { String?: unknown; toString: () => string };
  if (typeof s.String === 'function') return String((s.String as () => unknown)());
  return s.toString !== Object.prototype.toString ? s.toString() : undefined;
}

/** Go's `%!verb(type=value)`, the value printed with `%v` under the same flags. */
function badVerb(f: FmtFlags, v: unknown, verb: string): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${printValue(f, v, 'v', 0)})`;
}

/** `%v` with no flags: what `{{.X}}` and `print` write for a value. */
export function formatValue(v: unknown): string {
  return printArg(newFlags(), v, 'v');
}
