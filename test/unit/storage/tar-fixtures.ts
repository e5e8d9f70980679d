// Real tar archives for the unpack tests, written by tar-stream's pack(), plus the few byte-level edits
// pack() cannot express (a PAX record with binary values, a base-256 number), applied to its output.
import { pack, type Header } from 'tar-stream';

export interface TarEntry extends Partial<Omit<Header, 'pax'>> {
  name: string;
  body?: string | Buffer;
  /** PAX records as text; pack() writes them as UTF-8. */
  pax?: Record<string, string>;
}

export const MTIME = new Date(1_700_000_000_000);

/** An archive of `entries`, in order. Defaults: mtime MTIME, mode 0644 (0755 for directories). */
export async function buildTar(entries: readonly TarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const { body, ...header } of entries) {
    const full: TarEntry = {
      mtime: MTIME,
      mode: header.type === 'directory' ? 0o755 : 0o644,
      ...header,
      ...(body !== undefined ? { size: Buffer.byteLength(body) } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (body === undefined) p.entry(full, cb);
      else p.entry(full, body, cb);
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A PAX record set with raw (binary) values. */
export function paxBody(records: readonly (readonly [string, Buffer | string])[]): Buffer {
  const parts = records.map(([key, value]) => {
    const kv = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
    let length = kv.length + 1;
    while (String(length).length + kv.length !== length) length = String(length).length + kv.length;
    return Buffer.concat([Buffer.from(String(length)), kv]);
  });
  return Buffer.concat(parts);
}

const PAX_MARK = '@@pax-header@@';

/**
 * An entry that retypePaxEntries() turns into a PAX header: 'x' applies to the next entry, 'g' to all
 * later ones. pack() only writes bodies for regular files, hence the detour.
 */
export function paxEntry(records: readonly (readonly [string, Buffer | string])[], flag: 'x' | 'g' = 'x'): TarEntry {
  return { name: `${PAX_MARK}${flag}`, body: paxBody(records) };
}

export function retypePaxEntries(tar: Buffer): Buffer {
  return editHeaders(tar, (header, name) => {
    if (name.startsWith(PAX_MARK)) header.write(name.slice(PAX_MARK.length), 156, 'latin1');
  });
}

/** A copy of `tar` with `edit` applied to each header block (a 512-byte view), checksums fixed up. */
export function editHeaders(tar: Buffer, edit: (header: Buffer, name: string) => void): Buffer {
  const out = Buffer.from(tar);
  for (let at = 0; at + 512 <= out.length;) {
    const header = out.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const sizeField = header.subarray(124, 136);
    const size = (sizeField[0]! & 0x80) !== 0 ? sizeField.readUIntBE(6, 6) : parseInt(sizeField.toString('latin1'), 8) || 0;
    edit(header, header.toString('utf8', 0, header.indexOf(0)));
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
