/**
 * Go's encoding/json as docker and podman use it for `{{json .}}`, `--format json` and `inspect`:
 * SetEscapeHTML(false) (`<>&` stay literal), U+2028/U+2029 escaped, dates as RFC 3339 with trimmed
 * nanoseconds, `Map`s with sorted keys, `Uint8Array` as base64, NaN/Inf an error. Plain objects keep their
 * insertion order, so an inspect object built in docker's field order prints in that order (Go's structs do).
 */
import { formatRfc3339Nano } from './go-time.ts';
import { compareKeys, isPlainObject, structFields } from './go-value.ts';
import { wellFormed } from './go-quote.ts';

/** Encodes `v`; with `indent`, in MarshalIndent's layout (one member per line, `[]`/`{}` when empty). */
export function encodeJson(v: unknown, indent?: string): string {
  return encode(v, indent ?? '', '', new Set());
}

function encodeString(s: string): string {
  return JSON.stringify(wellFormed(s)).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}

function encodeNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`json: unsupported value: ${Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf'}`);
  return Object.is(n, -0) ? '-0' : String(n);
}

function isOmitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

function encode(v: unknown, indent: string, prefix: string, seen: Set<object>): string {
  if (v === null || isOmitted(v)) return 'null';
  if (typeof v === 'string') return encodeString(v);
  if (typeof v === 'number') return encodeNumber(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return String(v);
  if (v instanceof String) return encodeString(v.valueOf());
  if (v instanceof Number) return encodeNumber(v.valueOf());
  if (v instanceof Boolean) return String(v.valueOf());
  if (v instanceof Date) return encodeString(formatRfc3339Nano(v));
  if (ArrayBuffer.isView(v)) return encodeString(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'));
  const obj = v as object;
  if (seen.has(obj)) throw new Error('json: unsupported value: encountered a cycle');
  seen.add(obj);
  try {
    if (!isPlainObject(obj) && typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
      return encode((obj as { toJSON: () => unknown }).toJSON(), indent, prefix, seen);
    }
    const inner = prefix + indent;
    const open = (items: string[], o: string, c: string): string => {
      if (items.length === 0) return o + c;
      if (indent === '') return o + items.join(',') + c;
      return `${o}\n${inner}${items.join(`,\n${inner}`)}\n${prefix}${c}`;
    };
    if (Array.isArray(obj) || obj instanceof Set) {
      return open([...obj].map((e) => encode(e, indent, inner, seen)), '[', ']');
    }
    let entries: Array<[string, unknown]>;
    if (obj instanceof Map) {
      entries = [...(obj as Map<unknown, unknown>).entries()].sort(([a], [b]) => compareKeys(a, b)).map(([k, x]) => [String(k), x]);
    } else if (isPlainObject(obj)) {
      entries = Object.entries(obj);
    } else {
      entries = structFields(obj);
    }
    const sep = indent === '' ? ':' : ': ';
    const members = entries.filter(([, x]) => !isOmitted(x)).map(([k, x]) => encodeString(k) + sep + encode(x, indent, inner, seen));
    return open(members, '{', '}');
  } finally {
    seen.delete(obj);
  }
}
