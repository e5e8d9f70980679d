// Reading back the CRI (k8s-file) log the monitor writes, strictly: every line must match the format.
import { readFileSync } from 'node:fs';

const CRI_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (stdout|stderr) (F|P) (.*)$/;

export interface LogRecord {
  stream: string;
  tag: string;
  text: string;
}

export function readLog(path: string): LogRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const m = CRI_LINE.exec(l);
      if (!m) throw new Error(`not a CRI log line: ${JSON.stringify(l)}`);
      return { stream: m[2]!, tag: m[3]!, text: m[4]! };
    });
}

/** The stream's text as `logs` would show it: P pieces joined, F ends a line. */
export function streamText(records: LogRecord[], stream: string): string {
  return records
    .filter((r) => r.stream === stream)
    .map((r) => (r.tag === 'F' ? `${r.text}\n` : r.text))
    .join('');
}
