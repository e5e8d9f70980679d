/**
 * Snapshot build only (engine/snapshot-warm-up.ts): a better-sqlite3 native binding kept in memory, for
 * the warm-up's container cycle. The real addon cannot be in a start-up snapshot (node aborts making one),
 * so the warm-up opens its engines through this instead.
 *
 * It runs the statements the stores issue on that path, and only those: the migrations' DDL (CREATE TABLE
 * with DEFAULTs, PRIMARY KEY and UNIQUE; indexes, CHECKs and foreign keys are ignored, so nothing
 * cascades), SELECT (columns or *, WHERE with AND of `col = ?`, `col = 'text'`, `>=`, `<`, `IS [NOT]
 * NULL`, ORDER BY), INSERT [OR IGNORE], UPDATE, DELETE, the pragmas storage/db.ts sets and reads, and
 * transactions (a copy of the tables, restored on ROLLBACK). Anything else throws with the statement's
 * text: the snapshot build then fails and names the statement this has to learn.
 * test/integration/storage/snapshot-sql.test.ts runs the stores on it and on real SQLite side by side.
 */

type Value = string | number | bigint | Buffer | null;
type Row = Record<string, Value>;

interface Column {
  readonly name: string;
  readonly fallback: Value;
}

interface Table {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly key: readonly string[];
  /** Columns declared UNIQUE. */
  readonly unique: readonly string[];
  rows: Row[];
}

type Operand = { readonly param: number } | { readonly value: Value };

interface Condition {
  readonly column: string;
  readonly op: '=' | '>=' | '<' | 'null' | 'not null';
  readonly operand?: Operand;
}

const TOKEN = /\s*(?:(\?)|'((?:[^']|'')*)'|`[^`]*`|(-?\d+)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|<>|!=|[(),=<>*;]))/y;

function tokenize(sql: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < sql.length) {
    if (/^\s*$/.test(sql.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(sql);
    if (!m) throw unsupported(sql, `at ${JSON.stringify(sql.slice(at, at + 20))}`);
    // Literals keep a marker: ' for text, # for numbers, so that they never read as keywords.
    out.push(m[1] ?? (m[2] !== undefined ? `'${m[2].replaceAll("''", "'")}` : m[3] !== undefined ? `#${m[3]}` : (m[4] ?? m[5] ?? m[0].trim())));
  }
  return out;
}

function unsupported(sql: string, why = 'not a statement the warm-up store knows'): Error {
  return new Error(`snapshot warm-up store: ${why}: ${sql.replace(/\s+/g, ' ').trim()}`);
}

/** A cursor over one statement's tokens. */
class Tokens {
  #i = 0;
  #params = 0;
  readonly sql: string;
  readonly list: readonly string[];
  constructor(sql: string) {
    this.sql = sql;
    this.list = tokenize(sql);
  }
  peek(): string | undefined {
    return this.list[this.#i];
  }
  next(): string {
    const t = this.list[this.#i++];
    if (t === undefined) throw unsupported(this.sql, 'unexpected end');
    return t;
  }
  /** Consumes `word` (a keyword, case-insensitive) if it comes next. */
  take(...words: string[]): boolean {
    const at = this.#i;
    for (const w of words) {
      if (this.list[this.#i]?.toUpperCase() !== w) {
        this.#i = at;
        return false;
      }
      this.#i++;
    }
    return true;
  }
  expect(...words: string[]): void {
    if (!this.take(...words)) throw unsupported(this.sql, `expected ${words.join(' ')}`);
  }
  done(): void {
    this.take(';');
    if (this.#i !== this.list.length) throw unsupported(this.sql, `unexpected ${this.list[this.#i]}`);
  }
  identifier(): string {
    const t = this.next();
    if (!/^[A-Za-z_]/.test(t)) throw unsupported(this.sql, `expected a name, got ${t}`);
    return t;
  }
  operand(): Operand {
    const t = this.next();
    if (t === '?') return { param: this.#params++ };
    if (t.startsWith("'")) return { value: t.slice(1) };
    if (t.startsWith('#')) return { value: Number(t.slice(1)) };
    if (t.toUpperCase() === 'NULL') return { value: null };
    throw unsupported(this.sql, `expected a value, got ${t}`);
  }
  commaList<T>(item: () => T): T[] {
    const out = [item()];
    while (this.take(',')) out.push(item());
    return out;
  }
}

function valueOf(o: Operand, params: readonly unknown[]): Value {
  if ('value' in o) return o.value;
  const v = params[o.param];
  if (v === undefined) throw new RangeError('Too few parameter values were provided');
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v);
  throw new TypeError(`SQLite3 can only bind numbers, strings, bigints, buffers, and null (got ${typeof v})`);
}

function where(t: Tokens): Condition[] {
  if (!t.take('WHERE')) return [];
  return parseConditions(t);
}

function parseConditions(t: Tokens): Condition[] {
  const out: Condition[] = [];
  do {
    const column = t.identifier();
    if (t.take('IS', 'NOT', 'NULL')) out.push({ column, op: 'not null' });
    else if (t.take('IS', 'NULL')) out.push({ column, op: 'null' });
    else {
      const op = t.next();
      if (op !== '=' && op !== '>=' && op !== '<') throw unsupported(t.sql, `operator ${op}`);
      out.push({ column, op, operand: t.operand() });
    }
  } while (t.take('AND'));
  return out;
}

function matches(row: Row, conds: readonly Condition[], params: readonly unknown[]): boolean {
  return conds.every((c) => {
    const v = row[c.column] ?? null;
    if (c.op === 'null') return v === null;
    if (c.op === 'not null') return v !== null;
    const w = valueOf(c.operand!, params);
    if (v === null || w === null) return false;
    if (c.op === '=') return Buffer.isBuffer(v) && Buffer.isBuffer(w) ? v.equals(w) : v === w;
    return c.op === '>=' ? v >= w : v < w;
  });
}

interface Plan {
  readonly reader: boolean;
  exec(params: readonly unknown[]): Row[] | { changes: number; lastInsertRowid: number };
}

/** One database file: what every connection to the same path sees. */
interface File {
  readonly tables: Map<string, Table>;
  readonly pragmas: Map<string, Value>;
}

class MemoryDatabase {
  readonly name: string;
  readonly memory = false;
  readonly readonly: boolean;
  open = true;
  readonly #tables: Map<string, Table>;
  readonly #pragmas: Map<string, Value>;
  #saved: Map<string, Row[]> | undefined;

  constructor(files: Map<string, File>, filename: string, readonly: boolean) {
    this.name = filename;
    this.readonly = readonly;
    let file = files.get(filename);
    if (!file) files.set(filename, (file = { tables: new Map(), pragmas: new Map([['user_version', 0]]) }));
    this.#tables = file.tables;
    this.#pragmas = file.pragmas;
  }

  get inTransaction(): boolean {
    return this.#saved !== undefined;
  }

  prepare(source: string): MemoryStatement {
    return new MemoryStatement(source, this.#plan(source));
  }

  exec(source: string): this {
    // Only DDL comes through exec (the migrations). Comments first: they may hold anything.
    const text = source.replace(/--[^\n]*/g, '');
    for (const stmt of text.split(';')) {
      const s = stmt.trim();
      if (s === '') continue;
      if (/^CREATE\s+(UNIQUE\s+)?INDEX\b/i.test(s)) continue;
      const m = /^CREATE\s+TABLE\s+([A-Za-z_]+)\s*\(([\s\S]*)\)$/i.exec(s);
      if (!m) throw unsupported(s);
      this.#createTable(m[1]!, m[2]!, s);
    }
    return this;
  }

  close(): this {
    this.open = false;
    return this;
  }

  #createTable(name: string, body: string, sql: string): void {
    const columns: Column[] = [];
    let key: string[] = [];
    const unique: string[] = [];
    // Split on commas outside parentheses.
    const parts: string[] = [];
    let depth = 0;
    let cur = '';
    for (const ch of body) {
      if (ch === '(') depth++;
      if (ch === ')') depth--;
      if (ch === ',' && depth === 0) {
        parts.push(cur);
        cur = '';
      } else cur += ch;
    }
    parts.push(cur);
    for (const raw of parts) {
      const p = raw.trim();
      const pk = /^PRIMARY\s+KEY\s*\(([^)]*)\)/i.exec(p);
      if (pk) {
        key = pk[1]!.split(',').map((c) => c.trim());
        continue;
      }
      const col = /^([A-Za-z_]+)\s+(TEXT|INTEGER|BLOB)\b(.*)$/is.exec(p);
      if (!col) throw unsupported(sql, `column definition ${JSON.stringify(p)}`);
      const rest = col[3]!;
      const def = /\bDEFAULT\s+('(?:[^']|'')*'|-?\d+)/i.exec(rest);
      const fallback = def ? (def[1]!.startsWith("'") ? def[1]!.slice(1, -1).replaceAll("''", "'") : Number(def[1])) : null;
      columns.push({ name: col[1]!, fallback });
      if (/\bPRIMARY\s+KEY\b/i.test(rest)) key = [col[1]!];
      else if (/\bUNIQUE\b/i.test(rest)) unique.push(col[1]!);
    }
    this.#tables.set(name, { name, columns, key, unique, rows: [] });
  }

  #table(name: string, sql: string): Table {
    const t = this.#tables.get(name);
    if (!t) throw unsupported(sql, `no such table ${name}`);
    return t;
  }

  #plan(sql: string): Plan {
    const t = new Tokens(sql);
    const first = t.next().toUpperCase();
    switch (first) {
      case 'SELECT':
        return this.#select(t);
      case 'INSERT':
        return this.#insert(t);
      case 'UPDATE':
        return this.#update(t);
      case 'DELETE':
        return this.#delete(t);
      case 'PRAGMA':
        return this.#pragma(t);
      case 'BEGIN':
      case 'COMMIT':
      case 'ROLLBACK':
      case 'SAVEPOINT':
      case 'RELEASE':
        return this.#transactionControl(first, sql);
      default:
        throw unsupported(sql);
    }
  }

  #select(t: Tokens): Plan {
    const columns = t.take('*') ? undefined : t.commaList(() => t.identifier());
    t.expect('FROM');
    const table = this.#table(t.identifier(), t.sql);
    const conds = where(t);
    const order: { column: string; desc: boolean }[] = [];
    if (t.take('ORDER', 'BY')) {
      order.push(
        ...t.commaList(() => {
          const column = t.identifier();
          const desc = t.take('DESC');
          if (!desc) t.take('ASC');
          return { column, desc };
        }),
      );
    }
    t.done();
    return {
      reader: true,
      exec: (params) => {
        const rows = table.rows.filter((r) => matches(r, conds, params));
        rows.sort((a, b) => {
          for (const o of order) {
            const x = a[o.column]!;
            const y = b[o.column]!;
            if (x !== y) return (x < y ? -1 : 1) * (o.desc ? -1 : 1);
          }
          return 0;
        });
        return rows.map((r) => (columns ? Object.fromEntries(columns.map((c) => [c, r[c] ?? null])) : { ...r }));
      },
    };
  }

  #insert(t: Tokens): Plan {
    const ignore = t.take('OR', 'IGNORE');
    t.expect('INTO');
    const table = this.#table(t.identifier(), t.sql);
    t.expect('(');
    const names = t.commaList(() => t.identifier());
    t.expect(')');
    t.expect('VALUES');
    t.expect('(');
    const values = t.commaList(() => t.operand());
    t.expect(')');
    t.done();
    if (names.length !== values.length) throw unsupported(t.sql, 'columns and values differ in number');
    return {
      reader: false,
      exec: (params) => {
        const row: Row = Object.fromEntries(table.columns.map((c) => [c.name, c.fallback]));
        names.forEach((n, i) => (row[n] = valueOf(values[i]!, params)));
        const clash = (cols: readonly string[]) => cols.length > 0 && table.rows.some((r) => cols.every((k) => r[k] === row[k]));
        const failed = clash(table.key) ? { cols: table.key, code: 'SQLITE_CONSTRAINT_PRIMARYKEY' } : table.unique.filter((c) => clash([c])).map((c) => ({ cols: [c], code: 'SQLITE_CONSTRAINT_UNIQUE' }))[0];
        if (failed) {
          if (ignore) return { changes: 0, lastInsertRowid: 0 };
          throw Object.assign(new Error(`UNIQUE constraint failed: ${failed.cols.map((k) => `${table.name}.${k}`).join(', ')}`), { code: failed.code });
        }
        table.rows.push(row);
        return { changes: 1, lastInsertRowid: table.rows.length };
      },
    };
  }

  #update(t: Tokens): Plan {
    const table = this.#table(t.identifier(), t.sql);
    t.expect('SET');
    const sets = t.commaList(() => {
      const column = t.identifier();
      t.expect('=');
      return { column, operand: t.operand() };
    });
    // The WHERE's placeholders come after the SET's: parse it with the same cursor.
    const conds = where(t);
    t.done();
    return {
      reader: false,
      exec: (params) => {
        let changes = 0;
        for (const r of table.rows) {
          if (!matches(r, conds, params)) continue;
          for (const s of sets) r[s.column] = valueOf(s.operand, params);
          changes++;
        }
        return { changes, lastInsertRowid: 0 };
      },
    };
  }

  #delete(t: Tokens): Plan {
    t.expect('FROM');
    const table = this.#table(t.identifier(), t.sql);
    const conds = where(t);
    t.done();
    return {
      reader: false,
      exec: (params) => {
        const before = table.rows.length;
        table.rows = table.rows.filter((r) => !matches(r, conds, params));
        return { changes: before - table.rows.length, lastInsertRowid: 0 };
      },
    };
  }

  #pragma(t: Tokens): Plan {
    const name = t.identifier().toLowerCase();
    const value = t.take('=') ? t.next() : undefined;
    t.done();
    if (value !== undefined) {
      return {
        reader: true,
        exec: () => {
          const v = value.startsWith('#') ? Number(value.slice(1)) : value.replace(/^'/, '');
          this.#pragmas.set(name, v);
          return name === 'journal_mode' ? [{ journal_mode: v }] : [];
        },
      };
    }
    if (!this.#pragmas.has(name)) throw unsupported(t.sql, `pragma ${name}`);
    return { reader: true, exec: () => [{ [name]: this.#pragmas.get(name)! }] };
  }

  #transactionControl(word: string, sql: string): Plan {
    return {
      reader: false,
      exec: () => {
        if (word === 'BEGIN') {
          if (this.#saved) throw unsupported(sql, 'nested BEGIN');
          this.#saved = new Map([...this.#tables].map(([n, tb]) => [n, tb.rows.map((r) => ({ ...r }))]));
        } else if (word === 'COMMIT') {
          this.#saved = undefined;
        } else if (word === 'ROLLBACK' && !/\bTO\b/i.test(sql)) {
          for (const [n, rows] of this.#saved ?? []) this.#tables.get(n)!.rows = rows;
          this.#saved = undefined;
        } else {
          throw unsupported(sql, 'savepoints');
        }
        return { changes: 0, lastInsertRowid: 0 };
      },
    };
  }
}

class MemoryStatement {
  #pluck = false;
  readonly source: string;
  readonly reader: boolean;
  readonly plan: Plan;
  constructor(source: string, plan: Plan) {
    this.source = source;
    this.plan = plan;
    this.reader = plan.reader;
  }
  pluck(on = true): this {
    this.#pluck = on;
    return this;
  }
  run(...params: unknown[]): { changes: number; lastInsertRowid: number } {
    const r = this.plan.exec(params);
    return Array.isArray(r) ? { changes: 0, lastInsertRowid: 0 } : r;
  }
  all(...params: unknown[]): unknown[] {
    const r = this.plan.exec(params);
    if (!Array.isArray(r)) throw new TypeError('This statement does not return data. Use run() instead');
    return this.#pluck ? r.map((row) => Object.values(row)[0]) : r;
  }
  get(...params: unknown[]): unknown {
    return this.all(...params)[0];
  }
}

/**
 * A binding in the addon's shape, for storage/sqlite.snapshot.ts's withStandInBinding. Connections to the
 * same path share their tables, as they would share a file: a second connection can seed what the first
 * one reads.
 */
export function memorySqliteBinding(): object {
  const files = new Map<string, File>();
  return {
    Database: class extends MemoryDatabase {
      constructor(filename: string, _given: string, _anonymous: boolean, readonly: boolean) {
        super(files, filename, readonly);
      }
    },
    setErrorConstructor(): void {},
  };
}
