import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../../cmd/format/template.ts';

const data = {
  Name: 'web',
  Args: ['sh', '-c', 'echo hi'],
  Labels: { 'com.example.a': '1', 'com.example.b': '2' },
  Nums: { one: 1 },
  Image: 'docker.io/library/alpine:3.19',
  ID: 'f00dbabe0123456789',
  Nil: null,
  Empty: '',
  Fn: (a: number, b: number) => a + b,
  Funcs: { double: (x: number) => x * 2 },
};

const run = (text: string): string => compileTemplate(text).execute(data);

describe('Go builtins', () => {
  it.each([
    ['{{and 1 0 2}}', '0'],
    ['{{and 1 "x" 2}}', '2'],
    ['{{or 0 "" "x"}}', 'x'],
    ['{{or 0 ""}}', ''],
    ['{{and .Missing .Crash.Boom}}', '<no value>'],
    ['{{not 0}} {{not "a"}}', 'true false'],
    ['{{len .Args}} {{len .Labels}} {{len .Name}} {{len "héllo"}} {{len .Nil}}', '3 2 3 6 0'],
    ['{{index .Args 1}}', '-c'],
    ['{{index .Labels "com.example.b"}}', '2'],
    ['[{{index .Labels "com.example.none"}}]', '[]'],
    ['{{index .Nums "none"}}', '<nil>'],
    ['{{index "abc" 1}}', '98'],
    ['{{slice .Args 1}}', '[-c echo hi]'],
    ['{{slice .Args 1 2}}', '[-c]'],
    ['{{slice .ID 0 8}}', 'f00dbabe'],
    ['{{print "a" "b" 1 2 "c" 3.5}}', 'ab1 2c3.5'],
    ['{{print .Nil}}', '<nil>'],
    ['{{println "a" 1}}', 'a 1\n'],
    ['{{printf "%s has %d args" .Name (len .Args)}}', 'web has 3 args'],
    ['{{printf "%v" .Missing}}', '<nil>'],
    ['{{eq .Name "web"}} {{eq .Name "db" "web"}} {{eq 1 1}} {{eq .Nil .Missing}}', 'true true true true'],
    ['{{ne .Name "web"}} {{ne 1 2}}', 'false true'],
    ['{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}} {{lt 1.5 2}}', 'true true true false true'],
    ['{{html "<a href=\'x\'>&\\""}}', '&lt;a href=&#39;x&#39;&gt;&amp;&#34;'],
    ['{{js "it\'s <b>=\\"x\\"\\n"}}', 'it\\\'s \\u003Cb\\u003E\\u003D\\"x\\"\\u000A'],
    ['{{urlquery "a b&c=d/é"}}', 'a+b%26c%3Dd%2F%C3%A9'],
    ['{{html 1 "<" 2}}', '1&lt;2'],
    ['{{call .Fn 2 3}}', '5'],
    ['{{call (index .Funcs "double") 21}}', '42'],
  ])('%s → %j', (text, expected) => {
    expect(run(text)).toBe(expected);
  });
});

describe('docker/podman functions', () => {
  it.each([
    ['{{json .Args}}', '["sh","-c","echo hi"]'],
    ['{{json .Labels}}', '{"com.example.a":"1","com.example.b":"2"}'],
    ['{{json "<a&b>"}}', '"<a&b>"'],
    ['{{json .Missing}}', 'null'],
    ['{{json .Nil}}', 'null'],
    ['{{split .Image ":"}}', '[docker.io/library/alpine 3.19]'],
    ['{{index (split .Image ":") 1}}', '3.19'],
    ['{{join .Args ","}}', 'sh,-c,echo hi'],
    ['{{join (split "a:b:c" ":") "-"}}', 'a-b-c'],
    ['{{title "hello world-wide_web"}}', 'Hello World-Wide_web'],
    ['{{lower "ABC"}} {{upper "abc"}}', 'abc ABC'],
    ['[{{pad .Name 2 3}}] [{{pad .Empty 2 3}}]', '[  web   ] []'],
    ['{{truncate .ID 8}} {{truncate "ab" 5}}', 'f00dbabe ab'],
    ['{{.Name | upper | printf "%q"}}', '"WEB"'],
  ])('%s → %j', (text, expected) => {
    expect(run(text)).toBe(expected);
  });
});
