// parseToml: whole-line comments are dropped before parsing (speed) without moving error positions, and
// kept where they could be string content (multi-line strings).
import { describe, expect, it } from 'vitest';
import { parseToml } from '../../../engine/config/config-file.ts';

describe('parseToml', () => {
  it('parses around comment lines, including ones inside arrays', () => {
    expect(parseToml('x.toml', '# a\n  # b\n[engine]\n# c\nruntimes = [\n  # d\n  "crun", # e\n]\n')).toEqual({ engine: { runtimes: ['crun'] } });
  });

  it('reports the error line and column of the original text', () => {
    expect(() => parseToml('x.toml', '# one\n# two\n\n[engine\n')).toThrow(/^x\.toml:4:\d+: /);
  });

  it('keeps lines starting with # inside multi-line strings', () => {
    expect(parseToml('x.toml', 'a = """\n# not a comment\n"""\n')).toEqual({ a: '# not a comment\n' });
    expect(parseToml('x.toml', "a = '''\n  # kept\n'''\n")).toEqual({ a: '  # kept\n' });
  });
});
