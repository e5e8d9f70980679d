// A throw-away store with the fixture alpine pulled, for a test file's containers: filled in beforeAll,
// emptied (every container force-removed, the roots deleted) in afterAll.
import { afterAll, beforeAll } from 'vitest';
import { getRegistry } from './registry.ts';
import { runCli } from './run-cli.ts';
import { makeTmpRoots, type TmpRoots } from './tmp-root.ts';

export interface AlpineStore {
  readonly t: TmpRoots;
  /** The global flags that select this store: --root/--runroot. */
  readonly g: readonly string[];
  /** The alpine reference in the fixture registry. */
  readonly alpine: string;
}

export function useAlpineStore(label: string): AlpineStore {
  const s = {} as { t: TmpRoots; g: string[]; alpine: string };
  beforeAll(async () => {
    s.t = makeTmpRoots(label);
    s.g = ['--root', s.t.root, '--runroot', s.t.runRoot];
    s.alpine = getRegistry().images.alpine.ref;
    await runCli([...s.g, 'pull', '-q', s.alpine], { expectCode: 0 });
  });
  afterAll(async () => {
    await runCli([...s.g, 'rm', '-a', '-f'], { expectCode: 0 });
    s.t.cleanup();
  });
  return s;
}
