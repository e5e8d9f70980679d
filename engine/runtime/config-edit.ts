/**
 * `runtime add/rm/default` edit tsengine.toml as text, touching only the `[runtimes.NAME]` table and the
 * `default_runtime` line they change. Parsing and re-printing the file (smol-toml's stringify) would drop
 * every comment and reorder what a person wrote by hand; editing lines keeps all of it. The price is that
 * only the plain layout is edited (`[runtimes.NAME]` headers, a top-level `default_runtime = "…"` line): a
 * name defined as an inline table or with dotted keys is refused with a message to edit by hand. Every
 * edit is checked by parsing the result and comparing it with the intended meaning; if they differ (an
 * unusual layout fooled the line matching), nothing is written.
 *
 * Writes are atomic (temp file, fsync, rename, fsync of the directory): a crash leaves the old file or the
 * new one, never half of one. A concurrent edit by another process is detected (the file changed between
 * our read and our rename) and the edit is redone on the new text, up to a few times.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isErrno } from '../../storage/errors.ts';
import { configError } from '../config/config-file.ts';
import type { RuntimeEntry } from './registration.ts';
import { parseTsengineToml, type TsengineTomlDoc } from './tsengine-toml.ts';

export type ConfigEdit =
  | { readonly op: 'set-runtime'; readonly name: string; readonly path: string; readonly args: readonly string[] }
  | { readonly op: 'remove-runtime'; readonly name: string }
  | { readonly op: 'set-default'; readonly name: string };

const HEADER = /^\s*\[/;

function keyPattern(key: string): string {
  const esc = key.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  return `(?:${esc}|"${esc}"|'${esc}')`;
}

/** A TOML key for a runtime name: bare when TOML allows it, else a basic string. */
function tomlKey(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
}

/** [start, end) of the `[runtimes.NAME]` table's lines, without the blank and comment lines that lead into the next table. */
function tableBlock(lines: readonly string[], name: string): { start: number; end: number } | undefined {
  const header = new RegExp(`^\\s*\\[\\s*runtimes\\s*\\.\\s*${keyPattern(name)}\\s*\\]\\s*(?:#.*)?$`);
  const start = lines.findIndex((l) => header.test(l));
  if (start < 0) return undefined;
  let next = lines.findIndex((l, i) => i > start && HEADER.test(l));
  if (next < 0) next = lines.length;
  let end = next;
  while (end > start + 1 && /^\s*(?:#.*)?$/.test(lines[end - 1] ?? '')) end--;
  return { start, end };
}

function renderTable(name: string, path: string, args: readonly string[]): string[] {
  return [
    `[runtimes.${tomlKey(name)}]`,
    `path = ${JSON.stringify(path)}`,
    ...(args.length > 0 ? [`args = [${args.map((a) => JSON.stringify(a)).join(', ')}]`] : []),
  ];
}

/** The meaning an edit should leave, to check the edited text against. */
function intended(before: TsengineTomlDoc, edit: ConfigEdit): { entries: Map<string, Pick<RuntimeEntry, 'paths' | 'args' | 'shimType'>>; def: string | undefined } {
  const entries = new Map<string, Pick<RuntimeEntry, 'paths' | 'args' | 'shimType'>>([...before.entries].map(([k, e]) => [k, meaning(e)]));
  let def = before.defaultRuntime?.name;
  if (edit.op === 'set-runtime') entries.set(edit.name, { paths: [edit.path], args: [...edit.args] });
  if (edit.op === 'remove-runtime') entries.delete(edit.name);
  if (edit.op === 'set-default') def = edit.name;
  return { entries, def };
}

function meaning(e: RuntimeEntry): Pick<RuntimeEntry, 'paths' | 'args' | 'shimType'> {
  return { paths: [...e.paths], args: [...e.args], ...(e.shimType !== undefined ? { shimType: e.shimType } : {}) };
}

/** Pure: the edited text. Throws CONFIG_INVALID when the file's layout is not one we edit safely. */
export function editTsengineToml(file: string, text: string, edit: ConfigEdit): string {
  const before = parseTsengineToml(file, text);
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const byHand = (what: string) =>
    configError(file, `${what} is written in a form tsengine does not rewrite (an inline table or dotted keys): edit the file by hand`);
  let out: string[];
  if (edit.op === 'set-default') {
    const firstHeader = lines.findIndex((l) => HEADER.test(l));
    const top = firstHeader < 0 ? lines.length : firstHeader;
    const at = lines.findIndex((l, i) => i < top && /^\s*default[_-]runtime\s*=/.test(l));
    const line = `default_runtime = ${JSON.stringify(edit.name)}`;
    if (at >= 0) {
      out = [...lines.slice(0, at), line, ...lines.slice(at + 1)];
    } else {
      // Before the first table and the comments that lead into it (top-level keys must precede tables).
      let insert = top;
      while (insert > 0 && /^\s*#/.test(lines[insert - 1] ?? '')) insert--;
      out = [...lines.slice(0, insert), line, ...(insert < lines.length ? [''] : []), ...lines.slice(insert)];
    }
  } else {
    const block = tableBlock(lines, edit.name);
    if (block === undefined && before.entries.has(edit.name)) throw byHand(`runtime "${edit.name}"`);
    if (edit.op === 'remove-runtime') {
      if (block === undefined) return text;
      let { start, end } = block;
      if (start > 0 && (lines[start - 1] ?? '').trim() === '' && (end >= lines.length || (lines[end] ?? '').trim() === '')) start--;
      out = [...lines.slice(0, start), ...lines.slice(end)];
    } else {
      const table = renderTable(edit.name, edit.path, edit.args);
      out = block === undefined
        ? [...lines, ...(lines.length > 0 && (lines.at(-1) ?? '').trim() !== '' ? [''] : []), ...table]
        : [...lines.slice(0, block.start), ...table, ...lines.slice(block.end)];
    }
  }
  const result = out.length === 0 ? '' : `${out.join('\n')}\n`;
  const after = parseTsengineToml(file, result);
  const want = intended(before, edit);
  const sorted = (m: ReadonlyMap<string, unknown>) => JSON.stringify([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const got = new Map([...after.entries].map(([k, e]) => [k, meaning(e)]));
  if (sorted(want.entries) !== sorted(got) || want.def !== after.defaultRuntime?.name) {
    throw byHand(edit.op === 'set-default' ? 'the default runtime' : `the runtimes table`);
  }
  return result;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined; // not created yet: the first `runtime add` creates it
    throw e;
  }
}

/**
 * Applies `change` to the file's text (undefined when it does not exist) and writes the result atomically.
 * A symlinked file is written through (its target is replaced). Returns the written text.
 */
export function updateConfigFile(file: string, change: (text: string) => string): string {
  let target = file;
  try {
    target = realpathSync(file);
    if (!statSync(target).isFile()) throw configError(file, 'not a regular file: cannot edit it (set TSENGINE_CONFIG to a file)');
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e; // ENOENT: not created yet
  }
  for (let attempt = 0; ; attempt++) {
    const before = readIfExists(target);
    const text = change(before ?? '');
    const dir = dirname(target);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const tmp = join(dir, `.${basename(target)}.${process.pid}.tmp`);
    const fd = openSync(tmp, 'w', before === undefined ? 0o644 : statSync(target).mode & 0o7777);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (readIfExists(target) !== before && attempt < 5) {
      rmSync(tmp, { force: true }); // someone edited it meanwhile: redo the edit on their text
      continue;
    }
    try {
      renameSync(tmp, target);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
    return text;
  }
}
