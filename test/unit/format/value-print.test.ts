import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../../cmd/format/template.ts';
import { encodeJson } from '../../../cmd/format/json-encode.ts';
import { formatGoLayout, formatGoTime } from '../../../cmd/format/go-time.ts';

class Health {
  Status = 'healthy';
  FailingStreak = 0;
}
class Port {
  readonly HostIp: string;
  readonly HostPort: string;
  constructor(hostIp: string, hostPort: string) {
    this.HostIp = hostIp;
    this.HostPort = hostPort;
  }
  get Display(): string {
    return `${this.HostIp}:${this.HostPort}`;
  }
  Describe(): string {
    return 'a method, not a field';
  }
}
/** A Go Stringer: prints through its toString. */
class Size {
  readonly bytes = 1468006;
  toString(): string {
    return '1.47MB';
  }
}
class Status {
  String(): string {
    return 'Up 2 hours';
  }
}

const print = (value: unknown): string => compileTemplate('{{.V}}').execute({ V: value });

describe("value printing follows Go's %v", () => {
  it.each<[string, unknown, string]>([
    ['a string', 'text', 'text'],
    ['an empty slice', [], '[]'],
    ['a slice', ['a', 'b', 'c'], '[a b c]'],
    ['nested slices', [[1, 2], [3]], '[[1 2] [3]]'],
    ['a map, keys sorted', { k2: 'v2', k1: 'v1', K0: 'v0' }, 'map[K0:v0 k1:v1 k2:v2]'],
    ['an empty map', {}, 'map[]'],
    ['a Map with number keys, sorted numerically', new Map([[10, 'c'], [2, 'b'], [1, 'a']]), 'map[1:a 2:b 10:c]'],
    ['nil', null, '<nil>'],
    ['nil inside containers', [null, { a: null }], '[<nil> map[a:<nil>]]'],
    ['booleans', [true, false], '[true false]'],
    ['an integer', 1468006, '1468006'],
    ['a large integer without exponent', 1e21, '1000000000000000000000'],
    ['a negative integer', -42, '-42'],
    ['a float', 2.5, '2.5'],
    ['a float in %g form', 1234567.5, '1.2345675e+06'],
    ['a small float', 0.00001, '1e-05'],
    ['infinities and NaN', [Infinity, -Infinity, NaN], '[+Inf -Inf NaN]'],
    ['a bigint', 12345678901234567890n, '12345678901234567890'],
    ['a struct (class instance)', new Health(), '{healthy 0}'],
    ['a struct with a getter', new Port('0.0.0.0', '80'), '{0.0.0.0 80 0.0.0.0:80}'],
    ['a Stringer (own toString)', new Size(), '1.47MB'],
    ['a Stringer (Go-style String method)', [new Status()], '[Up 2 hours]'],
    ['an Error prints its message', new Error('boom'), 'boom'],
    ['a Set', new Set(['x', 'y']), '[x y]'],
    ['bytes', new Uint8Array([1, 2, 255]), '[1 2 255]'],
    ['a UTC date', new Date(Date.UTC(2023, 2, 2, 20, 59, 19)), '2023-03-02 20:59:19 +0000 UTC'],
    ['a date with milliseconds', new Date(Date.UTC(2024, 0, 5, 1, 2, 3, 450)), '2024-01-05 01:02:03.45 +0000 UTC'],
    ['dates inside a slice', [new Date(Date.UTC(2000, 0, 1))], '[2000-01-01 00:00:00 +0000 UTC]'],
    ['a mixed map', { list: [1, 'a'], nested: { b: true } }, 'map[list:[1 a] nested:map[b:true]]'],
  ])('%s', (_, value, expected) => {
    expect(print(value)).toBe(expected);
  });

  it('a missing key prints <no value>, a nil one <nil>', () => {
    expect(compileTemplate('{{.Gone}} {{.Nil}}').execute({ Nil: null })).toBe('<no value> <nil>');
  });
});

describe('Go time formatting', () => {
  const d = new Date(Date.UTC(2006, 0, 2, 15, 4, 5, 123));
  it.each([
    ['2006-01-02 15:04:05.999999999 -0700 MST', '2006-01-02 15:04:05.123 +0000 UTC'],
    ['2006-01-02T15:04:05Z07:00', '2006-01-02T15:04:05Z'],
    ['2006-01-02T15:04:05.000000Z07:00', '2006-01-02T15:04:05.123000Z'],
    ['Mon Jan _2 15:04:05 2006', 'Mon Jan  2 15:04:05 2006'],
    ['Monday, 02-Jan-06 03:04:05 PM MST', 'Monday, 02-Jan-06 03:04:05 PM UTC'],
    ['January 2, 2006 3:04pm (day 002)', 'January 2, 2006 3:04pm (day 002)'],
  ])('%s', (layout, expected) => {
    expect(formatGoLayout(d, layout)).toBe(expected);
  });

  it('String() of an invalid date is the zero time', () => {
    expect(formatGoTime(new Date(Number.NaN))).toBe('0001-01-01 00:00:00 +0000 UTC');
  });

  it('time methods are callable from templates', () => {
    const out = compileTemplate('{{.C.Format "2006-01-02"}} {{.C.Unix}} {{.C.Year}} {{.C.Month}} {{.C.UTC}}').execute({ C: d });
    expect(out).toBe('2006-01-02 1136214245 2006 January 2006-01-02 15:04:05.123 +0000 UTC');
  });
});

describe('json encoding (Go encoding/json, SetEscapeHTML(false))', () => {
  it.each<[string, unknown, string]>([
    ['html characters stay literal', { s: '<a href="x">&</a>' }, '{"s":"<a href=\\"x\\">&</a>"}'],
    ['control characters and line separators are escaped', 'a\nb\t\u0001\u2028\u2029', '"a\\nb\\t\\u0001\\u2028\\u2029"'],
    ['a lone surrogate becomes U+FFFD', 'x\ud800', '"x\ufffd"'],
    ['dates are RFC 3339 with trimmed fraction', [new Date(Date.UTC(2023, 2, 2, 20, 59, 19, 120)), new Date(Date.UTC(2023, 2, 2))], '["2023-03-02T20:59:19.12Z","2023-03-02T00:00:00Z"]'],
    ['a Map has sorted keys', new Map([['b', 1], ['a', 2]]), '{"a":2,"b":1}'],
    ['a plain object keeps its order', { b: 1, a: 2 }, '{"b":1,"a":2}'],
    ['structs include getters, not methods', new Port('::', '443'), '{"HostIp":"::","HostPort":"443","Display":":::443"}'],
    ['undefined and functions are left out of objects', { a: undefined, f: () => 1, b: null }, '{"b":null}'],
    ['bytes are base64', new Uint8Array([1, 2, 3]), '"AQID"'],
    ['numbers', [1, 1.5, -0, 1e21, 1e-7, 12n], '[1,1.5,-0,1e+21,1e-7,12]'],
    ['empty containers', { a: [], o: {} }, '{"a":[],"o":{}}'],
  ])('%s', (_, value, expected) => {
    expect(encodeJson(value)).toBe(expected);
  });

  it('indents like MarshalIndent', () => {
    expect(encodeJson({ a: [1, { b: [] }], c: {} }, '    ')).toBe('{\n    "a": [\n        1,\n        {\n            "b": []\n        }\n    ],\n    "c": {}\n}');
  });

  it('NaN is an error, as in Go', () => {
    expect(() => encodeJson({ x: Number.NaN })).toThrow('json: unsupported value: NaN');
  });
});
