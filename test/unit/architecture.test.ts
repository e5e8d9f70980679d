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

/** Relative import targets in a file's text (static, dynamic, type-only, re-exports), as repo-relative paths. */
function importsIn(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.')).map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

function imports(file: string): string[] {
  return importsIn(file, readFileSync(join(ROOT, file), 'utf8'));
}

/** cmd/ may reach the engine only through its public entry (what a consumer of the package gets). */
function cmdViolations(file: string, targets: readonly string[]): string[] {
  return targets.filter((t) => top(t) !== 'cmd' && t !== 'engine/index.ts').map((t) => `${file} → ${t}`);
}

/** Printing, argv, exiting or the exit code: a library leaves those to the program that embeds it. */
const FORBIDDEN_IN_LIBRARY = [
  /\bconsole\.(?!ts\b)/, // `console.` but not a module named console.ts
  /\bprocess\s*\.\s*(argv|exit\b|exitCode|stdout|stderr)/,
  /\bprocess\s*\[\s*['"`](argv|exit|exitCode|stdout|stderr)['"`]/,
  /\{[^}]*\b(argv|exit|exitCode|stdout|stderr)\b[^}]*\}\s*=\s*process\b/, // const { argv } = process
  /\bfrom\s+['"](node:)?process['"]/, // import { argv } from 'node:process'
];

function forbiddenLines(text: string): string[] {
  return text.split('\n').filter((line) => !line.trim().startsWith('//') && !line.trim().startsWith('*') && FORBIDDEN_IN_LIBRARY.some((re) => re.test(line)));
}

const top = (p: string) => p.split('/')[0]!;

describe('architecture', () => {
  it('finds the source files it checks', () => {
    expect(sources('cmd').length).toBeGreaterThan(5);
    expect(sources('engine').length).toBeGreaterThan(5);
    expect(sources('storage').length).toBeGreaterThan(5);
  });

  it('cmd/ imports nothing of the engine but its public entry', () => {
    const bad = sources('cmd').flatMap((f) => cmdViolations(f, imports(f)));
    expect(bad).toEqual([]);
  });

  it('the checks catch what they forbid (a checker that sees nothing would pass forever)', () => {
    const deep = [
      "import { Images } from '../engine/image/images.ts';",
      "import type { Store } from '../storage/index.ts';",
      "export { x } from '../engine/engine.ts';",
      "const m = await import('../engine/container/logs.ts');",
      "import '../monitor/protocol.ts';",
      "import { Engine } from '../engine/index.ts';",
    ].join('\n');
    expect(cmdViolations('cmd/x.ts', importsIn('cmd/x.ts', deep))).toEqual([
      'cmd/x.ts → engine/image/images.ts',
      'cmd/x.ts → storage/index.ts',
      'cmd/x.ts → engine/engine.ts',
      'cmd/x.ts → engine/container/logs.ts',
      'cmd/x.ts → monitor/protocol.ts',
    ]);
    expect(importsIn('engine/image/pull.ts', "import { exitCodeFor } from '../../cmd/exit-codes.ts';")).toEqual(['cmd/exit-codes.ts']);
    const library = [
      'process.exitCode = 1;',
      "process['exitCode'] = 2;",
      'const { argv } = process;',
      "import { stdout } from 'node:process';",
      'console.log(x);',
      'process.exit(1);',
      '// process.exitCode in a comment is fine',
      "import { thing } from './console.ts';",
      'const signal = process.env.X;',
    ];
    expect(forbiddenLines(library.join('\n'))).toEqual(library.slice(0, 6));
  });

  it('package.json exports the public entry only, with its type declarations', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(pkg.exports).toEqual({
      '.': { types: './dist/engine/index.d.ts', default: './dist/engine/index.js' },
      './package.json': './package.json',
    });
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
    const bad = [...sources('engine'), ...sources('storage')].flatMap((f) => forbiddenLines(readFileSync(join(ROOT, f), 'utf8')).map((l) => `${f}: ${l.trim()}`));
    expect(bad).toEqual([]);
  });
});
