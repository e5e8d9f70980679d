/**
 * What `.Name` means on a value (Go's evalField over the JS stand-ins of go-value.ts): a method to call
 * (a function property, a Date's time.Time method, or an object's own field resolver), a value, or an error.
 * Maps give `undefined` for a missing key; structs error on an unknown field; nil errors like a nil pointer.
 */
import { timeMethod } from './go-time.ts';
import { goTypeName, hasFieldResolver, kindOf, kResolveField, structHas, unbox } from './go-value.ts';

export type Method = (...args: unknown[]) => unknown;

export type FieldLookup =
  | { readonly kind: 'method'; readonly fn: Method }
  /** `argsError`: the message if the field is given arguments (only methods take them). */
  | { readonly kind: 'value'; readonly value: unknown; readonly argsError: string | undefined }
  | { readonly kind: 'error'; readonly message: string };

function read(obj: object, name: string): { value: unknown } | { error: string } {
  try {
    return { value: (obj as Record<string, unknown>)[name] };
  } catch (e) {
    // A throwing getter is a failing computed column.
    return { error: `error calling ${name}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function fieldOrMethod(obj: object, name: string, argsError: string): FieldLookup {
  const r = obj instanceof Map ? { value: (obj as Map<unknown, unknown>).get(name) } : read(obj, name);
  if ('error' in r) return { kind: 'error', message: r.error };
  if (typeof r.value === 'function') return { kind: 'method', fn: (r.value as Method).bind(obj) };
  return { kind: 'value', value: r.value, argsError };
}

export function lookupField(receiver: unknown, name: string): FieldLookup {
  // Go: a field of an invalid value (a missing key's) is itself missing, arguments or not.
  if (receiver === undefined) return { kind: 'value', value: undefined, argsError: undefined };
  if (hasFieldResolver(receiver)) return { kind: 'method', fn: (...args) => receiver[kResolveField](name, args) };
  const v = unbox(receiver);
  const cannot: FieldLookup = { kind: 'error', message: `can't evaluate field ${name} in type ${goTypeName(v)}` };
  switch (kindOf(v)) {
    case 'nil':
      return { kind: 'error', message: `nil pointer evaluating interface {}.${name}` };
    case 'time': {
      const fn = timeMethod(v as Date, name);
      return fn === undefined ? cannot : { kind: 'method', fn };
    }
    case 'map': {
      const m = v as object;
      const present = m instanceof Map ? m.has(name) : Object.hasOwn(m, name);
      if (!present) return { kind: 'value', value: undefined, argsError: `${name} is not a method but has arguments` };
      return fieldOrMethod(m, name, `${name} is not a method but has arguments`);
    }
    case 'struct': {
      const s = v as object;
      if (!structHas(s, name)) return cannot;
      return fieldOrMethod(s, name, `${name} has arguments but cannot be invoked as function`);
    }
    default:
      return cannot;
  }
}
