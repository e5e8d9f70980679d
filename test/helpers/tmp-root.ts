// Fresh store and run roots per test, removed afterwards. Names embed the test's name so a leak points
// at its test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TmpRoots {
  readonly dir: string;
  readonly root: string;
  readonly runRoot: string;
  cleanup(): void;
}

export function makeTmpRoots(label: string): TmpRoots {
  const safe = label.replace(/[^a-zA-Z0-9_-]+/g, '-').slice(0, 40);
  const dir = mkdtempSync(join(tmpdir(), `tse-${safe}-`));
  return {
    dir,
    root: join(dir, 'root'),
    runRoot: join(dir, 'run'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
