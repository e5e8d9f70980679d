/**
 * podman's and docker's "report" layer for `--format` (containers/common pkg/report, docker/cli formatter):
 * - no format: the command's default `table …` format;
 * - `json` (or `{{json}}`): a JSON array of the rows, 4-space indented (podman);
 * - `table …`: a header line (field names split on camel case and upper-cased, with the command's
 *   overrides) then one line per row, aligned by the tabwriter with podman's settings;
 * - anything else: the template per row, no header, a newline appended when the format lacks one.
 * Typed `\t` and `\n` are unescaped first (podman NormalizeFormat); in a table, a space outside `{{ }}`
 * also separates columns (podman's tableReplacer, which we apply only outside actions so string literals
 * survive). `renderInspect` is `inspect`: a JSON array, or the template applied to each element.
 */
import { TemplateError } from './errors.ts';
import { HeaderRow } from './header-row.ts';
import { encodeJson } from './json-encode.ts';
import { PODMAN_TABWRITER, tabwrite } from './tabwriter.ts';
import { compileTemplate, type Template } from './template.ts';

export interface RenderRowsOptions {
  /** The command's default format, starting with `table ` (`table {{.ID}}\t{{.Image}}…`). */
  readonly defaultTable: string;
  /** Column titles by field name where the split name is not right (`{ ID: 'CONTAINER ID' }`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** `--noheading`: a table without its header line. */
  readonly noHeading?: boolean;
}

const JSON_FORMAT = /^\s*(json|\{\{\s*json\.?\s*\}\})\s*$/;
const TABLE_PREFIX = 'table ';

/** podman's IsJSON: `json`, `{{json}}` or `{{json .}}`-less spellings that mean "the whole list as JSON". */
export function isJsonFormat(format: string): boolean {
  return JSON_FORMAT.test(format);
}

/** podman's NormalizeFormat for one template: typed `\t`/`\n` become tab/newline. */
export function unescapeFormat(format: string): string {
  return format.replaceAll('\\t', '\t').replaceAll('\\n', '\n');
}

/** Spaces between actions become column separators; text inside `{{ }}` is left alone. */
function spacesToTabs(format: string): string {
  let out = '';
  let i = 0;
  while (i < format.length) {
    const open = format.indexOf('{{', i);
    const text = open < 0 ? format.slice(i) : format.slice(i, open);
    out += text.replaceAll(' ', '\t');
    if (open < 0) break;
    const close = actionEnd(format, open + 2);
    out += format.slice(open, close);
    i = close;
  }
  return out;
}

/** Index just past the `}}` closing the action that starts at `from`, skipping quoted strings. */
function actionEnd(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === '`' || c === "'") {
      for (i++; i < s.length && s[i] !== c; i++) if (s[i] === '\\' && c !== '`') i++;
    } else if (c === '}' && s[i + 1] === '}') {
      return i + 2;
    }
  }
  return s.length;
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * Compiles the normalized text; if that does not parse, the raw text (podman's fallback, for formats such
 * as `{{printf "\n"}}` whose escapes were meant for the template itself).
 */
function compileWithFallback(normalized: string, raw: string): Template {
  try {
    return compileTemplate(normalized);
  } catch (e) {
    if (!(e instanceof TemplateError) || raw === normalized) throw e;
    return compileTemplate(raw);
  }
}

export function renderRows(format: string | undefined, rows: readonly object[], opts: RenderRowsOptions): string {
  const f = format === undefined || format === '' || format === 'table' ? opts.defaultTable : format;
  if (isJsonFormat(f)) return `${encodeJson(rows, '    ')}\n`;
  if (f.startsWith(TABLE_PREFIX)) {
    const body = f.slice(TABLE_PREFIX.length);
    const tmpl = compileWithFallback(withNewline(spacesToTabs(unescapeFormat(body))), withNewline(body));
    const header = opts.noHeading === true ? '' : tmpl.execute(new HeaderRow(opts.headers ?? {}));
    return tabwrite(header + rows.map((r) => tmpl.execute(r)).join(''), PODMAN_TABWRITER);
  }
  const tmpl = compileWithFallback(withNewline(unescapeFormat(f)), withNewline(f));
  return rows.map((r) => tmpl.execute(r)).join('');
}

export function renderInspect(format: string | undefined, items: readonly unknown[]): string {
  if (format === undefined || format === '' || isJsonFormat(format)) return `${encodeJson(items, '    ')}\n`;
  const tmpl = compileWithFallback(withNewline(unescapeFormat(format)), withNewline(format));
  return items.map((item) => tmpl.execute(item)).join('');
}
