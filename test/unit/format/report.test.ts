import { describe, expect, it } from 'vitest';
import { renderInspect, renderRows, isJsonFormat } from '../../../cmd/format/report.ts';
import { headerFor, splitCamelCase } from '../../../cmd/format/camel-case.ts';
import { TemplateError } from '../../../cmd/format/errors.ts';

/** A `ps` row: plain data plus computed columns (a getter and a method), as list commands build them. */
class PsRow {
  readonly ID: string;
  readonly Image: string;
  readonly Names: string;
  readonly Labels: Record<string, string>;
  readonly CreatedAt: string;
  constructor(id: string, image: string, names: string, labels: Record<string, string>) {
    this.ID = id;
    this.Image = image;
    this.Names = names;
    this.Labels = labels;
    this.CreatedAt = '2023-03-02 20:59:19 +0000 UTC';
  }
  get RunningFor(): string {
    return '2 hours ago';
  }
  Label(name: string): string {
    return this.Labels[name] ?? '';
  }
}

const rows = [
  new PsRow('abc123def456', 'docker.io/library/alpine:latest', 'web', { tier: 'front' }),
  new PsRow('0123456789ab', 'busybox', 'db-with-a-long-name', {}),
];
const ps = { defaultTable: 'table {{.ID}}\t{{.Image}}\t{{.RunningFor}}\t{{.Names}}', headers: { ID: 'container id', RunningFor: 'created' } };

describe('renderRows', () => {
  it('no format: the default table, with header overrides', () => {
    expect(renderRows(undefined, rows, ps)).toBe(
      'CONTAINER ID  IMAGE                            CREATED      NAMES\n' +
      'abc123def456  docker.io/library/alpine:latest  2 hours ago  web\n' +
      '0123456789ab  busybox                          2 hours ago  db-with-a-long-name\n');
  });

  it('an empty list still prints the header, columns at the minimum width', () => {
    expect(renderRows('', [], ps)).toBe('CONTAINER ID  IMAGE       CREATED     NAMES\n');
  });

  it('noHeading leaves the header out', () => {
    expect(renderRows('table {{.ID}}\t{{.Names}}', rows, { ...ps, noHeading: true })).toBe('abc123def456  web\n0123456789ab  db-with-a-long-name\n');
  });

  it.each([
    ['table with typed \\t', 'table {{.ID}}\\t{{.Names}}', 'CONTAINER ID  NAMES\nabc123def456  web\n0123456789ab  db-with-a-long-name\n'],
    ['table with spaces as separators (podman)', 'table {{.Names}} {{.CreatedAt}}', 'NAMES                CREATED AT\nweb                  2023-03-02 20:59:19 +0000 UTC\ndb-with-a-long-name  2023-03-02 20:59:19 +0000 UTC\n'],
    ['spaces inside actions are kept; the header runs the template too', 'table {{.Names}}\t{{printf "%s %s" .ID .Image}}', 'NAMES                CONTAINER ID IMAGE\nweb                  abc123def456 docker.io/library/alpine:latest\ndb-with-a-long-name  0123456789ab busybox\n'],
    ['a method column and functions on headers', 'table {{.Names | upper}}\t{{.Label "tier"}}', 'NAMES                LABEL\nWEB                  front\nDB-WITH-A-LONG-NAME  \n'],
    ['index on a map column keeps its header', 'table {{.ID}}\t{{index .Labels "tier"}}', 'CONTAINER ID  LABELS\nabc123def456  front\n0123456789ab  \n'],
    ['a chained field is titled by its last name', 'table {{.ID}}\t{{.Labels.tier}}', 'CONTAINER ID  TIER\nabc123def456  front\n0123456789ab  <no value>\n'],
    ['"table" alone is the default table', 'table', 'CONTAINER ID  IMAGE                            CREATED      NAMES\nabc123def456  docker.io/library/alpine:latest  2 hours ago  web\n0123456789ab  busybox                          2 hours ago  db-with-a-long-name\n'],
  ])('%s', (_, format, expected) => {
    expect(renderRows(format, rows, ps)).toBe(expected);
  });

  it.each([
    ['a plain template: per row, no header, newline added', '{{.ID}} {{.Names}}', 'abc123def456 web\n0123456789ab db-with-a-long-name\n'],
    ['a plain template keeps its own newline', '{{.Names}}\n', 'web\ndb-with-a-long-name\n'],
    ['typed \\t and \\n are unescaped, no alignment', '{{.Names}}\\t{{.ID}}\\n', 'web\tabc123def456\ndb-with-a-long-name\t0123456789ab\n'],
    ['{{json .}}: one compact object per row', '{{json .}}', '{"ID":"abc123def456","Image":"docker.io/library/alpine:latest","Names":"web","Labels":{"tier":"front"},"CreatedAt":"2023-03-02 20:59:19 +0000 UTC","RunningFor":"2 hours ago"}\n{"ID":"0123456789ab","Image":"busybox","Names":"db-with-a-long-name","Labels":{},"CreatedAt":"2023-03-02 20:59:19 +0000 UTC","RunningFor":"2 hours ago"}\n'],
    ['an escape meant for the template itself still works (podman fallback)', '{{printf "%s\\n" .Names}}', 'web\n\ndb-with-a-long-name\n\n'],
  ])('%s', (_, format, expected) => {
    expect(renderRows(format, rows, ps)).toBe(expected);
  });

  it('json: a JSON array of the rows, 4-space indent', () => {
    expect(renderRows('json', rows.slice(0, 1), ps)).toBe(
      '[\n    {\n        "ID": "abc123def456",\n        "Image": "docker.io/library/alpine:latest",\n        "Names": "web",\n' +
      '        "Labels": {\n            "tier": "front"\n        },\n        "CreatedAt": "2023-03-02 20:59:19 +0000 UTC",\n' +
      '        "RunningFor": "2 hours ago"\n    }\n]\n');
    expect(renderRows('json', [], ps)).toBe('[]\n');
  });

  it('a bad template throws TemplateError', () => {
    expect(() => renderRows('{{.Nope}}', rows, ps)).toThrow(TemplateError);
    expect(() => renderRows('{{.Nope}}', rows, ps)).toThrow('template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type PsRow');
    expect(() => renderRows('table {{nope}}', rows, ps)).toThrow('template: :1: function "nope" not defined');
  });
});

describe('renderInspect', () => {
  const items = [{ Id: 'a1', State: { Status: 'running' } }, { Id: 'b2', State: { Status: 'exited' } }];

  it('no format: a JSON array with a 4-space indent and a newline', () => {
    expect(renderInspect(undefined, items.slice(0, 1))).toBe('[\n    {\n        "Id": "a1",\n        "State": {\n            "Status": "running"\n        }\n    }\n]\n');
  });

  it('an empty list prints []', () => {
    expect(renderInspect(undefined, [])).toBe('[]\n');
    expect(renderInspect('json', [])).toBe('[]\n');
  });

  it.each([
    ['{{.Id}}', 'a1\nb2\n'],
    ['{{.Id}}\\t{{.State.Status}}', 'a1\trunning\nb2\texited\n'],
    ['{{json .State}}', '{"Status":"running"}\n{"Status":"exited"}\n'],
    ['{{.Missing}}', '<no value>\n<no value>\n'],
  ])('with a format: %s', (format, expected) => {
    expect(renderInspect(format, items)).toBe(expected);
  });
});

describe('isJsonFormat (podman IsJSON)', () => {
  it.each([
    ['json', true], [' json ', true], ['{{json}}', true], ['{{ json . }}', false], ['{{json .}}', false], ['{{ json. }}', true],
    ['table json', false], ['JSON', false],
  ])('%j → %s', (format, expected) => {
    expect(isJsonFormat(format)).toBe(expected);
  });
});

describe('column headers', () => {
  it.each([
    ['ID', ['ID']], ['CreatedAt', ['Created', 'At']], ['ImageID', ['Image', 'ID']], ['PDFLoader', ['PDF', 'Loader']],
    ['RunningFor', ['Running', 'For']], ['BFG9000', ['BFG', '9000']], ['GL11Version', ['GL', '11', 'Version']],
    ['lowercase', ['lowercase']], ['vimRPCPlugin', ['vim', 'RPC', 'Plugin']], ['BöseÜberraschung', ['Böse', 'Überraschung']],
  ])('splitCamelCase(%j)', (name, words) => {
    expect(splitCamelCase(name)).toEqual(words);
  });

  it('headerFor upper-cases, with overrides first', () => {
    expect(headerFor('CreatedAt')).toBe('CREATED AT');
    expect(headerFor('ID', { ID: 'container id' })).toBe('CONTAINER ID');
  });
});
