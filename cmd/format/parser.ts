/**
 * The parser of our Go text/template subset: Go's recursive descent (parse.go) over the lexer's items, with
 * its checks made at parse time (undefined functions and variables, misplaced `{{else}}`/`{{end}}`) and its
 * message texts. `define`, `template` and `block` are not supported (docker/podman formats never use them).
 */
import type { ActionNode, ArgNode, BranchNode, CommandNode, ListNode, Node, NumberNode, PipeNode, StringNode } from './ast.ts';
import { nodeString } from './ast.ts';
import { TemplateError } from './errors.ts';
import { quote } from './go-quote.ts';
import { parseGoNumber, unquote } from './go-literal.ts';
import { isKeyword, lex, type Item, type ItemType } from './lexer.ts';

const EOF_ITEM: Item = { type: 'eof', val: '', pos: 0, line: 1 };

/** Go's item.String(): how a token is quoted in a parse error. */
function itemString(item: Item): string {
  if (item.type === 'eof') return 'EOF';
  if (item.type === 'error') return item.val;
  if (isKeyword(item.type)) return `<${item.val}>`;
  const chars = [...item.val];
  if (chars.length > 10) return `${quote(chars.slice(0, 10).join(''))}...`;
  return quote(item.val);
}

interface Stop { readonly kind: 'end' | 'else'; readonly pos: number; readonly elseIf: 'if' | 'with' | undefined }

class Parser {
  private readonly items: Item[];
  private index = 0;
  private furthest = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private actionLine = 0;
  private readonly funcs: ReadonlySet<string>;

  constructor(text: string, funcs: ReadonlySet<string>) {
    this.items = lex(text);
    this.funcs = funcs;
  }

  parse(): ListNode {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== 'eof') {
      const n = this.textOrAction();
      if (isStop(n)) this.fail(`unexpected {{${n.kind}}}`);
      root.nodes.push(n);
    }
    return root;
  }

  // ---- token stream (Go's next/backup/peek over an array) ----
  private next(): Item {
    const item = this.items[this.index] ?? this.items[this.items.length - 1] ?? EOF_ITEM;
    if (this.index < this.items.length) this.index++;
    this.furthest = Math.max(this.furthest, this.index - 1);
    return item;
  }
  private backup(n = 1): void {
    this.index -= n;
  }
  private peek(): Item {
    const item = this.next();
    this.backup();
    return item;
  }
  private nextNonSpace(): Item {
    let item = this.next();
    while (item.type === 'space') item = this.next();
    return item;
  }
  private peekNonSpace(): Item {
    const start = this.index;
    const item = this.nextNonSpace();
    this.index = start;
    return item;
  }
  private fail(message: string): never {
    const line = this.items[this.furthest]?.line ?? 1;
    throw new TemplateError('TEMPLATE_INVALID', `template: :${line}: ${message}`);
  }
  private unexpected(item: Item, context: string): never {
    if (item.type === 'error') {
      const extra = this.actionLine !== 0 && this.actionLine !== item.line ? ` in action started at :${this.actionLine}` : '';
      this.fail(`${item.val}${extra}`);
    }
    this.fail(`unexpected ${itemString(item)} in ${context}`);
  }
  private expect(type: ItemType, context: string): Item {
    const item = this.nextNonSpace();
    if (item.type !== type) this.unexpected(item, context);
    return item;
  }

  // ---- structure ----
  private itemList(): { list: ListNode; stop: Stop } {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (isStop(n)) return { list, stop: n };
      list.nodes.push(n);
    }
    return this.fail('unexpected EOF');
  }

  private textOrAction(): Node | Stop {
    const item = this.nextNonSpace();
    if (item.type === 'text') return { type: 'text', pos: item.pos, text: item.val };
    if (item.type === 'leftDelim') {
      this.actionLine = item.line;
      try {
        return this.action();
      } finally {
        this.actionLine = 0;
      }
    }
    return this.unexpected(item, 'input');
  }

  private action(): Node | Stop {
    const item = this.nextNonSpace();
    switch (item.type) {
      case 'if':
      case 'range':
      case 'with':
        return this.control(item.type);
      case 'else':
        return this.elseControl();
      case 'end':
        return { kind: 'end', pos: this.expect('rightDelim', 'end').pos, elseIf: undefined };
      case 'break':
      case 'continue':
        if (this.rangeDepth === 0) this.fail(`{{${item.type}}} outside {{range}}`);
        this.expect('rightDelim', `{{${item.type}}}`);
        return { type: item.type, pos: item.pos };
      case 'define':
      case 'template':
      case 'block':
        return this.fail(`{{${item.type}}} is not supported in --format templates`);
      default:
        break;
    }
    this.backup();
    const pos = this.peek().pos;
    const action: ActionNode = { type: 'action', pos, pipe: this.pipeline('command', 'rightDelim') };
    return action;
  }

  private elseControl(): Stop {
    const peek = this.peekNonSpace();
    if (peek.type === 'if' || peek.type === 'with') return { kind: 'else', pos: peek.pos, elseIf: peek.type };
    return { kind: 'else', pos: this.expect('rightDelim', 'else').pos, elseIf: undefined };
  }

  private control(context: 'if' | 'range' | 'with'): BranchNode {
    const depth = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      const { list, stop } = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (stop.kind === 'else') {
        if (stop.elseIf !== undefined && (context === 'if' || context === 'with') && stop.elseIf === context) {
          // {{if a}}x{{else if b}}y{{end}} is {{if a}}x{{else}}{{if b}}y{{end}}{{end}}: the inner
          // control consumes the one {{end}}.
          this.nextNonSpace();
          elseList = { type: 'list', pos: stop.pos, nodes: [this.control(context)] };
        } else {
          if (stop.elseIf !== undefined) this.expect('rightDelim', 'else');
          const rest = this.itemList();
          if (rest.stop.kind !== 'end') this.fail(`expected end; found {{${rest.stop.kind}}}`);
          elseList = rest.list;
        }
      }
      return { type: context, pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = depth;
    }
  }

  // ---- pipelines ----
  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const pipe: PipeNode = { type: 'pipe', pos: this.peekNonSpace().pos, isAssign: false, decl: [], cmds: [] };
    let isAssign = false;
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      const mark = this.index;
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.type === 'assign' || next.type === 'declare') {
        isAssign = next.type === 'assign';
        this.nextNonSpace();
        this.declare(pipe, v);
        break;
      }
      if (next.type === 'char' && next.val === ',') {
        this.nextNonSpace();
        this.declare(pipe, v);
        if (context === 'range' && pipe.decl.length < 2) {
          const after = this.peekNonSpace().type;
          if (after === 'variable' || after === 'rightDelim' || after === 'rightParen') continue;
          this.fail('range can only initialize variables');
        }
        this.fail(`too many declarations in ${context}`);
      }
      this.index = mark;
      break;
    }
    const result: PipeNode = { ...pipe, isAssign };
    for (;;) {
      const item = this.nextNonSpace();
      if (item.type === end) {
        this.checkPipeline(result, context);
        return result;
      }
      switch (item.type) {
        case 'bool': case 'charConstant': case 'complex': case 'dot': case 'field': case 'identifier':
        case 'number': case 'nil': case 'rawString': case 'string': case 'variable': case 'leftParen':
          this.backup();
          result.cmds.push(this.command());
          break;
        default:
          this.unexpected(item, context);
      }
    }
  }

  /** As in Go, an assigned variable is not checked here: assigning an undeclared one fails at execution. */
  private declare(pipe: PipeNode, v: Item): void {
    pipe.decl.push(v.val);
    this.vars.push(v.val);
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]?.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.fail(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const item = this.next();
      if (item.type === 'space') continue;
      if (item.type === 'rightDelim' || item.type === 'rightParen') this.backup();
      else if (item.type !== 'pipe') this.unexpected(item, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.fail('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined || this.peek().type !== 'field') return node;
    const chainPos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos: chainPos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos: chainPos, ident: [...node.ident, ...fields] };
      case 'bool': case 'string': case 'number': case 'nil': case 'dot':
        return this.fail(`unexpected . after term ${quote(nodeString(node))}`);
      default:
        return { type: 'chain', pos: chainPos, node, field: fields };
    }
  }

  private term(): ArgNode | undefined {
    const item = this.nextNonSpace();
    switch (item.type) {
      case 'identifier':
        if (!this.funcs.has(item.val)) this.fail(`function ${quote(item.val)} not defined`);
        return { type: 'identifier', pos: item.pos, name: item.val };
      case 'dot':
        return { type: 'dot', pos: item.pos };
      case 'nil':
        return { type: 'nil', pos: item.pos };
      case 'variable': {
        if (!this.vars.includes(item.val)) this.fail(`undefined variable "${item.val}"`);
        return { type: 'variable', pos: item.pos, ident: [item.val] };
      }
      case 'field':
        return { type: 'field', pos: item.pos, ident: [item.val.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: item.pos, value: item.val === 'true' };
      case 'charConstant':
      case 'number':
        return this.number(item);
      case 'complex':
        return this.fail(`complex numbers are not supported: ${item.val}`);
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return this.string(item);
      default:
        this.backup();
        return undefined;
    }
  }

  private number(item: Item): NumberNode {
    const text = item.val;
    if (item.type === 'charConstant') {
      const value = unquote(text);
      const chars = value === undefined ? [] : [...value];
      if (chars.length !== 1) this.fail(`malformed character constant: ${text}`);
      return { type: 'number', pos: item.pos, text, value: chars[0]?.codePointAt(0) ?? 0, isInt: true };
    }
    const value = parseGoNumber(text);
    if (value === undefined) this.fail(`illegal number syntax: ${quote(text)}`);
    if (text.endsWith('i')) this.fail(`complex numbers are not supported: ${text}`);
    const isHex = /^[+-]?0[xX]/.test(text);
    const isInt = isHex ? !/[pP]/.test(text) : !/[.eE]/.test(text);
    return { type: 'number', pos: item.pos, text, value, isInt };
  }

  private string(item: Item): StringNode {
    const value = item.type === 'rawString' ? item.val.slice(1, -1).replaceAll('\r', '') : unquote(item.val);
    if (value === undefined) this.fail('invalid syntax');
    return { type: 'string', pos: item.pos, quoted: item.val, value };
  }
}

function isStop(n: Node | Stop): n is Stop {
  return 'kind' in n;
}

/** Parses template text; `funcs` are the names callable as functions (checked at parse time, as in Go). */
export function parseTemplate(text: string, funcs: ReadonlySet<string>): ListNode {
  return new Parser(text, funcs).parse();
}
