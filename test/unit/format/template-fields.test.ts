import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../../cmd/format/template.ts';

class Config {
  Hostname = 'web-1';
  Labels: Record<string, string> = { 'com.example.b': '2', 'com.example.a': '1' };
  Env = ['PATH=/usr/bin', 'TERM=xterm'];
}

class Row {
  readonly ID = 'abc123def456';
  readonly labels: Record<string, string> = { 'com.example.x': 'yes' };
  get Names(): string {
    return 'web';
  }
  Label(name: string): string {
    return this.labels[name] ?? '';
  }
  Greet(a: string, b: string): string {
    return `${a}-${b}`;
  }
  Fails(): string {
    throw new Error('boom');
  }
}

const data = {
  Id: 'f00dbabe',
  Name: '/web',
  State: { Status: 'running', Running: true, ExitCode: 0, Health: null },
  Config: new Config(),
  Row: new Row(),
  Tags: new Map<string, string>([['b', 'two'], ['a', 'one']]),
  Method: (x: unknown) => `called with ${String(x)}`,
};

const run = (text: string, d: unknown = data): string => compileTemplate(text).execute(d);

describe('fields and chains', () => {
  it.each([
    ['{{.Id}}', 'f00dbabe'],
    ['{{.State.Status}}', 'running'],
    ['{{ .State.Status }}', 'running'],
    ['{{.State.Running}}', 'true'],
    ['{{.State.ExitCode}}', '0'],
    ['{{.Config.Hostname}}', 'web-1'],
    ['{{.Config.Env}}', '[PATH=/usr/bin TERM=xterm]'],
    ['{{.Config.Labels}}', 'map[com.example.a:1 com.example.b:2]'],
    ['{{$.Name}}', '/web'],
    ['{{$}}', 'map[Config:{web-1 map[com.example.a:1 com.example.b:2] [PATH=/usr/bin TERM=xterm]} Id:f00dbabe Name:/web Row:{abc123def456 map[com.example.x:yes] web} State:map[ExitCode:0 Health:<nil> Running:true Status:running] Tags:map[a:one b:two]]'],
    ['{{.Tags.a}}', 'one'],
    ['{{.Tags}}', 'map[a:one b:two]'],
  ])('%s → %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });

  it('a plain object is a map: a missing key prints <no value>, also through a chain', () => {
    expect(run('{{.Nope}}|{{.Nope.Deeper}}|{{.State.Nope}}')).toBe('<no value>|<no value>|<no value>');
  });

  it('null is a nil value: <nil>', () => {
    expect(run('{{.State.Health}}')).toBe('<nil>');
  });

  it('the dot of the top level can be a primitive', () => {
    expect(run('{{.}}', 'plain')).toBe('plain');
    expect(run('{{.}}', 42)).toBe('42');
    expect(run('{{.}}', null)).toBe('<nil>');
    expect(compileTemplate('{{.}}').execute(undefined)).toBe('<no value>');
  });
});

describe('methods and getters on rows', () => {
  it.each([
    ['{{.Row.ID}}', 'abc123def456'],
    ['{{.Row.Names}}', 'web'],
    ['{{.Row.Label "com.example.x"}}', 'yes'],
    ['{{.Row.Label "com.example.none"}}', ''],
    ['{{"com.example.x" | .Row.Label}}', 'yes'],
    ['{{.Row.Greet "a" "b"}}', 'a-b'],
    ['{{"b" | .Row.Greet "a"}}', 'a-b'],
    ['{{.Method 5}}', 'called with 5'],
    ['{{call .Method 6}}', 'called with 6'],
    ['{{$r := .Row}}{{call $r.Greet "x" "y"}}', 'x-y'],
    ['{{with .Row}}{{.Label "com.example.x"}}{{end}}', 'yes'],
  ])('%s → %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });

  it('a method on a plain-object row is called too', () => {
    const row = { Labels: { a: '1' }, Label(this: { Labels: Record<string, string> }, k: string) { return this.Labels[k] ?? ''; } };
    expect(run('{{.Label "a"}}/{{.Label "b"}}', row)).toBe('1/');
  });
});

describe('variables', () => {
  it.each([
    ['{{$x := .Name}}{{$x}}', '/web'],
    ['{{$x := .Name}}{{$x = "changed"}}{{$x}}', 'changed'],
    ['{{$s := .State}}{{$s.Status}}', 'running'],
    ['{{with $x := .State}}{{$x.Status}}/{{.Status}}{{end}}', 'running/running'],
    ['{{if $n := .Name}}{{$n}}{{end}}', '/web'],
    ['{{range $i, $e := .Config.Env}}{{$i}}={{$e}} {{end}}', '0=PATH=/usr/bin 1=TERM=xterm '],
    ['{{range $e := .Config.Env}}[{{$e}}]{{end}}', '[PATH=/usr/bin][TERM=xterm]'],
    ['{{range .Config.Env}}{{$.Name}}:{{.}} {{end}}', '/web:PATH=/usr/bin /web:TERM=xterm '],
    ['{{$x := 1}}{{range .Config.Env}}{{$x = 2}}{{end}}{{$x}}', '2'],
  ])('%s → %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });
});
