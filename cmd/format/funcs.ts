/**
 * The template function map: Go's builtins (`and or not len index slice print printf println eq ne lt le
 * gt ge urlquery js html call`) plus docker's and podman's (`json split join title lower upper pad
 * truncate`, docker/cli templates.go and containers/common report/template.go). Parameter types follow Go's
 * signatures, so a wrong operand fails like Go (`wrong type for value; expected string; got int`); the
 * executor checks them before `call`, which may throw a plain Error (`error calling NAME: ...`).
 */
import { htmlEscape, jsEscape, queryEscape } from './go-quote.ts';
import { encodeJson } from './json-encode.ts';
import { compareKeys, goTypeName, hasFieldResolver, isPlainObject, isTrue, kindOf, sliceElements, unbox, utf8Length } from './go-value.ts';
import { sprint, sprintf, sprintln } from './printf.ts';
import { formatValue } from './value-print.ts';

/**
 * `value`: any operand, a missing value stays `undefined` (Go's reflect.Value parameters);
 * `any`: any operand, a missing value becomes nil (Go's interface{} parameters);
 * `string`, `int`: checked, as Go checks typed parameters;
 * `func`: like `value`, but a field operand is not invoked (`call .F 1` gets F itself).
 */
export type ParamType = 'value' | 'any' | 'string' | 'int' | 'func';

export interface TemplateFunc {
  readonly params: readonly ParamType[];
  /** Type of further arguments, for variadic functions. */
  readonly variadic?: ParamType;
  /** `and`/`or`: arguments arrive as thunks and are evaluated only as needed. */
  readonly lazy?: boolean;
  /** `names` are the argument nodes' texts, for messages. */
  readonly call: (args: unknown[], names: readonly string[]) => unknown;
}

type Comparable = 'bool' | 'number' | 'string' | 'nil' | 'other';

function basicKind(v: unknown): Comparable {
  switch (kindOf(v)) {
    case 'bool':
      return 'bool';
    case 'int':
    case 'float':
      return 'number';
    case 'string':
      return 'string';
    case 'invalid':
    case 'nil':
      return 'nil';
    default:
      return 'other';
  }
}

function eq(args: unknown[]): boolean {
  const a = unbox(args[0]);
  if (args.length < 2) throw new Error('missing argument for comparison');
  const ka = basicKind(a);
  for (const raw of args.slice(1)) {
    const b = unbox(raw);
    const kb = basicKind(b);
    let truth: boolean;
    if (ka !== kb) {
      if (ka !== 'nil' && kb !== 'nil') throw new Error('incompatible types for comparison');
      truth = false;
    } else if (ka === 'number') {
      truth = typeof a === 'bigint' && typeof b === 'bigint' ? a === b : Number(a) === Number(b);
    } else if (ka === 'other') {
      const k = kindOf(a);
      if (k === 'slice' || k === 'map' || kindOf(b) === 'slice' || kindOf(b) === 'map') {
        throw new Error(`non-comparable types ${formatValue(a)}: ${goTypeName(a)}, ${goTypeName(b)}: ${formatValue(b)}`);
      }
      truth = a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
    } else {
      truth = ka === 'nil' || a === b;
    }
    if (truth) return true;
  }
  return false;
}

function lt(args: unknown[]): boolean {
  const a = unbox(args[0]);
  const b = unbox(args[1]);
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'nil' || ka === 'bool' || ka === 'other' || kb === 'nil' || kb === 'bool' || kb === 'other') {
    throw new Error('invalid type for comparison');
  }
  if (ka !== kb) throw new Error('incompatible types for comparison');
  if (ka === 'string') return compareKeys(a, b) < 0;
  return (a as number) < (b as number);
}

/** The zero value a missing key gives through `index`: "" in a map of strings (labels), else nil. */
function zeroElement(values: readonly unknown[]): unknown {
  return values.every((x) => typeof x === 'string') ? '' : null;
}

function indexInt(idx: unknown, cap: number): number {
  if (idx === null || idx === undefined) throw new Error('cannot index slice/array with nil');
  if (kindOf(idx) !== 'int') throw new Error(`cannot index slice/array with type ${goTypeName(idx)}`);
  const x = Number(idx);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(args: unknown[]): unknown {
  // A table's header cell stands for the whole column: indexing it keeps the header.
  if (hasFieldResolver(args[0])) return args[0];
  let item = unbox(args[0]);
  if (item === undefined) throw new Error('index of untyped nil');
  for (const raw of args.slice(1)) {
    const idx = unbox(raw);
    const k = kindOf(item);
    if (k === 'nil') {
      if (kindOf(idx) === 'int') throw new Error(`index out of range: ${Number(idx)}`);
      item = '';
    } else if (k === 'string' || k === 'slice') {
      const elems = k === 'string' ? [...Buffer.from(item as string, 'utf8')] : sliceElements(item);
      const x = indexInt(idx, elems.length);
      if (x === elems.length) throw new Error(`index out of range: ${x}`);
      item = elems[x];
    } else if (item instanceof Map) {
      const m = item as Map<unknown, unknown>;
      item = m.has(idx) ? m.get(idx) : m.has(String(idx)) ? m.get(String(idx)) : zeroElement([...m.values()]);
    } else if (isPlainObject(item)) {
      const key = String(idx);
      item = Object.hasOwn(item, key) ? item[key] : zeroElement(Object.values(item));
    } else {
      throw new Error(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function slice(args: unknown[]): unknown {
  const item = unbox(args[0]);
  const indexes = args.slice(1).map(unbox);
  if (item === undefined || item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  const k = kindOf(item);
  if (k !== 'string' && k !== 'slice') throw new Error(`can't slice item of type ${goTypeName(item)}`);
  if (k === 'string' && indexes.length === 3) throw new Error('cannot 3-index slice a string');
  const elems = k === 'string' ? Buffer.from(item as string, 'utf8') : sliceElements(item);
  const idx = [0, elems.length, elems.length];
  indexes.forEach((x, i) => (idx[i] = indexInt(x, elems.length)));
  const [i = 0, j = 0, c = 0] = idx;
  if (i > j) throw new Error(`invalid slice index: ${i} > ${j}`);
  if (indexes.length === 3 && j > c) throw new Error(`invalid slice index: ${j} > ${c}`);
  return Buffer.isBuffer(elems) ? elems.subarray(i, j).toString('utf8') : elems.slice(i, j);
}

function length(args: unknown[]): number {
  const item = unbox(args[0]);
  switch (kindOf(item)) {
    case 'invalid':
    case 'nil':
      return 0;
    case 'string':
      return utf8Length(item as string);
    case 'slice':
      return sliceElements(item).length;
    case 'map':
      return item instanceof Map ? item.size : Object.keys(item as object).length;
    default:
      throw new Error(`len of type ${goTypeName(item)}`);
  }
}

function call(args: unknown[], names: readonly string[]): unknown {
  const fn = unbox(args[0]);
  if (fn === undefined || fn === null) throw new Error('call of nil');
  if (typeof fn !== 'function') throw new Error(`non-function ${names[0] ?? ''} of type ${goTypeName(fn)}`);
  return (fn as (...a: unknown[]) => unknown)(...args.slice(1));
}

/** Go's template evalArgs: one string operand as is, anything else through fmt.Sprint. */
function evalArgs(args: unknown[]): string {
  const first = unbox(args[0]);
  return args.length === 1 && typeof first === 'string' ? first : sprint(args);
}

/** Go's strings.Title: upper-cases the first letter of each word (separators: not letter, digit or _). */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const c of s) {
    const sep = prev <= '\x7f' ? !/[0-9A-Za-z_]/.test(prev) : !/[\p{L}\p{Nd}]/u.test(prev) && /\s/u.test(prev);
    out += sep ? c.toUpperCase() : c;
    prev = c;
  }
  return out;
}

function join(args: unknown[]): string {
  const list = unbox(args[0]);
  if (kindOf(list) === 'nil' || list === undefined) return '';
  if (kindOf(list) !== 'slice') throw new Error(`wrong type for value; expected []string; got ${goTypeName(list)}`);
  return sliceElements(list).map((e) => formatValue(e)).join(args[1] as string);
}

/** podman's truncateWithLength: the first n bytes (never splitting a character). */
function truncate(s: string, n: number): string {
  if (utf8Length(s) < n) return s;
  let out = '';
  for (const c of s) {
    if (utf8Length(out + c) > n) break;
    out += c;
  }
  return out;
}

const lazyBool = (name: 'and' | 'or'): TemplateFunc => ({
  params: ['value'],
  variadic: 'value',
  lazy: true,
  call: (thunks) => {
    let v: unknown;
    for (const t of thunks as Array<() => unknown>) {
      v = t();
      if (isTrue(v) === (name === 'or')) return v;
    }
    return v;
  },
});

export const FUNCS: ReadonlyMap<string, TemplateFunc> = new Map<string, TemplateFunc>([
  ['and', lazyBool('and')],
  ['or', lazyBool('or')],
  ['not', { params: ['value'], call: (a) => !isTrue(a[0]) }],
  ['len', { params: ['value'], call: length }],
  ['index', { params: ['value'], variadic: 'value', call: index }],
  ['slice', { params: ['value'], variadic: 'value', call: slice }],
  ['print', { params: [], variadic: 'any', call: (a) => sprint(a) }],
  ['printf', { params: ['string'], variadic: 'any', call: (a) => sprintf(a[0] as string, a.slice(1)) }],
  ['println', { params: [], variadic: 'any', call: (a) => sprintln(a) }],
  ['eq', { params: ['value'], variadic: 'value', call: eq }],
  ['ne', { params: ['value', 'value'], call: (a) => !eq(a) }],
  ['lt', { params: ['value', 'value'], call: lt }],
  ['le', { params: ['value', 'value'], call: (a) => lt(a) || eq(a) }],
  ['gt', { params: ['value', 'value'], call: (a) => !lt(a) && !eq(a) }],
  ['ge', { params: ['value', 'value'], call: (a) => !lt(a) }],
  ['urlquery', { params: [], variadic: 'any', call: (a) => queryEscape(evalArgs(a)) }],
  ['js', { params: [], variadic: 'any', call: (a) => jsEscape(evalArgs(a)) }],
  ['html', { params: [], variadic: 'any', call: (a) => htmlEscape(evalArgs(a)) }],
  ['call', { params: ['func'], variadic: 'value', call }],
  // docker/podman
  ['json', { params: ['any'], call: (a) => encodeJson(a[0]) }],
  ['split', { params: ['string', 'string'], call: (a) => (a[1] === '' ? [...(a[0] as string)] : (a[0] as string).split(a[1] as string)) }],
  ['join', { params: ['value', 'string'], call: join }],
  ['title', { params: ['string'], call: (a) => title(a[0] as string) }],
  ['lower', { params: ['string'], call: (a) => (a[0] as string).toLowerCase() }],
  ['upper', { params: ['string'], call: (a) => (a[0] as string).toUpperCase() }],
  ['pad', {
    params: ['string', 'int', 'int'],
    call: (a) => (a[0] === '' ? '' : ' '.repeat(Math.max(0, a[1] as number)) + (a[0] as string) + ' '.repeat(Math.max(0, a[2] as number))),
  }],
  ['truncate', { params: ['string', 'int'], call: (a) => truncate(a[0] as string, a[1] as number) }],
]);

export const FUNC_NAMES: ReadonlySet<string> = new Set(FUNCS.keys());
