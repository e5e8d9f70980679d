// `runtime check`'s matrix: the streamed default table must be exactly what the tabwriter makes of the same
// rows (so `--format 'table …'` and the default agree), the json rows carry every field, and the summary
// line counts what the report says.
import { describe, expect, it } from 'vitest';
import type { CaseResult, CheckReport } from '../../../engine/index.ts';
import { checkRow, DEFAULT_TABLE, matrixWriter, summaryLine } from '../../../cmd/commands/runtime-check.ts';
import { renderRows } from '../../../cmd/format/report.ts';

const results: CaseResult[] = [
  { id: 'exit-code', title: 'exit codes', status: 'pass', detail: '', durationMs: 120 },
  { id: 'command-not-found', title: 'not found', status: 'pass', detail: 'exit 1: "exec: \\"/no/such/command\\": stat …" → 127', durationMs: 80 },
  { id: 'tty-name', title: 'tty name', status: 'fail', detail: 'tty: expected /dev/pts/N, got "not a tty\\n"', durationMs: 300 },
  { id: 'cgroup-memory', title: 'memory', status: 'skip', detail: 'not root: …', durationMs: 1 },
];

const report: CheckReport = {
  runtime: { name: 'my-crun', path: '/opt/rt/my-crun', kind: 'generic', version: 'crun version 1.8.1' },
  image: '127.0.0.1:5000/library/alpine:3.20.3',
  results,
  passed: 2,
  failed: 1,
  skipped: 1,
  durationMs: 4321,
};

describe('runtime check matrix', () => {
  it('maps a result to a row: PASS/FAIL/SKIP, detail and duration kept', () => {
    expect(results.map(checkRow).map((r) => r.Result)).toEqual(['PASS', 'PASS', 'FAIL', 'SKIP']);
    expect(checkRow(results[2]!)).toEqual({ Case: 'tty-name', Title: 'tty name', Result: 'FAIL', Detail: results[2]!.detail, DurationMs: 300 });
  });

  it('streams the default table line by line, identical to the tabwriter over all rows', () => {
    const w = matrixWriter(results.map((r) => r.id));
    const streamed = w.header + results.map((r) => w.line(checkRow(r))).join('');
    expect(streamed).toBe(renderRows(undefined, results.map(checkRow), { defaultTable: DEFAULT_TABLE }));
    expect(streamed.split('\n')[0]).toBe('CASE               RESULT      DETAIL');
    // An empty detail still pads RESULT: the tabwriter pads every tab-terminated cell.
    expect(streamed.split('\n')[1]).toBe('exit-code          PASS        ');
  });

  it('sizes the CASE column from the case list, not from the rows seen so far', () => {
    const w = matrixWriter(['a', 'a-much-longer-case-id']);
    expect(w.line(checkRow({ ...results[0]!, id: 'a' }))).toBe(`a${' '.repeat(22)}PASS        \n`);
  });

  it('json: an array of the rows with every field', () => {
    const parsed = JSON.parse(renderRows('json', results.map(checkRow), { defaultTable: DEFAULT_TABLE })) as unknown[];
    expect(parsed).toHaveLength(4);
    expect(parsed[1]).toEqual({ Case: 'command-not-found', Title: 'not found', Result: 'PASS', Detail: results[1]!.detail, DurationMs: 80 });
  });

  it('a template applies per row', () => {
    expect(renderRows('{{.Case}}={{.Result}}', results.map(checkRow), { defaultTable: DEFAULT_TABLE })).toBe(
      'exit-code=PASS\ncommand-not-found=PASS\ntty-name=FAIL\ncgroup-memory=SKIP\n',
    );
  });

  it('summary: counts, runtime, version, path, image and time on one line', () => {
    expect(summaryLine(report)).toBe(
      '4 cases: 2 passed, 1 failed, 1 skipped (my-crun: crun version 1.8.1, /opt/rt/my-crun; image 127.0.0.1:5000/library/alpine:3.20.3; 4.3 s)\n',
    );
  });
});
