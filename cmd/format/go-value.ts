/**
 * How JS values stand in for Go values in templates (ECOSYSTEM.md §2.3):
 * - `undefined` is Go's invalid value (a missing map key): it prints `<no value>`;
 * - `null` is a typed nil (pointer, map, slice): it prints `<nil>`, has length 0 and ranges over nothing;
 * - plain objects and `Map`s are maps (missing key → `<no value>`), arrays and `Set`s are slices;
 * - class instances are structs: an unknown field is an error naming the class;
 * - integer-valued numbers are Go ints (printed without exponent), other numbers float64;
 * - `Date` is a time.Time; functions found as fields are methods and are called.
 */
export type GoKind = 'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'struct' | 'time' | 'func';

/**
 * An object may resolve template fields itself (the report layer's header row does). The resolver gets the
 * field name and the call arguments, if any, and returns the field's value.
 */
export const kResolveField: unique symbol = Symbol('tsengine.format.resolveField');
export interface FieldResolver {
  [kResolveField](name: string, args: readonly unknown[]): unknown;
}

export function hasFieldResolver(v: unknown): v is FieldResolver {
  return typeof v === 'object' && v !== null && kResolveField in v;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}

export function kindOf(v: unknown): GoKind {
  switch (typeof v) {
    case 'undefined':
      return 'invalid';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
    case 'symbol':
      return 'string';
    default:
      break;
  }
  if (v === null) return 'nil';
  if (v instanceof String) return 'string';
  if (v instanceof Number) return kindOf(v.valueOf());
  if (v instanceof Boolean) return 'bool';
  if (Array.isArray(v) || v instanceof Set || ArrayBuffer.isView(v)) return 'slice';
  if (v instanceof Map || isPlainObject(v)) return 'map';
  if (v instanceof Date) return 'time';
  return 'struct';
}

/** Boxed primitives (the header row's cells are String objects) behave as their primitive. */
export function unbox(v: unknown): unknown {
  if (v instanceof String || v instanceof Number || v instanceof Boolean) return v.valueOf();
  return v;
}

/** The elements of a slice value. */
export function sliceElements(v: unknown): readonly unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Set) return [...v];
  if (ArrayBuffer.isView(v)) return [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)];
  return [];
}

/** Go's fmtsort order for map keys: numbers numerically, strings by UTF-8 bytes (= code points). */
export function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  if (x === y) return 0;
  const xs = [...x];
  const ys = [...y];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const d = (xs[i]?.codePointAt(0) ?? 0) - (ys[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return xs.length - ys.length;
}

/** A map value's entries, sorted by key as Go's fmt and text/template range do. */
export function mapEntries(v: unknown): Array<[unknown, unknown]> {
  let entries: Array<[unknown, unknown]>;
  if (v instanceof Map) entries = [...(v as Map<unknown, unknown>).entries()];
  else if (isPlainObject(v)) entries = Object.entries(v).filter(([, x]) => typeof x !== 'function');
  else return [];
  return entries.sort(([a], [b]) => compareKeys(a, b));
}

/**
 * A struct's fields, in order: own enumerable properties, then getters declared on its classes. Methods are
 * not fields (they are reached by name, and called).
 */
export function structFields(v: object): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  const seen = new Set<string>();
  for (const key of Object.keys(v)) {
    const value: unknown = (v as Record<string, unknown>)[key];
    if (typeof value === 'function') continue;
    seen.add(key);
    out.push([key, value]);
  }
  for (let proto: unknown = Object.getPrototypeOf(v); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const [key, desc] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (desc.get === undefined || seen.has(key)) continue;
      seen.add(key);
      out.push([key, (v as Record<string, unknown>)[key]]);
    }
  }
  return out;
}

/** True if `name` is a field or method of a struct (own or inherited, never Object.prototype's). */
export function structHas(v: object, name: string): boolean {
  if (Object.hasOwn(v, name)) return true;
  for (let proto: unknown = Object.getPrototypeOf(v); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    if (name !== 'constructor' && Object.hasOwn(proto as object, name)) return true;
  }
  return false;
}

/** The Go type name printed in errors and by `%T` / bad-verb output. */
export function goTypeName(v: unknown): string {
  const u = unbox(v);
  switch (kindOf(u)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return typeof u === 'bigint' ? 'int64' : 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'time':
      return 'time.Time';
    case 'func':
      return 'func';
    case 'slice': {
      if (ArrayBuffer.isView(u)) return '[]uint8';
      const elems = sliceElements(u);
      return elems.length > 0 && elems.every((e) => typeof e === 'string') ? '[]string' : '[]interface {}';
    }
    case 'map': {
      const values = u instanceof Map ? [...(u as Map<unknown, unknown>).values()] : Object.values(u as object);
      return values.length > 0 && values.every((e) => typeof e === 'string') ? 'map[string]string' : 'map[string]interface {}';
    }
    case 'struct': {
      const name = (u as object).constructor?.name;
      return name !== undefined && name !== '' ? name : 'struct';
    }
  }
}

/** Go's truth: false, 0, nil, "", and empty slices and maps are false; structs are always true. */
export function isTrue(v: unknown): boolean {
  const u = unbox(v);
  switch (kindOf(u)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'bool':
      return u === true;
    case 'int':
    case 'float':
      return typeof u === 'bigint' ? u !== 0n : u !== 0;
    case 'string':
      return (u as string).length > 0;
    case 'slice':
      return sliceElements(u).length > 0;
    case 'map':
      return u instanceof Map ? u.size > 0 : Object.keys(u as object).length > 0;
    default:
      return true;
  }
}

/** Go strings are bytes: len, index and slice work on the UTF-8 encoding. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
