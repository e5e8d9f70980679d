/**
 * Go's text/tabwriter: text is cells terminated by `\t` (or `\v`), lines by `\n`; a column block is a run of
 * consecutive lines that have a tab-terminated cell in that column, and its width is the widest such cell
 * plus `padding` (at least `minwidth`). The last cell of a line is not part of any column, so it is never
 * padded. Widths count runes. podman's tables use (minwidth 12, tabwidth 2, padding 2, ' ').
 */
export interface TabwriterOptions {
  readonly minwidth: number;
  /** Width of a tab character, used when padding with tabs. */
  readonly tabwidth: number;
  readonly padding: number;
  /** One character; `'\t'` pads with tabs (and forces left alignment). */
  readonly padchar: string;
  readonly alignRight?: boolean;
  /** Columns made only of empty, `\v`-terminated cells get width 0. */
  readonly discardEmptyColumns?: boolean;
  /** Pad leading empty cells with tabs whatever padchar is. */
  readonly tabIndent?: boolean;
  /** Print `|` between columns. */
  readonly debug?: boolean;
}

/** podman's report writer settings (containers/common pkg/report/formatter.go). */
export const PODMAN_TABWRITER: TabwriterOptions = Object.freeze({ minwidth: 12, tabwidth: 2, padding: 2, padchar: ' ' });

interface Cell {
  readonly text: string;
  readonly width: number;
  /** Terminated by a hard tab (`\t`) rather than `\v`. */
  readonly htab: boolean;
}

function splitCells(line: string): Cell[] {
  const cells: Cell[] = [];
  let text = '';
  for (const c of line) {
    if (c === '\t' || c === '\v') {
      cells.push({ text, width: [...text].length, htab: c === '\t' });
      text = '';
    } else {
      text += c;
    }
  }
  cells.push({ text, width: [...text].length, htab: false });
  return cells;
}

/** Aligns `text` as Go's tabwriter would after writing it all and calling Flush. */
export function tabwrite(text: string, opts: TabwriterOptions = PODMAN_TABWRITER): string {
  const lines = text.split('\n').map(splitCells);
  const alignRight = opts.padchar === '\t' ? false : opts.alignRight === true;
  const widths: number[] = [];
  const out: string[] = [];

  const padding = (textw: number, cellw: number, useTabs: boolean): string => {
    if (opts.padchar === '\t' || useTabs) {
      if (opts.tabwidth === 0) return '';
      const w = Math.ceil(cellw / opts.tabwidth) * opts.tabwidth;
      return '\t'.repeat(Math.ceil((w - textw) / opts.tabwidth));
    }
    return opts.padchar.repeat(Math.max(0, cellw - textw));
  };

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i] ?? [];
      let useTabs = opts.tabIndent === true;
      line.forEach((c, j) => {
        if (j > 0 && opts.debug === true) out.push('|');
        const w = widths[j];
        if (c.text === '') {
          if (w !== undefined) out.push(padding(c.width, w, useTabs));
          return;
        }
        useTabs = false;
        if (alignRight) {
          if (w !== undefined) out.push(padding(c.width, w, false));
          out.push(c.text);
        } else {
          out.push(c.text);
          if (w !== undefined) out.push(padding(c.width, w, false));
        }
      });
      if (i + 1 < lines.length) out.push('\n');
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let row = line0; row < line1; row++) {
      if (column >= (lines[row]?.length ?? 0) - 1) continue;
      writeLines(line0, row);
      line0 = row;
      let width = opts.minwidth;
      let discardable = true;
      for (; row < line1; row++) {
        const line = lines[row] ?? [];
        if (column >= line.length - 1) break;
        const c = line[column];
        if (c === undefined) break;
        width = Math.max(width, c.width + opts.padding);
        if (c.width > 0 || c.htab) discardable = false;
      }
      if (discardable && opts.discardEmptyColumns === true) width = 0;
      widths.push(width);
      format(line0, row);
      widths.pop();
      line0 = row;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('');
}
