/** Small readers of yargs' parse results and of `K=V` lists, shared by the verbs. */

/** A repeatable flag's values (yargs gives one value, an array, or nothing). */
export const strList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** A string flag's value, or undefined. */
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `K=V` items (and bare `K`, meaning an empty value) as a record; a later item wins, as docker's --label. */
export function labelsOf(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of items) {
    const i = l.indexOf('=');
    out[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1);
  }
  return out;
}
