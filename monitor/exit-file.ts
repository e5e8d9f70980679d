/**
 * The exit file: the durable answer to "how did the container end", read by `wait` long after the CLI and
 * the monitor are gone. Written as conmon writes `exit`: a temp file in the same directory, fsync, rename
 * over the final name, fsync the directory. A reader sees either no file or the whole record, even across
 * a crash or power loss.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isErrno } from './errno.ts';
import type { ExitRecord } from './protocol.ts';

export function writeExitFile(path: string, record: ExitRecord): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const bytes = Buffer.from(`${JSON.stringify(record)}\n`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    removeTemp(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    removeTemp(tmp);
    throw e;
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

function removeTemp(tmp: string): void {
  try {
    unlinkSync(tmp);
  } catch (e) {
    // Never created or already gone: nothing to clean.
    if (!isErrno(e, 'ENOENT')) throw e;
  }
}
