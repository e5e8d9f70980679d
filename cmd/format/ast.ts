/**
 * The parse tree of a template, shaped like Go's text/template/parse nodes. `nodeString` reproduces Go's
 * `Node.String()`, which execution errors quote as their context (`executing "" at <.Nope>`).
 */
import { quote } from './go-quote.ts';

export interface TextNode { readonly type: 'text'; readonly pos: number; readonly text: string }
export interface ActionNode { readonly type: 'action'; readonly pos: number; readonly pipe: PipeNode }
export interface ListNode { readonly type: 'list'; readonly pos: number; readonly nodes: Node[] }
export interface BranchNode {
  readonly type: 'if' | 'range' | 'with';
  readonly pos: number;
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | undefined;
}
export interface LoopControlNode { readonly type: 'break' | 'continue'; readonly pos: number }
export type Node = TextNode | ActionNode | ListNode | BranchNode | LoopControlNode;

export interface PipeNode {
  readonly type: 'pipe';
  readonly pos: number;
  readonly isAssign: boolean;
  readonly decl: string[];
  readonly cmds: CommandNode[];
}
export interface CommandNode { readonly type: 'command'; readonly pos: number; readonly args: ArgNode[] }
export interface FieldNode { readonly type: 'field'; readonly pos: number; readonly ident: readonly string[] }
/** `$x.A.B`: ident[0] is the variable name with its `$`. */
export interface VariableNode { readonly type: 'variable'; readonly pos: number; readonly ident: readonly string[] }
export interface ChainNode { readonly type: 'chain'; readonly pos: number; readonly node: ArgNode; readonly field: readonly string[] }
export interface IdentifierNode { readonly type: 'identifier'; readonly pos: number; readonly name: string }
export interface DotNode { readonly type: 'dot'; readonly pos: number }
export interface NilNode { readonly type: 'nil'; readonly pos: number }
export interface BoolNode { readonly type: 'bool'; readonly pos: number; readonly value: boolean }
export interface NumberNode {
  readonly type: 'number';
  readonly pos: number;
  readonly text: string;
  readonly value: number;
  /** True for integer constants (`3`, `0x1F`, `'a'`), false for floats (`1.5`, `1e3`). */
  readonly isInt: boolean;
}
export interface StringNode { readonly type: 'string'; readonly pos: number; readonly quoted: string; readonly value: string }
export type ArgNode =
  | FieldNode | VariableNode | ChainNode | IdentifierNode | DotNode | NilNode | BoolNode | NumberNode | StringNode
  | PipeNode;

export function nodeString(n: Node | ArgNode | CommandNode): string {
  switch (n.type) {
    case 'text':
      return quote(n.text);
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'if':
    case 'range':
    case 'with':
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${n.elseList ? `{{else}}${nodeString(n.elseList)}` : ''}{{end}}`;
    case 'break':
    case 'continue':
      return `{{${n.type}}}`;
    case 'pipe': {
      const decl = n.decl.length > 0 ? `${n.decl.join(', ')} ${n.isAssign ? '=' : ':='} ` : '';
      return decl + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'field':
      return n.ident.map((i) => `.${i}`).join('');
    case 'variable':
      return n.ident.join('.');
    case 'chain':
      return (n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node)) + n.field.map((f) => `.${f}`).join('');
    case 'identifier':
      return n.name;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(n.value);
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
  }
}
