/**
 * better-sqlite3, loaded on first open rather than at import: verbs that never open the store (`--help`,
 * usage errors) skip loading it. The CLI's start-up snapshot replaces this module with sqlite.snapshot.ts
 * (scripts/bundle.mjs), which holds better-sqlite3's JavaScript in the snapshot and loads only its native
 * binding at run time.
 */
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';

let ctor: typeof Database | undefined;

export function newDatabase(path: string, options: Database.Options): Database.Database {
  ctor ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return new ctor(path, options);
}
