/**
 * Go's literal syntax inside actions: numbers (base prefixes `0x 0o 0b`, legacy octal `017`, underscores,
 * hex floats `0x1p-2`) and quoted strings and runes as strconv.Unquote reads them.
 */
/** Go's integer/float literal syntax (base prefixes, legacy octal, underscores); undefined if malformed. */
export function parseGoNumber(text: string): number | undefined {
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[+-]/, '').replaceAll('_', '');
  let m: RegExpMatchArray | null;
  if ((m = /^0[xX]([0-9a-fA-F]+)$/.exec(body))) return sign * parseInt(m[1] ?? '', 16);
  if ((m = /^0[oO]?([0-7]+)$/.exec(body))) return sign * parseInt(m[1] ?? '', 8);
  if ((m = /^0[bB]([01]+)$/.exec(body))) return sign * parseInt(m[1] ?? '', 2);
  if ((m = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(body)) && `${m[1] ?? ''}${m[2] ?? ''}` !== '') {
    const frac = m[2] ?? '';
    const mant = parseInt(`${m[1] ?? ''}${frac}` || '0', 16) / 16 ** frac.length;
    return finite(sign * mant * 2 ** Number(m[3]));
  }
  if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) return finite(sign * Number(body));
  return undefined;
}

/** Go's ParseFloat reports out-of-range values as an error, so `1e400` is illegal number syntax. */
function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Go's strconv.Unquote for "..." and '...': \a \b \f \n \r \t \v \\ \" \' \xHH \OOO \uHHHH \UHHHHHHHH.
 * \x and octal escapes are bytes, so the result is assembled as UTF-8 and decoded.
 */
export function unquote(quoted: string): string | undefined {
  const q = quoted[0];
  if ((q !== '"' && q !== "'") || quoted.length < 2 || quoted[quoted.length - 1] !== q) return undefined;
  const body = quoted.slice(1, -1);
  const bytes: number[] = [];
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
  for (let i = 0; i < body.length; ) {
    const c = body[i] ?? '';
    if (c === q || c === '\n') return undefined;
    if (c !== '\\') {
      const cp = body.codePointAt(i) ?? 0;
      const ch = String.fromCodePoint(cp);
      bytes.push(...Buffer.from(ch, 'utf8'));
      i += ch.length;
      continue;
    }
    const e = body[i + 1] ?? '';
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (simple[e] !== undefined) {
      bytes.push(simple[e]);
      i += 2;
    } else if (e === q) {
      bytes.push(q.charCodeAt(0));
      i += 2;
    } else if (hexLen > 0) {
      const hex = body.slice(i + 2, i + 2 + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(hex)) return undefined;
      const v = parseInt(hex, 16);
      if (e === 'x') bytes.push(v);
      else if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return undefined;
      else bytes.push(...Buffer.from(String.fromCodePoint(v), 'utf8'));
      i += 2 + hexLen;
    } else if (/^[0-7]{3}$/.test(body.slice(i + 1, i + 4))) {
      const v = parseInt(body.slice(i + 1, i + 4), 8);
      if (v > 255) return undefined;
      bytes.push(v);
      i += 4;
    } else {
      return undefined;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
