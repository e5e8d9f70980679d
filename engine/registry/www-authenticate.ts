/**
 * `WWW-Authenticate` challenges (RFC 7235 §4.1, RFC 9110 §11.6.1). One header may carry several
 * challenges separated by commas, which are also the parameter separator: a comma followed by
 * `token=` continues the parameters, a comma followed by a bare token starts a new challenge.
 * Registries send `Bearer realm="…",service="…",scope="…"` (distribution token.md) or `Basic realm="…"`.
 */

export interface Challenge {
  /** Lower case: `bearer`, `basic`, … */
  readonly scheme: string;
  /** Parameter names in lower case; values unquoted and unescaped. */
  readonly params: Readonly<Record<string, string>>;
  /** The token68 form (`Negotiate abc==`), rare for registries. */
  readonly token68?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_RE = /^[A-Za-z0-9\-._~+/]+=*/;

class Scanner {
  i = 0;
  readonly s: string;
  constructor(s: string) {
    this.s = s;
  }
  get done(): boolean {
    return this.i >= this.s.length;
  }
  peek(): string {
    return this.s[this.i] ?? '';
  }
  skipSpace(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.i++;
  }
  token(): string {
    const start = this.i;
    while (!this.done && TCHAR.test(this.peek())) this.i++;
    return this.s.slice(start, this.i);
  }
  quoted(): string {
    let out = '';
    this.i++; // opening quote
    while (!this.done) {
      const c = this.s[this.i++] as string;
      if (c === '"') return out;
      out += c === '\\' && !this.done ? (this.s[this.i++] as string) : c;
    }
    return out; // unterminated: take what there is
  }
  /** An unquoted value: a token, leniently up to the next comma or space (some servers do not quote URLs). */
  bare(): string {
    const start = this.i;
    while (!this.done && this.peek() !== ',' && this.peek() !== ' ' && this.peek() !== '\t') this.i++;
    return this.s.slice(start, this.i);
  }
  /** A token68 right here, followed by the end or a comma. */
  token68(): string | undefined {
    const m = TOKEN68_RE.exec(this.s.slice(this.i));
    if (!m) return undefined;
    const after = this.s.slice(this.i + m[0].length).trimStart();
    if (after !== '' && !after.startsWith(',')) return undefined;
    this.i += m[0].length;
    return m[0];
  }
}

function parseOne(header: string, out: Challenge[]): void {
  const sc = new Scanner(header);
  let current: { scheme: string; params: Record<string, string>; token68?: string } | undefined;
  while (!sc.done) {
    sc.skipSpace();
    if (sc.peek() === ',') {
      sc.i++;
      continue;
    }
    const name = sc.token();
    if (name === '') {
      sc.i++; // a stray character: skip it rather than loop
      continue;
    }
    sc.skipSpace();
    if (sc.peek() === '=' && current !== undefined) {
      sc.i++;
      sc.skipSpace();
      current.params[name.toLowerCase()] = sc.peek() === '"' ? sc.quoted() : sc.bare();
      continue;
    }
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
    const t68 = sc.token68();
    if (t68 !== undefined) current.token68 = t68;
  }
}

/** Every challenge in one or more `WWW-Authenticate` header values, in order. */
export function parseWwwAuthenticate(header: string | readonly string[] | undefined): Challenge[] {
  const out: Challenge[] = [];
  if (header === undefined) return out;
  for (const h of typeof header === 'string' ? [header] : header) parseOne(h, out);
  return out;
}

/** The challenge a registry client answers: Bearer if offered, else Basic, else none. */
export function pickChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
