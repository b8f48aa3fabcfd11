/**
 * One process per embedded data folder. PGlite is PostgreSQL in this very process: a second
 * process on the same folder runs a second PostgreSQL over the same files, and each silently
 * overwrites what the other wrote. A lock file holding the owner's pid keeps the second one out.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The embedded database cannot be opened safely: the process should say why in one line and exit. */
export class StartRefusedError extends Error {
  override name = 'StartRefusedError';
}

export class DataDirLockedError extends StartRefusedError {
  override name = 'DataDirLockedError';
}

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

/** The lock's file for a data folder: beside it, never inside PostgreSQL's own folder. */
export const lockFileOf = (folder: string) => path.join(path.dirname(folder), `${path.basename(folder)}.lock`);

/** Lock files this process holds. */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user — still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const readText = (file: string): string | null => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
};

const pidIn = (text: string | null) => Number.parseInt(text?.trim() ?? '', 10);

/** Links `fresh` to `file`; where the filesystem has no hard links, an exclusive create instead. */
function createLockFile(fresh: string, file: string): void {
  try {
    fs.linkSync(fresh, file);
  } catch (err) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    fs.writeFileSync(file, fs.readFileSync(fresh), { flag: 'wx' });
  }
}

/** The lock just taken: released by close(), or at the latest when the process exits. */
function held(file: string): DataDirLock {
  heldHere.add(file);
  const release = () => {
    if (!heldHere.delete(file)) return;
    if (pidIn(readText(file)) === process.pid) fs.rmSync(file, { force: true });
    process.off('exit', release);
  };
  // process.exit() (a fatal error, a forced shutdown) skips close(): leave no lock behind.
  process.on('exit', release);
  return { file, release };
}

/**
 * Takes the lock of `folder` or throws a DataDirLockedError naming the process that holds it.
 * A lock left by a process that died (SIGKILL, power cut) is taken over. The takeover moves the
 * stale file aside (an atomic rename) rather than deleting it, so that two processes recovering
 * the same stale lock cannot both win: one that moved a fresh lock by mistake puts it back.
 */
export function lockDataDir(folder: string): DataDirLock {
  const file = lockFileOf(path.resolve(folder));
  // Our own pid in the file is a stale lock of an earlier life (a restarted container is pid 1
  // again) — unless this very process holds it.
  if (heldHere.has(file)) throw new DataDirLockedError(`DATA_DIR ${path.dirname(file)} is already open in this process.`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written in full first, then linked into place (link fails if the name exists): the lock
  // file is never seen half-written.
  const fresh = `${file}.${process.pid}.new`;
  fs.writeFileSync(fresh, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        createLockFile(fresh, file);
        return held(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const seen = readText(file);
      if (seen === null) continue;
      const holder = pidIn(seen);
      if (isAlive(holder)) {
        throw new DataDirLockedError(
          `DATA_DIR ${path.dirname(file)} is in use by another Pingstreams process (pid ${holder}): the embedded database allows one process per data folder. ` +
            `Stop that process, or run several with DATABASE_URL=postgres://… (if no such process exists, delete ${file}).`,
        );
      }
      const aside = `${file}.stale-${process.pid}-${attempt}`;
      try {
        fs.renameSync(file, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      if (readText(aside) !== seen) {
        // Another starter took the stale lock over between our read and our rename: give it back.
        try {
          fs.linkSync(aside, file);
        } catch {
          // A third starter already holds it; either way the next round sees a live pid.
        }
      }
      fs.rmSync(aside, { force: true });
    }
  } finally {
    fs.rmSync(fresh, { force: true });
  }
  throw new DataDirLockedError(`Could not take the lock ${file} of DATA_DIR ${path.dirname(file)}: other processes keep taking it over.`);
}
