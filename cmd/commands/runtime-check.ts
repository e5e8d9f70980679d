/**
 * `tsengine runtime check NAME [--image IMG] [--format json|TEMPLATE]`: the conformance matrix of one
 * runtime (engine.conformance.check). Exit 0 when no case failed, 1 when some did (a failing case is a
 * result about the runtime, as `diff` exits 1), 125 for errors (runtime not found, no image, …).
 *
 * Without --format, rows are printed as the cases finish (in the report's order), aligned as the tabwriter
 * aligns the same table: the column widths follow from the case ids, which the plan names before any case
 * runs. The summary line follows the table. With --format, the rows are rendered at the end (json: an
 * array of them) and the summary goes to stderr, so stdout holds only what was asked for.
 */
import { EngineError, type CaseResult, type CheckPlan, type CheckReport } from '../../engine/index.ts';
import { defineCommand } from '../command.ts';
import { renderRows } from '../format/report.ts';
import { PODMAN_TABWRITER } from '../format/tabwriter.ts';

/** One row of the matrix; these fields are what `--format` templates and `json` see. */
export interface CheckRow {
  readonly Case: string;
  readonly Title: string;
  readonly Result: 'PASS' | 'FAIL' | 'SKIP';
  readonly Detail: string;
  readonly DurationMs: number;
}

export const DEFAULT_TABLE = 'table {{.Case}}\t{{.Result}}\t{{.Detail}}';

export function checkRow(r: CaseResult): CheckRow {
  return { Case: r.id, Title: r.title, Result: r.status === 'pass' ? 'PASS' : r.status === 'fail' ? 'FAIL' : 'SKIP', Detail: r.detail, DurationMs: r.durationMs };
}

export interface MatrixWriter {
  readonly header: string;
  line(row: CheckRow): string;
}

/** The default table, a line at a time: the same text as renderRows(DEFAULT_TABLE) over all rows. */
export function matrixWriter(caseIds: readonly string[]): MatrixWriter {
  const { minwidth, padding } = PODMAN_TABWRITER;
  const width = (cells: readonly string[]) => Math.max(minwidth, ...cells.map((c) => [...c].length + padding));
  const caseWidth = width(['CASE', ...caseIds]);
  const resultWidth = width(['RESULT', 'PASS', 'FAIL', 'SKIP']);
  const pad = (s: string, w: number) => s + ' '.repeat(w - [...s].length);
  const line = (c: string, r: string, d: string) => `${pad(c, caseWidth)}${pad(r, resultWidth)}${d}\n`;
  return { header: line('CASE', 'RESULT', 'DETAIL'), line: (row) => line(row.Case, row.Result, row.Detail) };
}

export function summaryLine(report: CheckReport): string {
  const { runtime: rt, results } = report;
  const seconds = (report.durationMs / 1000).toFixed(1);
  return (
    `${results.length} cases: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped ` +
    `(${rt.name}: ${rt.version}, ${rt.path}; image ${report.image}; ${seconds} s)\n`
  );
}

export const runtimeCheck = defineCommand({
  command: 'check <name>',
  describe: 'Run the conformance cases against an OCI runtime and print a pass/fail matrix',
  flags: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Runtime: crun, runc, runsc, a registered name, or an absolute path' })
      .option('image', { type: 'string', describe: 'Stored image to build the bundles from (default: a stored alpine, else busybox)' })
      .option('format', { type: 'string', describe: 'Format the rows with a Go template, `table …`, or `json`' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    const format = typeof args['format'] === 'string' ? args['format'] : undefined;
    const image = typeof args['image'] === 'string' ? args['image'] : undefined;
    const name = String(args['name']);
    let writer: MatrixWriter | undefined;
    let report: CheckReport;
    try {
      report = await engine.conformance.check(name, {
        ...(image !== undefined ? { image } : {}),
        signal: ctx.signal,
        onStart: (plan: CheckPlan) => {
          if (format !== undefined) return;
          writer = matrixWriter(plan.cases.map((c) => c.id));
          ctx.stdout.write(writer.header);
        },
        onResult: (r) => {
          if (writer !== undefined) ctx.stdout.write(writer.line(checkRow(r)));
        },
      });
    } catch (e) {
      // Ctrl-C: the check rejects with the signal's reason once it has cleaned up; say so, as an engine error.
      if (ctx.signal.aborted && e === ctx.signal.reason) {
        const why = e instanceof Error ? e.message : String(e);
        throw new EngineError('ABORTED', `runtime check ${name}: ${why}; everything it started was removed`, { cause: e });
      }
      throw e;
    }
    if (format === undefined) {
      ctx.stdout.write(summaryLine(report));
    } else {
      ctx.stdout.write(renderRows(format, report.results.map(checkRow), { defaultTable: DEFAULT_TABLE }));
      ctx.stderr.write(summaryLine(report));
    }
    return report.failed > 0 ? 1 : 0;
  },
});
