/**
 * sqlite.ts as the CLI's start-up snapshot holds it (scripts/bundle.mjs swaps it in): better-sqlite3's
 * JavaScript is bundled and evaluated when the snapshot is built (its module loading and compiling was ~8 ms
 * of every call that opens the store); the native binding, which a snapshot cannot contain, is loaded on
 * first open and handed over as `nativeBinding`.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from './package-root.ts';

let binding: object | undefined;

/**
 * Snapshot build only (engine/snapshot-warm-up.ts): runs `fn` with `stand_in` as the binding, so that
 * better-sqlite3's JavaScript and ours run (and are compiled into the snapshot) without the addon, which a
 * snapshot cannot hold (node aborts making one). The binding is unset again afterwards, whatever happens.
 */
export async function withStandInBinding<T>(standIn: object, fn: () => Promise<T>): Promise<T> {
  if (binding !== undefined) throw new Error('withStandInBinding: the real binding is already loaded');
  binding = standIn;
  try {
    return await fn();
  } finally {
    binding = undefined;
  }
}

export function newDatabase(path: string, options: Database.Options): Database.Database {
  binding ??= loadBinding();
  // better-sqlite3 takes the loaded addon object too (lib/database.js); its type declarations say string only.
  return new Database(path, { ...options, nativeBinding: binding as unknown as string });
}

/**
 * The addon where npm puts it for this package (dlopen directly: resolving through package.json exports
 * was ~1.5 ms of every open), else wherever node's resolution finds it (a hoisted install).
 */
function loadBinding(): object {
  const local = join(packageRoot(), 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(local)) {
    const m = { exports: {} };
    process.dlopen(m, local);
    return m.exports;
  }
  const require = createRequire(import.meta.url);
  return require(require.resolve('better-sqlite3/build/Release/better_sqlite3.node')) as object;
}
