/**
 * A push-style tar reader for layer tars (ustar, GNU and PAX, as Go's archive/tar writes them).
 *
 * Why not tar-stream: it decodes PAX values as UTF-8, which corrupts binary xattrs such as
 * `security.capability` (file capabilities), and its per-entry streams force an event-loop hop per
 * entry, while unpack.ts wants to apply a whole chunk of small entries synchronously (see unpack.ts).
 *
 * `push(chunk)` parses synchronously and calls the sink in order: `entry(header)`, then `data(bytes)`
 * zero or more times for a regular file's content, then `entryEnd()`. Malformed input throws
 * StorageError('LAYER_INVALID'); so does anything the sink throws, unchanged.
 */
import { StorageError } from './errors.ts';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';

export interface TarHeader {
  /** As stored (PAX `path` and GNU long names applied); not normalized or validated. */
  name: string;
  type: TarEntryType;
  /** Permission bits with setuid/setgid/sticky (07777). */
  mode: number;
  uid: number;
  gid: number;
  /** Content bytes; 0 for every type but 'file'. */
  size: number;
  /** Seconds since the epoch; fractional from PAX. */
  mtime: number;
  /** PAX `atime` when present. */
  atime: number | undefined;
  /** Symlink target or hard link target, as stored. */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** PAX `SCHILY.xattr.NAME` records: name → raw value bytes. */
  xattrs: Map<string, Buffer> | undefined;
}

export interface TarSink {
  entry(header: TarHeader): void;
  data(chunk: Buffer): void;
  entryEnd(): void;
}

const BLOCK = 512;
/** Go's archive/tar limit for PAX and GNU long-name records. */
const MAX_META_SIZE = 1 << 20;

const TYPES: Record<string, TarEntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'directory',
  '6': 'fifo',
};

type MetaKind = 'pax' | 'pax-global' | 'long-name' | 'long-link';
const META_TYPES: Record<string, MetaKind> = { x: 'pax', g: 'pax-global', L: 'long-name', K: 'long-link' };

function invalid(what: string): StorageError {
  return new StorageError('LAYER_INVALID', `invalid layer tar: ${what}`);
}

export class TarReader {
  readonly #sink: TarSink;
  /** Bytes of the current header block collected so far, when it straddles chunks. */
  readonly #block = Buffer.alloc(BLOCK);
  #blockFill = 0;
  /** Content bytes left in the current entry (file data or a meta record). */
  #remaining = 0;
  /** Zero padding left after the current entry's content. */
  #padding = 0;
  #meta: { kind: MetaKind; parts: Buffer[] } | undefined;
  #inFile = false;
  #ended = false;
  /** Offset of the current header in the archive, for messages. */
  #offset = 0;
  #pax: Map<string, Buffer> | undefined;
  #globalPax: Map<string, Buffer> | undefined;
  #longName: string | undefined;
  #longLink: string | undefined;

  constructor(sink: TarSink) {
    this.#sink = sink;
  }

  push(chunk: Buffer): void {
    let at = 0;
    const n = chunk.length;
    while (at < n) {
      if (this.#ended) return; // after the end-of-archive block: record padding, ignored
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, n - at);
        const part = chunk.subarray(at, at + take);
        this.#remaining -= take;
        this.#offset += take;
        at += take;
        if (this.#meta !== undefined) this.#meta.parts.push(part);
        else this.#sink.data(part);
        if (this.#remaining === 0) this.#contentDone();
        continue;
      }
      if (this.#padding > 0) {
        const skip = Math.min(this.#padding, n - at);
        this.#padding -= skip;
        this.#offset += skip;
        at += skip;
        continue;
      }
      if (this.#blockFill === 0 && n - at >= BLOCK) {
        this.#header(chunk, at);
        at += BLOCK;
        continue;
      }
      const take = Math.min(BLOCK - this.#blockFill, n - at);
      chunk.copy(this.#block, this.#blockFill, at, at + take);
      this.#blockFill += take;
      at += take;
      if (this.#blockFill === BLOCK) {
        this.#blockFill = 0;
        this.#header(this.#block, 0);
      }
    }
  }

  /** The input ended: throws unless it ended between entries. */
  end(): void {
    if (this.#ended) return;
    if (this.#remaining > 0 || this.#padding > 0 || this.#blockFill > 0 || this.#inFile || this.#meta !== undefined) {
      throw invalid(`truncated at byte ${this.#offset + this.#blockFill}`);
    }
    // A missing end-of-archive marker is tolerated, as Go's archive/tar does.
    this.#ended = true;
  }

  #contentDone(): void {
    if (this.#meta !== undefined) {
      const { kind, parts } = this.#meta;
      this.#meta = undefined;
      this.#applyMeta(kind, parts.length === 1 ? parts[0]! : Buffer.concat(parts));
    } else {
      this.#inFile = false;
      this.#sink.entryEnd();
    }
  }

  #header(buf: Buffer, at: number): void {
    const offset = this.#offset;
    this.#offset += BLOCK;
    const sum = checksum(buf, at);
    if (sum.unsigned === 0x20 * 8 && isZeroBlock(buf, at)) {
      this.#ended = true; // end of archive (two zero blocks; the second is not required)
      return;
    }
    const stored = parseNumber(buf, at + 148, 8, 'checksum', offset);
    if (stored !== sum.unsigned && stored !== sum.signed) throw invalid(`bad header checksum at byte ${offset}`);

    const flag = String.fromCharCode(buf[at + 156]!);
    let size = parseNumber(buf, at + 124, 12, 'size', offset);
    const metaKind = META_TYPES[flag];
    if (metaKind !== undefined) {
      if (size > MAX_META_SIZE) throw invalid(`${metaKind} record of ${size} bytes at byte ${offset}`);
      this.#expectContent(size);
      this.#meta = { kind: metaKind, parts: [] };
      if (size === 0) this.#contentDone();
      return;
    }

    const ustar = isUstar(buf, at);
    let name = this.#longName ?? readString(buf, at, 100);
    if (this.#longName === undefined && ustar) {
      const prefix = readString(buf, at + 345, 155);
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    let type = TYPES[flag];
    if (type === undefined) throw invalid(`entry "${name}": unsupported type flag ${JSON.stringify(flag)}`);
    if (flag === '\0' && name.endsWith('/')) type = 'directory'; // pre-POSIX directories, as in Go's archive/tar

    const header: TarHeader = {
      name,
      type,
      mode: parseNumber(buf, at + 100, 8, 'mode', offset) & 0o7777,
      uid: parseNumber(buf, at + 108, 8, 'uid', offset),
      gid: parseNumber(buf, at + 116, 8, 'gid', offset),
      size,
      mtime: parseNumber(buf, at + 136, 12, 'mtime', offset),
      atime: undefined,
      linkname: this.#longLink ?? readString(buf, at + 157, 100),
      devmajor: type === 'char' || type === 'block' ? parseNumber(buf, at + 329, 8, 'devmajor', offset) : 0,
      devminor: type === 'char' || type === 'block' ? parseNumber(buf, at + 337, 8, 'devminor', offset) : 0,
      xattrs: undefined,
    };
    this.#longName = undefined;
    this.#longLink = undefined;
    if (this.#pax !== undefined || this.#globalPax !== undefined) this.#applyPax(header);
    size = header.size;
    // Only regular files carry content; Go's archive/tar ignores the size field of the other types.
    if (type !== 'file') header.size = size = 0;

    this.#sink.entry(header);
    if (size === 0) {
      this.#sink.entryEnd();
      return;
    }
    this.#inFile = true;
    this.#expectContent(size);
  }

  #expectContent(size: number): void {
    this.#remaining = size;
    this.#padding = (BLOCK - (size % BLOCK)) % BLOCK;
  }

  #applyMeta(kind: MetaKind, body: Buffer): void {
    switch (kind) {
      case 'long-name':
        this.#longName = readString(body, 0, body.length);
        return;
      case 'long-link':
        this.#longLink = readString(body, 0, body.length);
        return;
      case 'pax':
        this.#pax = parsePax(body, this.#offset);
        return;
      case 'pax-global': {
        const records = parsePax(body, this.#offset);
        this.#globalPax = new Map([...(this.#globalPax ?? []), ...records]);
        return;
      }
    }
  }

  /** Applies PAX records (global, then per-entry ones) over the ustar fields. */
  #applyPax(header: TarHeader): void {
    const records = this.#globalPax === undefined ? this.#pax! : new Map([...this.#globalPax, ...(this.#pax ?? [])]);
    this.#pax = undefined;
    for (const [key, value] of records) {
      if (value.length === 0) continue; // an empty value unsets a global record
      if (key.startsWith('SCHILY.xattr.')) {
        (header.xattrs ??= new Map()).set(key.slice('SCHILY.xattr.'.length), value);
        continue;
      }
      if (key.startsWith('GNU.sparse.')) throw invalid(`entry "${header.name}": sparse files are not supported`);
      switch (key) {
        case 'path':
          header.name = value.toString('utf8');
          break;
        case 'linkpath':
          header.linkname = value.toString('utf8');
          break;
        case 'size':
          header.size = paxInteger(key, value, header.name);
          break;
        case 'uid':
          header.uid = paxInteger(key, value, header.name);
          break;
        case 'gid':
          header.gid = paxInteger(key, value, header.name);
          break;
        case 'mtime':
          header.mtime = paxTime(key, value, header.name);
          break;
        case 'atime':
          header.atime = paxTime(key, value, header.name);
          break;
        // Others (ctime, uname, gname, comment, charset…) do not matter for a layer.
      }
    }
  }
}

function checksum(buf: Buffer, at: number): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : buf[at + i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return { unsigned, signed };
}

function isZeroBlock(buf: Buffer, at: number): boolean {
  for (let i = 0; i < BLOCK; i++) if (buf[at + i] !== 0) return false;
  return true;
}

function isUstar(buf: Buffer, at: number): boolean {
  // "ustar\0" + "00" (POSIX). GNU's "ustar  \0" has no prefix field: those bytes hold other data.
  return buf[at + 257] === 0x75 && buf[at + 258] === 0x73 && buf[at + 259] === 0x74 && buf[at + 260] === 0x61 &&
    buf[at + 261] === 0x72 && buf[at + 262] === 0;
}

/** A NUL-terminated UTF-8 field. */
function readString(buf: Buffer, at: number, length: number): string {
  let end = at;
  const max = at + length;
  while (end < max && buf[end] !== 0) end++;
  return buf.toString('utf8', at, end);
}

/** An octal field (spaces/NULs around it), or GNU base-256 when the high bit of its first byte is set. */
function parseNumber(buf: Buffer, at: number, length: number, field: string, offset: number): number {
  const first = buf[at]!;
  if (first & 0x80) {
    if (first === 0xff) throw invalid(`negative ${field} at byte ${offset}`);
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + buf[at + i]!;
    if (!Number.isSafeInteger(value)) throw invalid(`${field} too large at byte ${offset}`);
    return value;
  }
  let i = at;
  const end = at + length;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) i++;
  let value = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) throw invalid(`bad ${field} field at byte ${offset}`);
    value = value * 8 + (c - 0x30);
  }
  return value;
}

/** PAX extended header records: "<length> <key>=<value>\n", length in bytes including itself. */
function parsePax(body: Buffer, offset: number): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let at = 0;
  while (at < body.length) {
    if (body[at] === 0) break; // NUL padding some writers leave
    const space = body.indexOf(0x20, at);
    const digits = space < 0 ? '' : body.toString('latin1', at, space);
    const length = /^\d{1,9}$/.test(digits) ? Number(digits) : NaN;
    if (!(length > space - at + 1) || at + length > body.length ||
      body[at + length - 1] !== 0x0a) {
      throw invalid(`bad PAX record before byte ${offset}`);
    }
    const eq = body.indexOf(0x3d, space + 1);
    if (eq < 0 || eq >= at + length - 1) throw invalid(`bad PAX record before byte ${offset}`);
    records.set(body.toString('utf8', space + 1, eq), body.subarray(eq + 1, at + length - 1));
    at += length;
  }
  return records;
}

function paxInteger(key: string, value: Buffer, name: string): number {
  const text = value.toString('latin1');
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw invalid(`entry "${name}": bad PAX ${key} ${JSON.stringify(text)}`);
  return n;
}

function paxTime(key: string, value: Buffer, name: string): number {
  const text = value.toString('latin1');
  const n = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n)) throw invalid(`entry "${name}": bad PAX ${key} ${JSON.stringify(text)}`);
  return n;
}
