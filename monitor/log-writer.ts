/**
 * The container's log, in the CRI (k8s-file) format that `logs` reads back (engine/container/logs.ts):
 *   `<RFC3339Nano> stdout|stderr F|P <text>\n`
 * F closes a line; P is a piece of a line that the next record of the same stream continues: the end of a
 * read that stopped mid-line, or a 16 KiB slice of a longer line (kubelet and conmon cut there too).
 *
 * Writes are synchronous, as conmon's are: while one blocks, we read nothing more from the container's
 * pipes, so a slow disk slows the container's writes instead of growing a queue, and no buffer outlives
 * the chunk it came from.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { isErrno } from './errno.ts';

export type StreamName = 'stdout' | 'stderr';

/** Longest text in one record; a longer line becomes several P records and a final F. */
export const MAX_RECORD_TEXT = 16 * 1024;
const NEWLINE = 0x0a;
const TAG_F = 0x46;
const TAG_P = 0x50;
/** Comfortably more than one record (MAX_RECORD_TEXT + head), and one pipe read (64 KiB) in one write. */
const OUT_BUFFER_BYTES = 80 * 1024;

export class CriLogWriter {
  readonly #fd: number;
  /** Records are assembled here and written when it is full or the chunk is done: no allocation per chunk. */
  readonly #out = Buffer.allocUnsafeSlow(OUT_BUFFER_BYTES);
  /** A write failed part-way through a record: the file does not end with a newline. */
  #cutRecord = false;

  /** Appends (O_APPEND): a restarted container's log continues the same file. */
  static open(path: string): CriLogWriter {
    return new CriLogWriter(openSync(path, 'a', 0o600));
  }

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** Writes the records of one chunk read from the container's `stream`, all with the same timestamp. */
  write(stream: StreamName, chunk: Buffer): void {
    const head = `${rfc3339Nano(new Date())} ${stream} F `;
    const out = this.#out;
    let o = 0;
    forEachRecord(chunk, (from, to, partial) => {
      // A record is at most MAX_RECORD_TEXT plus its head and newline, so it always fits an empty buffer.
      if (o + head.length + (to - from) + 1 > out.length) o = this.#flush(o);
      o += out.write(head, o, 'latin1');
      out[o - 2] = partial ? TAG_P : TAG_F;
      o += chunk.copy(out, o, from, to);
      out[o++] = NEWLINE;
    });
    this.#flush(o);
  }

  close(): void {
    closeSync(this.#fd);
  }

  /** Writes the first `length` bytes of the buffer; returns the new fill level (0). */
  #flush(length: number): number {
    let off = 0;
    try {
      if (this.#cutRecord) {
        writeSync(this.#fd, '\n');
        this.#cutRecord = false;
      }
      while (off < length) off += writeSync(this.#fd, this.#out, off, length - off);
    } catch (e) {
      // A full or failing disk must not stop the container, nor us: drop these records (conmon does the
      // same) and keep reading; the next chunk may fit. A record cut short is ended before the next one.
      if (!isErrno(e, 'ENOSPC', 'EDQUOT', 'EFBIG', 'EIO')) throw e;
      if (off > 0) this.#cutRecord = true;
    }
    return 0;
  }
}

/**
 * Calls `record(from, to, partial)` for each record of `chunk`: each complete line (newline excluded) as F,
 * slices of over-long lines and a final unterminated piece as P.
 */
function forEachRecord(chunk: Buffer, record: (from: number, to: number, partial: boolean) => void): void {
  let start = 0;
  while (start < chunk.length) {
    const nl = chunk.indexOf(NEWLINE, start);
    const end = nl === -1 ? chunk.length : nl;
    let pos = start;
    while (end - pos > MAX_RECORD_TEXT) {
      const cut = utf8Boundary(chunk, pos + MAX_RECORD_TEXT, pos);
      record(pos, cut, true);
      pos = cut;
    }
    if (nl === -1) {
      if (end > pos) record(pos, end, true);
      return;
    }
    record(pos, end, false);
    start = nl + 1;
  }
}

/** `2024-05-01T12:00:00.123000000Z`: RFC3339Nano in UTC, nanoseconds padded from the millisecond clock. */
export function rfc3339Nano(d: Date): string {
  return `${d.toISOString().slice(0, -1)}000000Z`;
}

/** Moves a cut back off UTF-8 continuation bytes so a long line is not split inside a character. */
function utf8Boundary(buf: Buffer, cut: number, min: number): number {
  let c = cut;
  while (c > min && ((buf[c] ?? 0) & 0xc0) === 0x80) c--;
  return c === min ? cut : c;
}
