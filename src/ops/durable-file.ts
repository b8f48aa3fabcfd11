/** Writing a file that must be whole and on disk before anyone relies on it (the JWT secret, backups). */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Written whole or not at all, and on disk before this returns: a temporary file beside the
 * target (owner-only: these hold secrets and password hashes), fsynced, renamed over the name
 * (atomic), then the folder fsynced so that the rename survives a power cut. A crash never leaves
 * a half-written file under the real name; a failed write (a full disk) leaves no temporary file.
 */
export function writeFileDurably(file: string, content: string | Uint8Array): void {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    // One write() moves at most ≈ 2 GiB on Linux: loop until all of it is written.
    for (let written = 0; written < bytes.byteLength; ) written += fs.writeSync(fd, bytes, written);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, file);
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}
