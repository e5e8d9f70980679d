import { describe, expect, it } from 'vitest';
import { PODMAN_TABWRITER, tabwrite } from '../../../cmd/format/tabwriter.ts';

describe("tabwrite (Go text/tabwriter, examples from Go's documentation)", () => {
  it('pads with tabs (minwidth 0, tabwidth 8, padding 0, \\t)', () => {
    const text = 'a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n\n';
    expect(tabwrite(text, { minwidth: 0, tabwidth: 8, padding: 0, padchar: '\t' }))
      .toBe('a\tb\tc\td\t\t.\n123\t12345\t1234567\t123456789\t.\n\n');
  });

  it('aligns right (minwidth 5, padding 1, space)', () => {
    const text = 'a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n\n';
    expect(tabwrite(text, { minwidth: 5, tabwidth: 0, padding: 1, padchar: ' ', alignRight: true }))
      .toBe('    a     b       c         d.\n  123 12345 1234567 123456789.\n\n');
  });

  it('columns are blocks of consecutive lines (elastic tabstops)', () => {
    const text = 'a\tb\tc\naa\tbb\tcc\naaa\t\naaaa\tdddd\teeee\n';
    expect(tabwrite(text, { minwidth: 0, tabwidth: 0, padding: 1, padchar: '.', alignRight: true, debug: true }))
      .toBe('....a|..b|c\n...aa|.bb|cc\n..aaa|\n.aaaa|.dddd|eeee\n');
  });

  it('a cell without a trailing tab is not aligned', () => {
    const text = 'a\tb\taligned\t\naa\tbb\taligned\t\naaa\tbbb\tunaligned\naaaa\tbbbb\taligned\t\n';
    expect(tabwrite(text, { minwidth: 0, tabwidth: 0, padding: 3, padchar: '-', alignRight: true, debug: true }))
      .toBe('------a|------b|---aligned|\n-----aa|-----bb|---aligned|\n----aaa|----bbb|unaligned\n---aaaa|---bbbb|---aligned|\n');
  });
});

describe("tabwrite with podman's settings (12, 2, 2, ' ')", () => {
  it.each([
    ['header and rows', 'ID\tNAME\nabc\tweb\n', 'ID          NAME\nabc         web\n'],
    ['wide cells widen the column by the padding', 'CONTAINER ID\tIMAGE\nabc123def456\tdocker.io/library/alpine:latest\n', 'CONTAINER ID  IMAGE\nabc123def456  docker.io/library/alpine:latest\n'],
    ['widths count characters, not bytes', 'ñame\tx\nab\ty\n', 'ñame        x\nab          y\n'],
    ['an empty cell is padded', 'a\t\tc\n', 'a                       c\n'],
    ['a line without tabs ends the column block', 'aaaaaaaaaaaaaaa\tb\nplain line\nc\td\n', 'aaaaaaaaaaaaaaa  b\nplain line\nc           d\n'],
    ['text without a final newline', 'a\tb\nc\td', 'a           b\nc           d'],
    ['nothing', '', ''],
  ])('%s', (_, text, expected) => {
    expect(tabwrite(text, PODMAN_TABWRITER)).toBe(expected);
  });
});
