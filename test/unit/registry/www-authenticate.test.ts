import { describe, expect, it } from 'vitest';
import { type Challenge, parseWwwAuthenticate, pickChallenge } from '../../../engine/registry/www-authenticate.ts';

describe('parseWwwAuthenticate', () => {
  it.each<[string, string | string[] | undefined, Challenge[]]>([
    ['Docker Hub', 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"', [
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
    ]],
    ['spaces after commas, mixed-case names', 'BEARER Realm="https://r/t", Service="s" ,  scope="a:b:pull"', [
      { scheme: 'bearer', params: { realm: 'https://r/t', service: 's', scope: 'a:b:pull' } },
    ]],
    ['commas and escapes inside quotes', 'Bearer realm="https://r/t?a=1,b=2",service="x\\"y",scope="repository:a:pull,push"', [
      { scheme: 'bearer', params: { realm: 'https://r/t?a=1,b=2', service: 'x"y', scope: 'repository:a:pull,push' } },
    ]],
    ['unquoted values', 'Bearer realm=https://r.example/token,service=reg', [
      { scheme: 'bearer', params: { realm: 'https://r.example/token', service: 'reg' } },
    ]],
    ['Basic', 'Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    ['Basic without parameters', 'Basic', [{ scheme: 'basic', params: {} }]],
    ['two challenges in one header', 'Basic realm="a", Bearer realm="https://r/t",service="s"', [
      { scheme: 'basic', params: { realm: 'a' } },
      { scheme: 'bearer', params: { realm: 'https://r/t', service: 's' } },
    ]],
    ['a token68 challenge then another', 'Negotiate abc+/de==, Basic realm="x"', [
      { scheme: 'negotiate', params: {}, token68: 'abc+/de==' },
      { scheme: 'basic', params: { realm: 'x' } },
    ]],
    ['several header lines', ['Basic realm="a"', 'Bearer realm="b"'], [
      { scheme: 'basic', params: { realm: 'a' } },
      { scheme: 'bearer', params: { realm: 'b' } },
    ]],
    ['an empty quoted value', 'Bearer realm="",service="s"', [{ scheme: 'bearer', params: { realm: '', service: 's' } }]],
    ['an unterminated quote', 'Bearer realm="https://r/t', [{ scheme: 'bearer', params: { realm: 'https://r/t' } }]],
    ['an error parameter', 'Bearer realm="r",error="invalid_token"', [{ scheme: 'bearer', params: { realm: 'r', error: 'invalid_token' } }]],
    ['nothing', undefined, []],
    ['an empty header', '', []],
    ['stray commas', ' , ,Basic realm="x",', [{ scheme: 'basic', params: { realm: 'x' } }]],
  ])('%s', (_name, header, want) => {
    expect(parseWwwAuthenticate(header)).toEqual(want);
  });
});

describe('pickChallenge', () => {
  const basic = { scheme: 'basic', params: {} };
  const bearer = { scheme: 'bearer', params: { realm: 'r' } };
  const other = { scheme: 'negotiate', params: {} };
  it.each<[Challenge[], Challenge | undefined]>([
    [[basic, bearer], bearer],
    [[other, basic], basic],
    [[other], undefined],
    [[], undefined],
  ])('%j → %j', (challenges, want) => {
    expect(pickChallenge(challenges)).toEqual(want);
  });
});
