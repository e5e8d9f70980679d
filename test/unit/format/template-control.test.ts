import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../../cmd/format/template.ts';

const data = {
  Status: 'running',
  Count: 3,
  Empty: [] as string[],
  List: ['a', 'b', 'c'],
  Map: { z: 26, a: 1, m: 13 },
  Nested: [{ Name: 'x', Tags: ['t1'] }, { Name: 'y', Tags: [] }],
  Nil: null,
  Zero: 0,
  Flag: false,
};

const run = (text: string): string => compileTemplate(text).execute(data);

describe('if / else if / else', () => {
  it.each([
    ['{{if .Status}}yes{{end}}', 'yes'],
    ['{{if .Missing}}yes{{else}}no{{end}}', 'no'],
    ['{{if .Nil}}yes{{else}}no{{end}}', 'no'],
    ['{{if .Zero}}yes{{else}}no{{end}}', 'no'],
    ['{{if .Empty}}yes{{else}}no{{end}}', 'no'],
    ['{{if .Flag}}yes{{else if .Count}}count{{else}}no{{end}}', 'count'],
    ['{{if eq .Status "stopped"}}s{{else if eq .Status "paused"}}p{{else if eq .Status "running"}}r{{else}}?{{end}}', 'r'],
    ['{{if eq .Status "stopped" "running"}}one of{{end}}', 'one of'],
    ['{{if and .Status .Count}}both{{end}}', 'both'],
    ['{{if or .Flag .Zero}}any{{else}}none{{end}}', 'none'],
    ['{{if not .Flag}}negated{{end}}', 'negated'],
    ['{{if .Map}}map{{end}}', 'map'],
  ])('%s → %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });
});

describe('with', () => {
  it.each([
    ['{{with .Status}}[{{.}}]{{end}}', '[running]'],
    ['{{with .Missing}}[{{.}}]{{else}}none{{end}}', 'none'],
    ['{{with .Empty}}x{{else with .List}}{{index . 1}}{{end}}', 'b'],
    ['{{with .Nil}}x{{else with .Zero}}y{{else}}z{{end}}', 'z'],
  ])('%s → %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });
});

describe('range', () => {
  it.each([
    ['{{range .List}}{{.}},{{end}}', 'a,b,c,'],
    ['{{range $i, $v := .List}}{{$i}}{{$v}}{{end}}', '0a1b2c'],
    ['{{range $k, $v := .Map}}{{$k}}={{$v}};{{end}}', 'a=1;m=13;z=26;'],
    ['{{range .Map}}{{.}} {{end}}', '1 13 26 '],
    ['{{range .Empty}}x{{else}}empty{{end}}', 'empty'],
    ['{{range .Nil}}x{{else}}nil{{end}}', 'nil'],
    ['{{range .Missing}}x{{else}}missing{{end}}', 'missing'],
    ['{{range .Nested}}{{.Name}}:{{range .Tags}}{{.}}{{else}}-{{end}} {{end}}', 'x:t1 y:- '],
    ['{{range .Count}}{{.}}{{end}}', '012'],
    ['{{range .List}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}', 'ac'],
    ['{{range .List}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}', 'a'],
  ])('%s → %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });
});

describe('pipelines, parentheses and literals', () => {
  it.each([
    ['{{.Status | printf "%s!"}}', 'running!'],
    ['{{.Status | printf "%s-%s" "x"}}', 'x-running'],
    ['{{.List | len}}', '3'],
    ['{{.Status | upper | printf "[%s]"}}', '[RUNNING]'],
    ['{{(index .Nested 0).Name}}', 'x'],
    ['{{printf "%d" (len .List)}}', '3'],
    ['{{(.Status)}}', 'running'],
    ['{{len (index .Nested 0).Tags}}', '1'],
    ['{{"quoted\\t\\"str\\""}}', 'quoted\t"str"'],
    ['{{`raw \\n string`}}', 'raw \\n string'],
    ["{{'a'}} {{'\\n'}}", '97 10'],
    ['{{42}} {{-7}} {{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}}', '42 -7 31 15 15 5 1000'],
    ['{{1.5}} {{1e3}} {{.5}}', '1.5 1000 0.5'],
    ['{{true}} {{false}}', 'true false'],
  ])('%s → %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });
});

describe('text, trim markers and comments', () => {
  it.each([
    ['plain text only', 'plain text only'],
    ['a  {{- .Status -}}  b', 'arunningb'],
    ['a \n\t {{- .Status}} \n b', 'arunning \n b'],
    ['a {{.Status -}} \n\n b', 'a runningb'],
    ['{{/* a comment */}}x', 'x'],
    ['a {{- /* trimmed comment */ -}} b', 'ab'],
    ['{{/* multi\nline */}}y', 'y'],
    ['{{-3}}', '-3'],
    ['{{.Status}}\n{{.Count}}\n', 'running\n3\n'],
    ['{{$x := 1}}no output from declarations', 'no output from declarations'],
    ['{{\n.Status\n}}', 'running'],
  ])('%j → %j', (text, expected) => {
    expect(run(text)).toBe(expected);
  });
});
