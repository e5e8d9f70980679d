/**
 * Reading a container's log back: the CRI (k8s-file) format the monitor writes,
 * `<RFC3339Nano> stdout|stderr F|P <text>`, one record per line; P marks a partial line that the next
 * record of the same stream continues. `follow` keeps reading until the container has exited and the
 * file is drained.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { pause } from './abortable.ts';
import { isErrno } from '../../storage/errors.ts';

export interface LogRecord {
  readonly time: Date;
  /** RFC3339Nano as written, for `--timestamps`. */
  readonly timestamp: string;
  readonly stream: 'stdout' | 'stderr';
  /** The text, with its newline unless the line was partial. */
  readonly text: string;
}

export interface ReadLogOptions {
  readonly follow?: boolean;
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
  /** Only the last N records (complete lines). */
  readonly tail?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** For follow: true once the container has exited (then the rest of the file is read and iteration ends). */
  readonly exited?: () => boolean;
  /** Start reading at this byte offset (e.g. the log's size when this run of the container started). */
  readonly offset?: number;
}

const POLL_MS = 10;

export function parseLogLine(line: string): LogRecord | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const timestamp = line.slice(0, a);
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const text = c < 0 ? '' : line.slice(c + 1);
  const time = new Date(timestamp);
  if (Number.isNaN(time.getTime())) return undefined;
  return { time, timestamp, stream, text: tag === 'P' ? text : `${text}\n` };
}

export async function* readLog(path: string, o: ReadLogOptions = {}): AsyncGenerator<LogRecord> {
  let fh: FileHandle | undefined;
  for (;;) {
    try {
      fh = await open(path, 'r');
      break;
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
      // Not written yet (the container has not started): nothing to show unless following.
      if (!o.follow || o.exited?.()) return;
      await pause(POLL_MS, o.signal);
    }
  }
  try {
    let pending: LogRecord[] = [];
    let carry = '';
    let position = o.offset ?? 0;
    const buf = Buffer.alloc(64 * 1024);
    let tailing = o.tail !== undefined;
    for (;;) {
      o.signal?.throwIfAborted();
      const exitedBefore = o.exited?.() ?? true;
      const { bytesRead } = await fh.read(buf, 0, buf.length, position);
      if (bytesRead > 0) {
        position += bytesRead;
        const text = carry + buf.toString('utf8', 0, bytesRead);
        const lines = text.split('\n');
        carry = lines.pop() ?? '';
        for (const line of lines) {
          const r = parseLogLine(line);
          if (!r || (o.since && r.time < o.since) || (o.until && r.time > o.until)) continue;
          if (tailing) pending.push(r);
          else yield r;
        }
        continue;
      }
      // End of what is written so far.
      if (tailing) {
        yield* lastLines(pending, o.tail!);
        pending = [];
        tailing = false;
      }
      if (!o.follow || exitedBefore) return;
      await pause(POLL_MS, o.signal);
    }
  } finally {
    await fh.close();
  }
}

/** The records of the last `n` lines (a line may span several P records). */
function lastLines(records: readonly LogRecord[], n: number): LogRecord[] {
  if (n <= 0) return [];
  let lines = 0;
  let i = records.length;
  while (i > 0) {
    const r = records[i - 1]!;
    if (r.text.endsWith('\n')) {
      if (lines === n) break;
      lines++;
    }
    i--;
  }
  return records.slice(i);
}
