import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../../cmd/format/template.ts';
import { TemplateError } from '../../../cmd/format/errors.ts';

class InspectContainer {
  Name = '/web';
  State = { Status: 'running', Health: null };
  Size = 1024;
  Args = ['a'];
}

const errorOf = (text: string, data: unknown = new InspectContainer()): { code: string; message: string } => {
  try {
    compileTemplate(text).execute(data);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    const err = e as TemplateError;
    return { code: err.code, message: err.message };
  }
  throw new Error(`no error for ${text}`);
};

describe('parse errors (TEMPLATE_INVALID)', () => {
  it.each([
    ['{{nope}}', 'template: :1: function "nope" not defined'],
    ['{{.Name | nope}}', 'template: :1: function "nope" not defined'],
    ['{{.Name', 'template: :1: unclosed action'],
    ['{{if .Name}}x', 'template: :1: unexpected EOF'],
    ['{{end}}', 'template: :1: unexpected {{end}}'],
    ['{{else}}', 'template: :1: unexpected {{else}}'],
    ['{{if}}x{{end}}', 'template: :1: missing value for if'],
    ['{{range}}{{end}}', 'template: :1: missing value for range'],
    ['{{}}', 'template: :1: missing value for command'],
    ['{{$x}}', 'template: :1: undefined variable "$x"'],
    ['{{"unterminated}}', 'template: :1: unterminated quoted string'],
    ['{{/* open', 'template: :1: unclosed comment'],
    ['{{/* c */ .X}}', 'template: :1: comment ends before closing delimiter'],
    ['{{(.A}}', 'template: :1: unclosed left paren'],
    ['{{.A)}}', 'template: :1: unexpected right paren'],
    ['{{.A | "x"}}', 'template: :1: non executable command in pipeline stage 2'],
    ['{{if .A}}{{else}}{{else}}{{end}}', 'template: :1: expected end; found {{else}}'],
    ['{{break}}', 'template: :1: {{break}} outside {{range}}'],
    ['{{"a".B}}', 'template: :1: unexpected . after term "\\"a\\""'],
    ['{{with $a, $b := .}}{{end}}', 'template: :1: too many declarations in with'],
    ['{{3x}}', 'template: :1: bad number syntax: "3x"'],
    ['{{.A#}}', 'template: :1: bad character U+0023 \'#\''],
    ['line one\n{{if .A}}\n{{end}}{{end}}', 'template: :3: unexpected {{end}}'],
    ['{{define "x"}}{{end}}', 'template: :1: {{define}} is not supported in --format templates'],
  ])('%j', (text, message) => {
    expect(errorOf(text)).toEqual({ code: 'TEMPLATE_INVALID', message });
  });
});

describe('execution errors (TEMPLATE_EXEC)', () => {
  it.each([
    ['{{.Nope}}', 'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type InspectContainer'],
    ['{{.State.Health.Status}}', 'template: :1:8: executing "" at <.State.Health.Status>: nil pointer evaluating interface {}.Status'],
    ['{{.Name.First}}', 'template: :1:7: executing "" at <.Name.First>: can\'t evaluate field First in type string'],
    ['é {{.Nope}}', 'template: :1:5: executing "" at <.Nope>: can\'t evaluate field Nope in type InspectContainer'],
    ['x\n  {{.Nope}}', 'template: :2:4: executing "" at <.Nope>: can\'t evaluate field Nope in type InspectContainer'],
    ['{{index .Args 5}}', 'template: :1:2: executing "" at <index .Args 5>: error calling index: index out of range: 5'],
    ['{{index .Size 0}}', 'template: :1:2: executing "" at <index .Size 0>: error calling index: can\'t index item of type int'],
    ['{{len .Size}}', 'template: :1:2: executing "" at <len .Size>: error calling len: len of type int'],
    ['{{len}}', 'template: :1:2: executing "" at <len>: wrong number of args for len: want 1 got 0'],
    ['{{printf}}', 'template: :1:2: executing "" at <printf>: wrong number of args for printf: want at least 1 got 0'],
    ['{{upper .Size}}', 'template: :1:8: executing "" at <.Size>: wrong type for value; expected string; got int'],
    ['{{upper 5}}', 'template: :1:8: executing "" at <5>: expected string; found 5'],
    ['{{upper .Missing}}', 'template: :1:8: executing "" at <.Missing>: can\'t evaluate field Missing in type InspectContainer'],
    ['{{eq .Name 1}}', 'template: :1:2: executing "" at <eq .Name 1>: error calling eq: incompatible types for comparison'],
    ['{{lt true false}}', 'template: :1:2: executing "" at <lt true false>: error calling lt: invalid type for comparison'],
    ['{{range .Name}}{{end}}', 'template: :1:8: executing "" at <.Name>: range can\'t iterate over /web'],
    ['{{.Name 1}}', 'template: :1:2: executing "" at <.Name>: Name has arguments but cannot be invoked as function'],
    ['{{"x" | .Name}}', 'template: :1:8: executing "" at <.Name>: Name has arguments but cannot be invoked as function'],
    ['{{$x = 1}}', 'template: :1:7: executing "" at <1>: undefined variable: $x'],
    ['{{nil}}', 'template: :1:2: executing "" at <nil>: nil is not a command'],
    ['{{1 2}}', 'template: :1:2: executing "" at <1>: can\'t give argument to non-function 1'],
    ['{{call .Name}}', 'template: :1:2: executing "" at <call .Name>: error calling call: non-function .Name of type string'],
  ])('%j', (text, message) => {
    expect(errorOf(text)).toEqual({ code: 'TEMPLATE_EXEC', message });
  });

  it('a map key used with arguments is an error', () => {
    expect(errorOf('{{.Name 1}}', { Name: 'x' })).toEqual({
      code: 'TEMPLATE_EXEC',
      message: 'template: :1:2: executing "" at <.Name>: Name is not a method but has arguments',
    });
  });

  it('a method that throws is reported as an error calling it', () => {
    const row = { Label: () => { throw new Error('no labels'); } };
    expect(errorOf('{{.Label "x"}}', row)).toEqual({
      code: 'TEMPLATE_EXEC',
      message: 'template: :1:2: executing "" at <.Label>: error calling Label: no labels',
    });
  });

  it('errors carry the engine brand, so the CLI reports them as user errors (exit 125)', () => {
    let caught: unknown;
    try {
      compileTemplate('{{nope}}');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    expect(Symbol.for('tsengine.error') in (caught as object)).toBe(true);
    expect((caught as TemplateError).name).toBe('TemplateError');
  });
});
