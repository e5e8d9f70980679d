// docs/api.md's examples are honest: every ```ts block type-checks against the real public API (the
// source of engine/index.ts, as the package name `tsengine`), under the repo's strict compiler options.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DOC = join(ROOT, 'docs', 'api.md');

function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

describe('docs/api.md', () => {
  it('has an example for each entry point, importing the package by name only', () => {
    const blocks = tsBlocks(readFileSync(DOC, 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(14);
    for (const b of blocks) {
      expect(b).toMatch(/from 'tsengine';/);
      expect(b).not.toMatch(/from '\.|tsengine\//); // no deep or relative imports
    }
    const all = blocks.join('\n');
    for (const call of [
      'Engine.open(', 'engine.run(', 'engine.close()', 'await using',
      'images.pull(', 'images.list()', 'images.inspect(', 'images.remove(', 'images.tag(',
      'containers.create(', 'containers.start(', 'containers.wait(', 'containers.stop(', 'containers.kill(',
      'containers.logs(', 'containers.exec(', 'containers.inspect(', 'containers.list(', 'containers.remove(', 'isEngineError(',
    ]) expect(all, call).toContain(call);
  });

  it('every example type-checks against the public API', { timeout: 120_000 }, () => {
    // Under node_modules so that `undici` and @types/node resolve as they would for a consumer.
    const dir = join(ROOT, 'node_modules', '.cache', 'tsengine-docs-api');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const blocks = tsBlocks(readFileSync(DOC, 'utf8'));
    const files = blocks.map((b, i) => {
      const name = `example-${String(i + 1).padStart(2, '0')}.ts`;
      writeFileSync(join(dir, name), b);
      return name;
    });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const base = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    const { outDir: _o, rootDir: _r, declaration: _d, sourceMap: _s, ...compilerOptions } = base.compilerOptions;
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { ...compilerOptions, noEmit: true, allowImportingTsExtensions: true, paths: { tsengine: [join(ROOT, 'engine', 'index.ts')] } },
        files,
      }),
    );
    let out = '';
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? e);
    }
    // Errors inside engine/, storage/, monitor/ are the build's business (and maybe someone's work in
    // progress), not the docs'; any other line (an example's error, a config error) fails this test.
    const errors = out.split('\n').filter((l) => /error TS\d+/.test(l) && !/^(engine|storage|monitor)\//.test(l));
    expect(errors).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
