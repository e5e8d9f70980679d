/**
 * `compileTemplate(text).execute(data)`: our Go text/template subset, with docker's and podman's functions.
 * Parse errors throw TemplateError `TEMPLATE_INVALID` (`template: :1: function "nope" not defined`),
 * execution errors `TEMPLATE_EXEC` (`template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in
 * type X`).
 */
import type { ListNode } from './ast.ts';
import { Executor } from './exec.ts';
import { FUNC_NAMES } from './funcs.ts';
import { parseTemplate } from './parser.ts';

export class Template {
  readonly text: string;
  readonly #root: ListNode;

  /** Use compileTemplate(). */
  constructor(text: string, root: ListNode) {
    this.text = text;
    this.#root = root;
  }

  /** Applies the template to `data` (`.`, and `$`). */
  execute(data: unknown): string {
    return new Executor(this.text).run(this.#root, data);
  }
}

export function compileTemplate(text: string): Template {
  return new Template(text, parseTemplate(text, FUNC_NAMES));
}
