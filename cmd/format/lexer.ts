/**
 * The lexer of our Go text/template subset. It follows Go's lexer state by state (text, delimiters with
 * `{{-`/`-}}` trim markers, comments, and the tokens inside an action) so that token boundaries, and
 * therefore error messages and positions, match Go's. It lexes the whole input eagerly and stops after the
 * first error item, which the parser reports.
 */
import { quote } from './go-quote.ts';

export type ItemType =
  | 'error' | 'eof' | 'text' | 'leftDelim' | 'rightDelim' | 'space' | 'bool' | 'char' | 'charConstant'
  | 'complex' | 'assign' | 'declare' | 'field' | 'identifier' | 'leftParen' | 'rightParen' | 'number'
  | 'pipe' | 'rawString' | 'string' | 'variable'
  // keywords (Go prints them as <word> in messages)
  | 'block' | 'break' | 'continue' | 'dot' | 'define' | 'else' | 'end' | 'if' | 'nil' | 'range'
  | 'template' | 'with';

export interface Item {
  readonly type: ItemType;
  readonly val: string;
  /** Index into the template text (UTF-16 units; exec errors convert it to Go's byte column). */
  readonly pos: number;
  readonly line: number;
}

const KEYWORDS: ReadonlyMap<string, ItemType> = new Map<string, ItemType>([
  ['.', 'dot'], ['block', 'block'], ['break', 'break'], ['continue', 'continue'], ['define', 'define'],
  ['else', 'else'], ['end', 'end'], ['if', 'if'], ['range', 'range'], ['nil', 'nil'], ['template', 'template'],
  ['with', 'with'],
]);
const KEYWORD_TYPES: ReadonlySet<ItemType> = new Set(KEYWORDS.values());

export function isKeyword(type: ItemType): boolean {
  return KEYWORD_TYPES.has(type);
}

const LEFT = '{{';
const RIGHT = '}}';
const SPACES = ' \t\r\n';

function isSpace(c: string | undefined): boolean {
  return c !== undefined && c !== '' && SPACES.includes(c);
}

function isAlphaNumeric(c: string | undefined): boolean {
  return c !== undefined && (c === '_' || /^[\p{L}\p{Nd}]$/u.test(c));
}

/** Go's %#U: `U+0023 '#'`. */
export function formatRune(c: string): string {
  const cp = c.codePointAt(0) ?? 0xfffd;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c) ? `U+${hex} '${c}'` : `U+${hex}`;
}

export function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;

  const peek = (): string | undefined => (pos < input.length ? String.fromCodePoint(input.codePointAt(pos) ?? 0) : undefined);
  const next = (): string | undefined => {
    const c = peek();
    if (c !== undefined) {
      pos += c.length;
      if (c === '\n') line++;
    }
    return c;
  };
  const backup = (c: string | undefined): void => {
    if (c === undefined) return;
    pos -= c.length;
    if (c === '\n') line--;
  };
  const emit = (type: ItemType): void => {
    items.push({ type, val: input.slice(start, pos), pos: start, line: startLine });
    start = pos;
    startLine = line;
  };
  const ignore = (): void => {
    line += countNewlines(input.slice(start, pos));
    start = pos;
    startLine = line;
  };
  const fail = (message: string): false => {
    items.push({ type: 'error', val: message, pos: start, line: startLine });
    return false;
  };
  const accept = (valid: string): boolean => {
    const c = next();
    if (c !== undefined && valid.includes(c)) return true;
    backup(c);
    return false;
  };
  const acceptRun = (valid: string): void => {
    while (accept(valid)) { /* absorb */ }
  };
  /** `}}` or ` -}}` at pos. */
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (isSpace(input[pos]) && input[pos + 1] === '-' && input.startsWith(RIGHT, pos + 2)) return { delim: true, trim: true };
    return { delim: input.startsWith(RIGHT, pos), trim: false };
  };
  const atTerminator = (): boolean => {
    const c = peek();
    if (c === undefined || isSpace(c) || '.,|:()'.includes(c)) return true;
    return input.startsWith(RIGHT, pos);
  };

  // Each state returns false when lexing is over (EOF or error).
  const lexText = (): boolean => {
    const x = input.indexOf(LEFT, pos);
    if (x < 0) {
      pos = input.length;
      line += countNewlines(input.slice(start, pos));
      if (pos > start) emit('text');
      emit('eof');
      return false;
    }
    pos = x;
    let textEnd = pos;
    if (input[pos + 2] === '-' && isSpace(input[pos + 3])) textEnd = start + trimRight(input.slice(start, pos)).length;
    if (textEnd > start) items.push({ type: 'text', val: input.slice(start, textEnd), pos: start, line: startLine });
    ignore();
    return lexLeftDelim();
  };

  const lexLeftDelim = (): boolean => {
    pos += LEFT.length;
    const trim = input[pos] === '-' && isSpace(input[pos + 1]);
    const after = trim ? 2 : 0;
    if (input.startsWith('/*', pos + after)) {
      pos += after;
      ignore();
      return lexComment();
    }
    emit('leftDelim');
    pos += after;
    ignore();
    parenDepth = 0;
    return lexInsideAction();
  };

  const lexComment = (): boolean => {
    pos += 2;
    const x = input.indexOf('*/', pos);
    if (x < 0) return fail('unclosed comment');
    pos = x + 2;
    const { delim, trim } = atRightDelim();
    if (!delim) return fail('comment ends before closing delimiter');
    pos += (trim ? 2 : 0) + RIGHT.length;
    if (trim) pos += leadingSpaceLength(input, pos);
    ignore();
    return true;
  };

  const lexRightDelim = (trim: boolean): void => {
    if (trim) {
      pos += 2;
      ignore();
    }
    pos += RIGHT.length;
    emit('rightDelim');
    if (trim) {
      pos += leadingSpaceLength(input, pos);
      ignore();
    }
  };

  const lexSpace = (): void => {
    let n = 0;
    while (isSpace(peek())) {
      next();
      n++;
    }
    // A " -}}" closes the action: leave its space to the delimiter check.
    if (input[pos] === '-' && input.startsWith(RIGHT, pos + 1)) {
      backup(input[pos - 1]);
      if (n === 1) return;
    }
    emit('space');
  };

  const lexQuoted = (close: string, type: ItemType, what: string): boolean => {
    for (;;) {
      const c = next();
      if (c === '\\' && close !== '`') {
        const e = next();
        if (e !== undefined && e !== '\n') continue;
        return fail(`unterminated ${what}`);
      }
      if (c === undefined || (c === '\n' && close !== '`')) return fail(`unterminated ${what}`);
      if (c === close) break;
    }
    emit(type);
    return true;
  };

  /** Consumes a run of letters and digits; returns the character that ended it (backed up). */
  const scanAlphaNumeric = (): string | undefined => {
    for (;;) {
      const c = next();
      if (!isAlphaNumeric(c)) {
        backup(c);
        return c;
      }
    }
  };

  const lexFieldOrVariable = (type: 'field' | 'variable'): boolean => {
    if (atTerminator()) {
      emit(type === 'variable' ? 'variable' : 'dot');
      return true;
    }
    const c = scanAlphaNumeric();
    if (!atTerminator()) return fail(`bad character ${formatRune(c ?? '')}`);
    emit(type);
    return true;
  };

  const scanNumber = (): boolean => {
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(peek())) {
      next();
      return false;
    }
    return true;
  };

  const lexNumber = (): boolean => {
    if (!scanNumber()) return fail(`bad number syntax: ${quote(input.slice(start, pos))}`);
    const sign = peek();
    if (sign === '+' || sign === '-') {
      if (!scanNumber() || input[pos - 1] !== 'i') return fail(`bad number syntax: ${quote(input.slice(start, pos))}`);
      emit('complex');
      return true;
    }
    emit('number');
    return true;
  };

  const lexIdentifier = (): boolean => {
    const c = scanAlphaNumeric();
    if (!atTerminator()) return fail(`bad character ${formatRune(c ?? '')}`);
    const word = input.slice(start, pos);
    const keyword = KEYWORDS.get(word);
    emit(keyword ?? (word === 'true' || word === 'false' ? 'bool' : 'identifier'));
    return true;
  };

  const lexInsideAction = (): boolean => {
    for (;;) {
      const { delim, trim } = atRightDelim();
      if (delim) {
        if (parenDepth !== 0) return fail('unclosed left paren');
        lexRightDelim(trim);
        return true;
      }
      const c = next();
      let ok = true;
      if (c === undefined) return fail('unclosed action');
      if (isSpace(c)) {
        backup(c);
        lexSpace();
      } else if (c === '=') emit('assign');
      else if (c === ':') {
        if (next() !== '=') return fail('expected :=');
        emit('declare');
      } else if (c === '|') emit('pipe');
      else if (c === '"') ok = lexQuoted('"', 'string', 'quoted string');
      else if (c === '`') ok = lexQuoted('`', 'rawString', 'raw quoted string');
      else if (c === "'") ok = lexQuoted("'", 'charConstant', 'character constant');
      else if (c === '$') ok = lexFieldOrVariable('variable');
      else if (c === '.' && !/[0-9]/.test(input[pos] ?? '')) ok = lexFieldOrVariable('field');
      else if (c === '.' || c === '+' || c === '-' || /[0-9]/.test(c)) {
        backup(c);
        ok = lexNumber();
      } else if (isAlphaNumeric(c)) {
        backup(c);
        ok = lexIdentifier();
      } else if (c === '(') {
        parenDepth++;
        emit('leftParen');
      } else if (c === ')') {
        parenDepth--;
        if (parenDepth < 0) return fail('unexpected right paren');
        emit('rightParen');
      } else if (c >= ' ' && c <= '~') emit('char');
      else return fail(`unrecognized character in action: ${formatRune(c)}`);
      if (!ok) return false;
    }
  };

  while (lexText()) { /* one action per turn */ }
  return items;
}

function countNewlines(s: string): number {
  let n = 0;
  for (const c of s) if (c === '\n') n++;
  return n;
}

function trimRight(s: string): string {
  let end = s.length;
  while (end > 0 && isSpace(s[end - 1])) end--;
  return s.slice(0, end);
}

function leadingSpaceLength(s: string, from: number): number {
  let i = from;
  while (i < s.length && isSpace(s[i])) i++;
  return i - from;
}
