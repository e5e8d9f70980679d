/**
 * The executor: Go's text/template exec.go semantics over the JS stand-ins of go-value.ts. Fields are looked
 * up by field-lookup.ts; functions found as fields are methods and are called with the command's arguments
 * (and the piped value last). Errors are one line,
 * `template: :LINE:COL: executing "" at <NODE>: MESSAGE`, where COL is Go's byte column.
 */
import { nodeString, type ArgNode, type BranchNode, type CommandNode, type FieldNode, type ChainNode, type IdentifierNode, type ListNode, type Node, type PipeNode, type VariableNode } from './ast.ts';
import { TemplateError } from './errors.ts';
import { FUNCS, type ParamType, type TemplateFunc } from './funcs.ts';
import { lookupField, type Method } from './field-lookup.ts';
import { quote } from './go-quote.ts';
import { goTypeName, hasFieldResolver, isTrue, kindOf, mapEntries, sliceElements, unbox } from './go-value.ts';
import { formatValue } from './value-print.ts';

/** "No piped value" (Go's missingVal), distinct from a piped `undefined`. */
const NO_FINAL: unique symbol = Symbol('no final');
type Final = unknown;
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

type AnyNode = Node | ArgNode | CommandNode;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `{{range 3}}`: 0, 1, 2 as both index and element (Go 1.22). */
function* counting(n: number): Generator<[number, number]> {
  for (let i = 0; i < n; i++) yield [i, i];
}

export class Executor {
  private readonly out: string[] = [];
  private readonly vars: Array<{ name: string; value: unknown }> = [];
  private node: AnyNode | undefined;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  run(root: ListNode, data: unknown): string {
    this.vars.push({ name: '$', value: data });
    this.walk(data, root);
    return this.out.join('');
  }

  private at(node: AnyNode): void {
    this.node = node;
  }

  private fail(msg: string): never {
    const node = this.node;
    if (node === undefined) throw new TemplateError('TEMPLATE_EXEC', `template: : ${msg}`);
    const before = this.text.slice(0, node.pos);
    const lineStart = before.lastIndexOf('\n') + 1;
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = Buffer.byteLength(before.slice(lineStart), 'utf8');
    throw new TemplateError('TEMPLATE_EXEC', `template: :${line}:${col}: executing "" at <${nodeString(node)}>: ${msg}`);
  }

  // ---- walking ----
  private walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'text':
        this.out.push(node.text);
        return;
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.print(node, value);
        return;
      }
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const value = this.evalPipeline(dot, node.pipe);
        if (isTrue(value)) this.walk(node.type === 'with' ? value : dot, node.list);
        else if (node.elseList !== undefined) this.walk(dot, node.elseList);
        this.vars.length = mark;
        return;
      }
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
    }
  }

  private print(node: Node, value: unknown): void {
    this.at(node);
    if (value === undefined) this.out.push('<no value>');
    else if (typeof value === 'function') this.fail(`can't print ${nodeString(node)} of type func`);
    else this.out.push(formatValue(value));
  }

  private walkRange(dot: unknown, r: BranchNode): void {
    this.at(r);
    const outer = this.vars.length;
    const value = this.evalPipeline(dot, r.pipe);
    const mark = this.vars.length;
    const decl = r.pipe.decl;
    let entries: Iterable<[unknown, unknown]>;
    const v = unbox(value);
    if (hasFieldResolver(value)) entries = [[0, value]];
    else {
      switch (kindOf(v)) {
        case 'slice':
          entries = sliceElements(v).map((e, i) => [i, e]);
          break;
        case 'map':
          entries = mapEntries(v);
          break;
        case 'int':
          if (decl.length > 1) this.fail(`can't use ${formatValue(v)} to iterate over more than one variable`);
          entries = counting(Number(v));
          break;
        case 'invalid':
        case 'nil':
          entries = [];
          break;
        default:
          this.fail(`range can't iterate over ${formatValue(v)}`);
      }
    }
    let iterations = 0;
    try {
      for (const [index, elem] of entries) {
        iterations++;
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0] ?? '', decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1] ?? '', elem);
          else this.setTopVar(2, index);
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.vars.length = mark;
        }
      }
    } catch (e) {
      if (e !== BREAK) throw e;
    }
    if (iterations === 0 && r.elseList !== undefined) this.walk(dot, r.elseList);
    this.vars.length = outer;
  }

  // ---- variables ----
  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]?.name === name) return this.vars[i]?.value;
    return this.fail(`undefined variable: ${name}`);
  }
  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i];
      if (v?.name === name) {
        v.value = value;
        return;
      }
    }
    this.fail(`undefined variable: ${name}`);
  }
  private setTopVar(n: number, value: unknown): void {
    const v = this.vars[this.vars.length - n];
    if (v !== undefined) v.value = value;
  }

  // ---- evaluation ----
  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: Final = NO_FINAL;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private notAFunction(args: readonly ArgNode[], final: Final): void {
    if (args.length > 1 || final !== NO_FINAL) this.fail(`can't give argument to non-function ${nodeString(args[0] as ArgNode)}`);
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0] as ArgNode;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
      default:
        break;
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'number':
        return first.value;
      case 'string':
        return first.value;
      default:
        return this.fail('nil is not a command');
    }
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: readonly ArgNode[], final: Final): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: readonly ArgNode[], final: Final): unknown {
    if (chain.node.type === 'nil') this.fail(`indirection through explicit nil in ${nodeString(chain)}`);
    const receiver = this.evalArg(dot, 'value', chain.node);
    return this.evalFieldChain(dot, receiver, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, v: VariableNode, args: readonly ArgNode[], final: Final): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0] ?? '$');
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  /** `.A.B.C` on a receiver: every field but the last is a plain field access, the last gets the args. */
  private evalFieldChain(dot: unknown, receiver: unknown, node: AnyNode, ident: readonly string[], args: readonly ArgNode[], final: Final): unknown {
    const owner = this.evalFields(dot, receiver, node, ident.slice(0, -1));
    return this.evalField(dot, ident[ident.length - 1] ?? '', node, args, final, owner);
  }

  private evalFields(dot: unknown, receiver: unknown, node: AnyNode, ident: readonly string[]): unknown {
    let r = receiver;
    for (const name of ident) r = this.evalField(dot, name, node, [], NO_FINAL, r);
    return r;
  }

  private evalField(dot: unknown, name: string, node: AnyNode, args: readonly ArgNode[], final: Final, receiver: unknown): unknown {
    const found = lookupField(receiver, name);
    switch (found.kind) {
      case 'error':
        return this.fail(found.message);
      case 'method':
        return this.evalMethod(dot, found.fn, node, name, args, final);
      case 'value':
        if ((args.length > 1 || final !== NO_FINAL) && found.argsError !== undefined) this.fail(found.argsError);
        return found.value;
    }
  }

  /** Calls a method found as a field: arguments as given (a missing one is `undefined`), piped value last. */
  private evalMethod(dot: unknown, fn: Method, node: AnyNode, name: string, args: readonly ArgNode[], final: Final): unknown {
    const argv = args.slice(1).map((a) => this.evalArg(dot, 'value', a));
    if (final !== NO_FINAL) argv.push(final);
    this.at(node);
    try {
      return fn(...argv);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      return this.fail(`error calling ${name}: ${message(e)}`);
    }
  }

  private evalFunction(dot: unknown, ident: IdentifierNode, node: AnyNode, args: readonly ArgNode[], final: Final): unknown {
    this.at(ident);
    const fn = FUNCS.get(ident.name);
    if (fn === undefined) return this.fail(`${quote(ident.name)} is not a defined function`);
    return this.evalCall(dot, fn, node, ident.name, args, final);
  }

  private evalCall(dot: unknown, fn: TemplateFunc, node: AnyNode, name: string, args: readonly ArgNode[], final: Final): unknown {
    const argNodes = args.slice(1);
    const numIn = argNodes.length + (final !== NO_FINAL ? 1 : 0);
    const numFixed = fn.params.length;
    if (fn.variadic !== undefined) {
      if (numIn < numFixed) this.fail(`wrong number of args for ${name}: want at least ${numFixed} got ${numIn}`);
    } else if (numIn !== numFixed) {
      this.fail(`wrong number of args for ${name}: want ${numFixed} got ${numIn}`);
    }
    const typeAt = (i: number): ParamType => fn.params[i] ?? fn.variadic ?? 'any';
    let argv: unknown[];
    if (fn.lazy === true) {
      argv = argNodes.map((a, i) => () => this.evalArg(dot, typeAt(i), a));
      if (final !== NO_FINAL) argv.push(() => final);
    } else {
      argv = argNodes.map((a, i) => this.evalArg(dot, typeAt(i), a));
      if (final !== NO_FINAL) argv.push(this.validateType(final, typeAt(numIn - 1)));
    }
    const names = argNodes.map(nodeString);
    try {
      return fn.call(argv, names);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      this.at(node);
      return this.fail(`error calling ${name}: ${message(e)}`);
    }
  }

  private evalArg(dot: unknown, type: ParamType, n: ArgNode): unknown {
    this.at(n);
    let value: unknown;
    switch (n.type) {
      case 'dot':
        value = dot;
        break;
      case 'nil':
        if (type === 'string' || type === 'int') this.fail(`cannot assign nil to ${type}`);
        return null;
      case 'field':
        value = type === 'func' ? this.evalFuncOperand(dot, dot, n, n.ident) : this.evalFieldNode(dot, n, [n], NO_FINAL);
        break;
      case 'variable':
        value = type === 'func' && n.ident.length > 1
          ? this.evalFuncOperand(dot, this.varValue(n.ident[0] ?? '$'), n, n.ident.slice(1))
          : this.evalVariableNode(dot, n, [], NO_FINAL);
        break;
      case 'pipe':
        value = this.evalPipeline(dot, n);
        break;
      case 'identifier':
        value = this.evalFunction(dot, n, n, [n], NO_FINAL);
        break;
      case 'chain':
        value = this.evalChainNode(dot, n, [], NO_FINAL);
        break;
      case 'string':
        if (type === 'int') this.fail(`expected integer; found ${nodeString(n)}`);
        return n.value;
      case 'number':
        if (type === 'string') this.fail(`expected string; found ${nodeString(n)}`);
        if (type === 'int' && !n.isInt) this.fail(`expected integer; found ${nodeString(n)}`);
        return n.value;
      case 'bool':
        if (type === 'string' || type === 'int') this.fail(`expected ${type === 'int' ? 'integer' : 'string'}; found ${n.value}`);
        return n.value;
    }
    this.at(n);
    return this.validateType(value, type);
  }

  /**
   * `call .F`: the function-valued field itself, not its result. JS cannot tell Go's func-typed fields from
   * methods (which a field reference calls), so the operand of `call` is where a function is not invoked.
   */
  private evalFuncOperand(dot: unknown, receiver: unknown, node: AnyNode, ident: readonly string[]): unknown {
    this.at(node);
    const owner = this.evalFields(dot, receiver, node, ident.slice(0, -1));
    const found = lookupField(owner, ident[ident.length - 1] ?? '');
    return found.kind === 'method' ? found.fn : this.evalField(dot, ident[ident.length - 1] ?? '', node, [], NO_FINAL, owner);
  }

  private validateType(value: unknown, type: ParamType): unknown {
    switch (type) {
      case 'value':
      case 'func':
        return value;
      case 'any':
        return value === undefined ? null : value;
      case 'string': {
        const v = unbox(value);
        if (v === undefined) this.fail('invalid value; expected string');
        if (typeof v !== 'string') this.fail(`wrong type for value; expected string; got ${goTypeName(v)}`);
        return v;
      }
      case 'int': {
        const v = unbox(value);
        if (v === undefined) this.fail('invalid value; expected int');
        if (kindOf(v) !== 'int') this.fail(`wrong type for value; expected int; got ${goTypeName(v)}`);
        return Number(v);
      }
    }
  }
}
