import { describe, expect, it } from 'vitest';
import { sprint, sprintf, sprintln } from '../../../cmd/format/printf.ts';
import { compileTemplate } from '../../../cmd/format/template.ts';

class Point {
  X = 1;
  Y = 'two';
}

describe('sprintf verbs (Go fmt)', () => {
  it.each<[string, unknown[], string]>([
    ['%s|%d|%v|%t|%%', ['a', 42, [1, 'b'], true], 'a|42|[1 b]|true|%'],
    ['%q', ['hi "x"\n'], '"hi \\"x\\"\\n"'],
    ['%+q %#q %#q', ['é', 'back', 'has`tick'], '"\\u00e9" `back` "has`tick"'],
    ['%-12s|%12s|', ['left', 'right'], 'left        |       right|'],
    ['%5d|%-5d|%05d|', [7, 7, -42], '    7|7    |-0042|'],
    ['%+d % d %x %X %#x %#X', [5, 5, -255, 255, 255, 255], '+5  5 -ff FF 0xff 0XFF'],
    ['%o %#o %O %b %#b', [8, 8, 8, 5, 5], '10 010 0o10 101 0b101'],
    ['%.3d|%6.3d|%.0d|', [7, 7, 0], '007|   007||'],
    ['%c%c %q %U %#U', [72, 0x1f600, 65, 0x1f600, 65], "H😀 'A' U+1F600 U+0041 'A'"],
    ['%.2f %8.3f %-8.2f|', [3.14159, 2.5, 1.005], '3.14    2.500 1.00    |'],
    ['%f %e %E', [1.5, 123456.789, 0.000123], '1.500000 1.234568e+05 1.230000E-04'],
    ['%g %g %g %G %.3g %.3g', [1e21, 100000, 1e6, 1e-7, 1.468006, 999.999], '1e+21 100000 1e+06 1E-07 1.47 1e+03'],
    ['%08.3f|%+.1f|%.1f|%.0f %.0f', [-3.14159, 2.25, 0.25, 0.5, 1.5], '-003.142|+2.2|0.2|0 2'],
    ['%6.2v|%.2f', [3.14159, 3], '   3.1|3.00'],
    ['%x % x %#x %X', ['hello', 'hi', 'hi', 'hi'], '68656c6c6f 68 69 0x6869 6869'],
    ['%.3s|%5.1s|%05s|%-4s|', ['abcdef', 'xyz', 'ab', 'é'], 'abc|    x|000ab|é   |'],
    ['%5t|%-6v|', [true, false], ' true|false |'],
    ['%v %+v %#v', [new Point(), new Point(), new Point()], '{1 two} {X:1 Y:two} Point{X:1, Y:"two"}'],
    ['%v %#v', [{ b: 2, a: 'x' }, { b: 2, a: 'x' }], 'map[a:x b:2] map[string]interface {}{"a":"x", "b":2}'],
    ['%q %d %5v', [['a', 'b'], [1, 2], [1, 2]], '["a" "b"] [1 2] [    1     2]'],
    ['%T %T %T %T %T %T %T %T', [1, 1.5, 'x', ['a'], [1], { a: 1 }, null, new Point()], 'int float64 string []string []interface {} map[string]interface {} <nil> Point'],
    ['%v %d %s', [null, null, undefined], '<nil> %!d(<nil>) %!s(<nil>)'],
    ['%[2]d %[1]d %[1]d', [1, 2], '2 1 1'],
    ['%*d|%-*d|%.*f', [5, 1, 4, 2, 2, 3.14159], '    1|2   |3.14'],
    ['%v %v %v %v', [Infinity, -Infinity, NaN, -0.5], '+Inf -Inf NaN -0.5'],
    ['%5.1f|%-7.2e|', [Infinity, 1234.5], ' +Inf|1.23e+03|'],
    ['%v', [12345678901234567890n], '12345678901234567890'],
  ])('%j', (format, args, expected) => {
    expect(sprintf(format, args)).toBe(expected);
  });
});

describe("Go's in-band printf errors", () => {
  it.each<[string, unknown[], string]>([
    ['%d %s', ['str', 5], '%!d(string=str) %!s(int=5)'],
    ['%t', ['x'], '%!t(string=x)'],
    ['%d', [1.5], '%!d(float64=1.5)'],
    ['%z', [3], '%!z(int=3)'],
    ['%5z', [3], '%!z(int=    3)'],
    ['%d', [[1, 'a', null]], '[1 %!d(string=a) <nil>]'],
    ['%d', [], '%!d(MISSING)'],
    ['%d %d', [1], '1 %!d(MISSING)'],
    ['%s', ['a', 'b', 3, null], 'a%!(EXTRA string=b, int=3, <nil>)'],
    ['x%', [], 'x%!(NOVERB)'],
    ['%[3]d', [1], '%!d(BADINDEX)'],
    ['%*d', ['x', 1], '%!(BADWIDTH)1'],
    ['%.*d', ['x', 1], '%!(BADPREC)1'],
  ])('%j', (format, args, expected) => {
    expect(sprintf(format, args)).toBe(expected);
  });
});

describe('sprint and sprintln', () => {
  it('adds spaces only between two non-string operands', () => {
    expect(sprint(['a', 1, 2, 'b', 'c', [1], null])).toBe('a1 2bc[1] <nil>');
  });
  it('sprintln separates every operand and ends with a newline', () => {
    expect(sprintln(['a', 1, 2, 'b'])).toBe('a 1 2 b\n');
  });
});

describe('printf from templates', () => {
  it.each([
    ['{{printf "%-10s|%5d|%q" .Name .Size .Name}}', 'web       | 1024|"web"'],
    ['{{printf "%s\\t%s" .Name .Image}}', 'web\talpine'],
    ['{{.Size | printf "%d %d" 1}}', '1 1024'],
    ['{{printf "%v %v" .Tags .Nested}}', '[a b] map[k:v]'],
    ['{{printf "%.1f%%" .Pct}}', '12.3%'],
    ['{{printf "%s" .Missing}}', '%!s(<nil>)'],
  ])('%s → %j', (text, expected) => {
    const data = { Name: 'web', Image: 'alpine', Size: 1024, Tags: ['a', 'b'], Nested: { k: 'v' }, Pct: 12.345 };
    expect(compileTemplate(text).execute(data)).toBe(expected);
  });
});
