/**
 * The YAML podman prints for `podman info` (gopkg.in/yaml.v3 over its JSON-tagged structs): two-space
 * nesting, list items at their key's indent (`search:` then `- docker.io`), `{}`/`[]` when empty, and
 * strings quoted only when plain YAML would read them as something else.
 */

/** A string YAML would misread when plain: empty, a bool/null/number word, leading indicator, `: ` or ` #`. */
function needsQuotes(s: string): boolean {
  return (
    s === '' ||
    /^(?:true|false|yes|no|on|off|null|~|y|n)$/i.test(s) ||
    /^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i.test(s) ||
    /^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(s) ||
    /\s$/.test(s) ||
    /: |\s#|[\n\t]|:$/.test(s)
  );
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return needsQuotes(v) ? JSON.stringify(v) : v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function lines(v: unknown, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isMap(item) && Object.keys(item).length > 0) {
        const sub: string[] = [];
        lines(item, `${indent}  `, sub);
        out.push(`${indent}- ${(sub[0] ?? '').trimStart()}`, ...sub.slice(1));
      } else {
        out.push(`${indent}- ${scalar(item)}`);
      }
    }
    return;
  }
  if (!isMap(v)) return;
  for (const [k, val] of Object.entries(v)) {
    if (val === undefined) continue;
    const key = needsQuotes(k) ? JSON.stringify(k) : k;
    if (Array.isArray(val)) {
      if (val.length === 0) out.push(`${indent}${key}: []`);
      else {
        out.push(`${indent}${key}:`);
        lines(val, indent, out);
      }
    } else if (isMap(val)) {
      if (Object.keys(val).length === 0) out.push(`${indent}${key}: {}`);
      else {
        out.push(`${indent}${key}:`);
        lines(val, `${indent}  `, out);
      }
    } else {
      out.push(`${indent}${key}: ${scalar(val)}`);
    }
  }
}

/** A map (of maps, lists and scalars) as YAML text, ending in a newline. */
export function toYaml(v: Record<string, unknown>): string {
  const out: string[] = [];
  lines(v, '', out);
  return `${out.join('\n')}\n`;
}
