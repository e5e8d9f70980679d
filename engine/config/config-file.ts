/**
 * Reading configuration files, shared by every file tsengine reads (registries.conf, containers.conf,
 * tsengine.toml, daemon.json): a missing optional file is no error; anything wrong is one CONFIG_INVALID
 * line that starts with the place, `<file>:<line>:<col>: <what>` (or `<file>:<line>:` / `<file>:` when
 * the column or line is not known), so the user can jump to it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { isErrno } from '../../storage/errors.ts';
import { EngineError } from '../errors.ts';

/** `file[:line[:col]]: msg` as CONFIG_INVALID. */
export function configError(file: string, msg: string, at?: { line?: number | undefined; column?: number | undefined }, cause?: unknown): EngineError {
  const where = at?.line === undefined ? file : at.column === undefined ? `${file}:${at.line}` : `${file}:${at.line}:${at.column}`;
  return new EngineError('CONFIG_INVALID', `${where}: ${msg}`, cause === undefined ? undefined : { cause });
}

/** The text of a file; undefined when it does not exist and `required` is false. */
export function readConfigText(file: string, required: boolean): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    if (!required && (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR'))) return undefined;
    throw configError(file, isErrno(e, 'ENOENT') ? 'no such file' : e.message, undefined, e);
  }
}

/** The regular files named `*<suffix>` in `dir` (unsorted); none when the directory does not exist. */
export function listDropIns(dir: string, suffix: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile() && d.name.endsWith(suffix)).map((d) => join(dir, d.name));
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return []; // most systems have no such directory
    if (e instanceof Error) throw configError(dir, e.message, undefined, e);
    throw e;
  }
}

/**
 * Whole-line comments blanked (their newlines kept, so error lines and columns stay right), unless the text
 * has multi-line strings, where a line may start with `#` inside one. The containers config files are
 * mostly comments (containers.conf: 24 kB, a few lines of settings), and smol-toml walks them a character
 * at a time, cold in every CLI call: ~1 ms per file here.
 */
function withoutCommentLines(text: string): string {
  return text.includes('"""') || text.includes("'''") ? text : text.replace(/^[ \t]*#.*$/gm, '');
}

/** TOML text → a document; a syntax error names file:line:col and what smol-toml found (first line only). */
export function parseToml(file: string, text: string): Record<string, unknown> {
  try {
    return parse(withoutCommentLines(text));
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    const msg = (e.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    throw new EngineError('CONFIG_INVALID', `${file}:${e.line}:${e.column}: ${msg}`, { cause: e, hint: e.codeblock });
  }
}

/** JSON text → a value; a syntax error names file:line:col (V8 reports only an offset: we count lines ourselves). */
export function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    const pos = /at position (\d+)/.exec(e.message);
    const what = e.message.replace(/\s*(?:in JSON )?at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '');
    if (pos === null) {
      // "Unexpected end of JSON input" carries no offset: it is at the end.
      const lines = text.split('\n');
      throw configError(file, what, { line: lines.length, column: (lines.at(-1) ?? '').length + 1 }, e);
    }
    const before = text.slice(0, Number(pos[1]));
    const line = before.split('\n').length;
    throw configError(file, what, { line, column: before.length - before.lastIndexOf('\n') }, e);
  }
}

/** Quoted or bare TOML key, as it may be written in a header or before `=`. */
function keyPattern(key: string): string {
  const esc = key.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  return `(?:${esc}|"${esc}"|'${esc}')`;
}

/**
 * Best-effort line (1-based) of `key = …` inside the table `[table…]` (dotted path, e.g. ['runtimes',
 * 'youki']), or of the table header itself when `key` is undefined; undefined when the file does not use
 * that plain layout (inline tables, dotted keys). Only for error messages: parsing never depends on it.
 */
export function lineOfKey(text: string, table: readonly string[], key?: string): number | undefined {
  const lines = text.split('\n');
  let start = 0;
  if (table.length > 0) {
    const header = new RegExp(`^\\s*\\[\\s*${table.map(keyPattern).join('\\s*\\.\\s*')}\\s*\\]\\s*(?:#.*)?$`);
    const i = lines.findIndex((l) => header.test(l));
    if (i < 0) return undefined;
    if (key === undefined) return i + 1;
    start = i + 1;
  }
  if (key === undefined) return undefined;
  const assign = new RegExp(`^\\s*${keyPattern(key)}\\s*=`);
  for (let i = start; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (/^\s*\[/.test(l)) return undefined; // the next table starts (top-level keys come before the first)
    if (assign.test(l)) return i + 1;
  }
  return undefined;
}

/** Best-effort line of `"key":` in JSON text (first occurrence as a key), for error messages. */
export function lineOfJsonKey(text: string, key: string): number | undefined {
  const m = new RegExp(`${JSON.stringify(key).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`).exec(text);
  return m === null ? undefined : text.slice(0, m.index).split('\n').length;
}
