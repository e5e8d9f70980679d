/**
 * Go's strconv quoting (`%q`, `%+q`, `%#q`, `%U` and the template `js`/`html`/`urlquery` escapers):
 * printable runes stay, the rest become \a \b \f \n \r \t \v, \xHH, \uHHHH or \UHHHHHHHH (lower-case hex).
 */
/** Lone surrogates become U+FFFD, as Go's UTF-8 decoding would make them (String#toWellFormed, ES2024). */
export function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's strconv.IsPrint / unicode.IsPrint (letters, marks, numbers, punctuation, symbols, ASCII space). */
export function isPrint(c: string): boolean {
  return PRINTABLE.test(c);
}

const NAMED: Readonly<Record<string, string>> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

function escapeRune(c: string, quote: string, asciiOnly: boolean): string {
  if (c === quote || c === '\\') return `\\${c}`;
  const cp = c.codePointAt(0) ?? 0xfffd;
  if (asciiOnly ? cp < 0x80 && isPrint(c) : isPrint(c)) return c;
  const named = NAMED[c];
  if (named !== undefined) return named;
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

export function quote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const c of wellFormed(s)) out += escapeRune(c, '"', asciiOnly);
  return out + '"';
}

export function quoteRune(cp: number, asciiOnly = false): string {
  const c = cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000) || cp < 0 ? '\ufffd' : String.fromCodePoint(cp);
  return `'${escapeRune(c, "'", asciiOnly)}'`;
}

export function canBackquote(s: string): boolean {
  for (const c of wellFormed(s)) {
    if (c === '\ufeff') return false;
    const cp = c.codePointAt(0) ?? 0;
    if ((cp < 0x20 && c !== '\t') || c === '`' || cp === 0x7f) return false;
  }
  return true;
}

/** Go's template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) =>
    c === '\0' ? '\ufffd' : c === '"' ? '&#34;' : c === "'" ? '&#39;' : c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;');
}

const JS_NAMED: Readonly<Record<string, string>> = {
  '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D',
};

/** Go's template.JSEscapeString. */
export function jsEscape(s: string): string {
  let out = '';
  for (const c of wellFormed(s)) {
    const cp = c.codePointAt(0) ?? 0;
    const named = JS_NAMED[c];
    if (named !== undefined) out += named;
    else if (cp < 0x20) out += `\\u00${cp.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (cp >= 0x80 && !isPrint(c)) out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

/** Go's url.QueryEscape: unreserved bytes stay, space becomes +, everything else %XX. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(wellFormed(s), 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
