/** A small filesystem of the test's own (a tmpfs mount) that a test can fill up, and a filler file to do it. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SmallDisk {
  dir: string;
  freeBytes(): number;
  /** Writes a filler file until only about `leaveBytes` are free. */
  fill(leaveBytes: number): void;
  /** Removes the filler file. */
  free(): void;
  /** Unmounts and removes the folder. */
  remove(): void;
}

const MB = 1024 * 1024;

/** Mounts a tmpfs of `sizeMb`; throws (never skips) where mounting is not allowed: the full-disk tests need it. */
export function mountSmallDisk(sizeMb: number): SmallDisk {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pingstreams-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not mount a ${sizeMb} MB tmpfs for the full-disk test (it needs root with CAP_SYS_ADMIN): ${mounted.stderr || mounted.error}`);
  }
  const filler = path.join(dir, 'filler');
  const freeBytes = () => {
    const stats = fs.statfsSync(dir);
    return stats.bavail * stats.bsize;
  };
  return {
    dir,
    freeBytes,
    fill(leaveBytes) {
      const chunk = Buffer.alloc(MB, 7);
      const fd = fs.openSync(filler, 'a');
      try {
        while (freeBytes() - chunk.length >= leaveBytes) fs.writeSync(fd, chunk);
        const rest = freeBytes() - leaveBytes;
        if (rest > 0) fs.writeSync(fd, chunk, 0, Math.min(rest, chunk.length));
      } finally {
        fs.closeSync(fd);
      }
    },
    free: () => fs.rmSync(filler, { force: true }),
    remove() {
      // Lazy: a PostgreSQL abandoned after a PANIC keeps its files open until this process exits.
      spawnSync('umount', ['--lazy', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
