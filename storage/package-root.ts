/**
 * Files of this package found at run time (the native addon and the monitor under build/, the cleanup program), located
 * from the package root: the nearest directory above this module holding package.json. That holds for the
 * sources (tests), the tsc output in dist/, and the bundled CLI in dist/cmd/ alike.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startupSnapshot } from 'node:v8';

let root: string | undefined;
// The CLI's start-up snapshot finds its package at run time (it may be installed elsewhere than it was built).
if (startupSnapshot.isBuildingSnapshot()) startupSnapshot.addSerializeCallback(() => (root = undefined));

export function packageRoot(): string {
  if (root !== undefined) return root;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return (root = dir);
    if (dirname(dir) === dir) throw new Error(`unreachable: no package.json above ${start}`);
  }
}

/** A file of the package's build output, e.g. `builtFile('cmd/cleanup-main.js')` → <root>/dist/cmd/cleanup-main.js. */
export function builtFile(relative: string): string {
  return join(packageRoot(), 'dist', relative);
}
