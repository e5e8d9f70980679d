/** `-e K=V` as given; `-e K` copies the host's value (and is dropped when the host has none), as docker. */
export function parseEnv(items: readonly string[], host: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  for (const item of items) {
    if (item.includes('=')) {
      out.push(item);
      continue;
    }
    const v = host[item];
    if (v !== undefined) out.push(`${item}=${v}`);
  }
  return out;
}
