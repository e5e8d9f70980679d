#!/usr/bin/env node
// Builds the conformance matrix of docs/runtimes.md from `tsengine runtime check NAME --format json`, one
// column per runtime, a footnote per case that did not pass (the check's own one-line reason).
//
//   node scripts/runtime-matrix.mjs [--write docs/runtimes.md] [tsengine global flags…] -- RUNTIME…
//
// Global flags (--root, --runroot) go to every `tsengine` call; the store must hold an alpine or busybox
// image. With --write, the block between `<!-- matrix:begin -->` and `<!-- matrix:end -->` of that file is
// replaced; otherwise the block is printed. Runs the built CLI (npm run build first).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cmd/main.js', import.meta.url));
const BEGIN = '<!-- matrix:begin -->';
const END = '<!-- matrix:end -->';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
if (sep < 0 || sep === argv.length - 1) {
  process.stderr.write('usage: runtime-matrix.mjs [--write FILE] [global flags…] -- RUNTIME…\n');
  process.exit(2);
}
let write;
const globals = [];
for (let i = 0; i < sep; i++) {
  if (argv[i] === '--write') write = argv[++i];
  else globals.push(argv[i]);
}
const runtimes = argv.slice(sep + 1);

/** `runtime check` exits 1 when a case failed: that is a result here, not an error. Its summary is on stderr. */
function check(name) {
  const r = spawnSync(process.execPath, [CLI, ...globals, 'runtime', 'check', name, '--format', 'json'], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`tsengine runtime check ${name}: exit ${r.status}: ${r.stderr}`);
  return { rows: JSON.parse(r.stdout), summary: r.stderr.trim() };
}

const results = runtimes.map((name) => ({ name, ...check(name) }));
const cases = results[0].rows.map((r) => ({ id: r.Case, title: r.Title }));
const notes = [];
const cell = (row) => {
  if (row.Result === 'PASS') return 'pass';
  notes.push(`${row.Case} on ${row.runtime}: ${row.Detail}`);
  return `**${row.Result.toLowerCase()}** [${notes.length}]`;
};
const lines = [
  BEGIN,
  `Produced by \`${process.env['TSENGINE_CONFIG'] ? `TSENGINE_CONFIG=${process.env['TSENGINE_CONFIG']} ` : ''}` +
    `node scripts/runtime-matrix.mjs ${[...globals, '--', ...runtimes].join(' ')}\` on ${new Date().toISOString().slice(0, 10)}, ` +
    `${process.arch}, kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}.`,
  '',
  `| case | ${runtimes.join(' | ')} |`,
  `|---|${runtimes.map(() => '---').join('|')}|`,
  ...cases.map((c) => {
    const cells = results.map((r) => {
      const row = r.rows.find((x) => x.Case === c.id);
      return row === undefined ? 'n/a' : cell({ ...row, runtime: r.name });
    });
    return `| \`${c.id}\`: ${c.title.replaceAll('|', '\\|')} | ${cells.join(' | ')} |`;
  }),
  '',
  ...results.map((r) => `- \`${r.name}\`: ${r.summary}`),
  '',
  ...notes.map((n, i) => `${i + 1}. ${n.replaceAll('|', '\\|')}`),
  END,
];
const block = lines.join('\n');
if (write === undefined) {
  process.stdout.write(`${block}\n`);
} else {
  const text = readFileSync(write, 'utf8');
  const from = text.indexOf(BEGIN);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${write}: no ${BEGIN} … ${END} block`);
  writeFileSync(write, text.slice(0, from) + block + text.slice(to + END.length));
}
