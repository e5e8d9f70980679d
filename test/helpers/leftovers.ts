// What a test must find empty after containers are gone: overlay mounts under the store, container rows,
// container dirs, and each runtime's state dir.
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(dir));
}

export function containerRows(root: string): { id: string; state: string }[] {
  const db = new Database(join(root, 'store.db'), { readonly: true });
  try {
    return db.prepare('SELECT id, state FROM containers').all() as { id: string; state: string }[];
  } finally {
    db.close();
  }
}

/** Entries left in the runtimes' state dirs (<runRoot>/runtimes/<name>/…) and in <root>/containers. */
export function leftovers(root: string, runRoot: string): { mounts: string[]; rows: unknown[]; dirs: string[]; runtimeState: string[] } {
  const list = (d: string) => (existsSync(d) ? readdirSync(d) : []);
  const runtimes = join(runRoot, 'runtimes');
  return {
    mounts: [...mountsUnder(root), ...mountsUnder(runRoot)],
    rows: containerRows(root),
    dirs: list(join(root, 'containers')),
    runtimeState: list(runtimes).flatMap((r) => list(join(runtimes, r)).map((c) => `${r}/${c}`)),
  };
}
