/**
 * sqlite.ts as the CLI's start-up snapshot holds it (scripts/bundle.mjs swaps it in): better-sqlite3's
 * JavaScript is bundled and evaluated when the snapshot is built (its module loading and compiling was ~8 ms
 * of every call that opens the store); the native binding, which a snapshot cannot contain, is loaded on
 * first open and handed over as `nativeBinding`.
 */
import Database from 'better-sqlite3';
import { createRequire } from 'node:module';

let binding: object | undefined;

export function newDatabase(path: string, options: Database.Options): Database.Database {
  if (binding === undefined) {
    const require = createRequire(import.meta.url);
    binding = require(require.resolve('better-sqlite3/build/Release/better_sqlite3.node')) as object;
  }
  // better-sqlite3 takes the loaded addon object too (lib/database.js); its type declarations say string only.
  return new Database(path, { ...options, nativeBinding: binding as unknown as string });
}
