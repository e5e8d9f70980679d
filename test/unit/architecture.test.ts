// The layering rule (STYLE.md 2.1), enforced: imports flow cmd → engine (public entry only) → storage,
// engine → monitor/protocol.ts only (the monitor itself is C: monitor/*.c); and engine/ and storage/ never
// print, read argv, or exit the process.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Relative import targets of a file (static and dynamic), as repo-relative paths. */
function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.')).map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

const top = (p: string) => p.split('/')[0]!;

describe('architecture', () => {
  it('finds the source files it checks', () => {
    expect(sources('cmd').length).toBeGreaterThan(5);
    expect(sources('engine').length).toBeGreaterThan(5);
    expect(sources('storage').length).toBeGreaterThan(5);
  });

  it('cmd/ imports nothing of the engine but its public entry', () => {
    const bad = sources('cmd').flatMap((f) =>
      imports(f).filter((t) => top(t) !== 'cmd' && t !== 'engine/index.ts').map((t) => `${f} → ${t}`),
    );
    expect(bad).toEqual([]);
  });

  it('engine/ imports neither cmd/ nor monitor/ beyond protocol.ts; storage/ imports neither engine/, cmd/ nor monitor/', () => {
    const bad = [
      ...sources('engine').flatMap((f) =>
        imports(f)
          .filter((t) => top(t) === 'cmd' || (top(t) === 'monitor' && t !== 'monitor/protocol.ts'))
          .map((t) => `${f} → ${t}`),
      ),
      ...sources('storage').flatMap((f) => imports(f).filter((t) => ['engine', 'cmd', 'monitor'].includes(top(t))).map((t) => `${f} → ${t}`)),
    ];
    expect(bad).toEqual([]);
  });

  it('engine/ and storage/ never print, read argv, exit, or set the exit code', () => {
    // `console.` but not a module named console.ts.
    const forbidden = /\bconsole\.(?!ts\b)|process\.(argv|exit\b|exitCode|stdout|stderr)/;
    const bad = [...sources('engine'), ...sources('storage')].filter((f) =>
      readFileSync(join(ROOT, f), 'utf8')
        .split('\n')
        .some((line) => !line.trim().startsWith('//') && !line.trim().startsWith('*') && forbidden.test(line)),
    );
    expect(bad).toEqual([]);
  });
});
