/**
 * Splits a Go-style identifier into words, as podman's report headers do (containers/common
 * pkg/report/camelcase): runs of lower-case, upper-case, digits and other characters are split apart, and
 * an upper-case run followed by a lower-case one gives its last letter to it, so `CreatedAt` → Created At,
 * `ImageID` → Image ID, `PDFLoader` → PDF Loader, `BFG9000` → BFG 9000.
 */
type CharClass = 'lower' | 'upper' | 'digit' | 'other';

function classOf(c: string): CharClass {
  if (/\p{Ll}/u.test(c)) return 'lower';
  if (/\p{Lu}/u.test(c)) return 'upper';
  if (/\p{Nd}/u.test(c)) return 'digit';
  return 'other';
}

export function splitCamelCase(s: string): string[] {
  const runs: string[][] = [];
  let last: CharClass | undefined;
  for (const c of s) {
    const cls = classOf(c);
    if (cls === last) runs[runs.length - 1]?.push(c);
    else runs.push([c]);
    last = cls;
  }
  for (let i = 0; i < runs.length - 1; i++) {
    const cur = runs[i] ?? [];
    const next = runs[i + 1] ?? [];
    if (classOf(cur[0] ?? '') === 'upper' && classOf(next[0] ?? '') === 'lower') {
      const moved = cur.pop();
      if (moved !== undefined) next.unshift(moved);
    }
  }
  return runs.filter((r) => r.length > 0).map((r) => r.join(''));
}

/** A column header for a field name: overrides first (upper-cased), else the split name upper-cased. */
export function headerFor(field: string, overrides: Readonly<Record<string, string>> = {}): string {
  const override = Object.hasOwn(overrides, field) ? overrides[field] : undefined;
  return (override ?? splitCamelCase(field).join(' ')).toUpperCase();
}
