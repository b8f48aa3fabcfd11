/**
 * What stands between knex and the embedded PostgreSQL: it refuses writes while the disk is
 * nearly full, and it stops using a PostgreSQL that has PANICked.
 *
 * Both guard against the same trap. PGlite is PostgreSQL as a single standalone backend in this
 * thread: when a write hits a full disk where PostgreSQL cannot recover in place (a new WAL
 * segment), it PANICs, and the next statement sent to it spins forever — the whole process
 * hangs. So writes are refused (53100, answered UNAVAILABLE) before the disk gets that full,
 * and a PANIC, should one happen anyway, fails every later statement at once instead.
 */
import fs from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { StartRefusedError } from './data-dir-lock.js';

/** Free space below which writes are refused: room for a new 16 MB WAL segment, a checkpoint and a batch in flight. */
export const DISK_RESERVE_BYTES = 64 * 1024 * 1024;

/**
 * Statements that may still run on a nearly full disk: they write at most a little WAL. A
 * checkpoint too (src/db/checkpoints.ts): one WAL record, into pages already on the disk, and
 * afterwards PostgreSQL removes or recycles the WAL segments it no longer needs.
 */
const READS = /^\s*(select|show|explain|begin|commit|rollback|savepoint|release|set|checkpoint)\b/i;
/** A select that writes: the message group commit's function (migrations/…_message_batch_function.ts). */
const WRITING_FUNCTIONS = /\bpingstreams_write_messages\s*\(/i;
const isRead = (sql: string) => READS.test(sql) && !WRITING_FUNCTIONS.test(sql);

const MB = (bytes: number) => `${Math.floor(bytes / (1024 * 1024))} MB`;

export class DiskReserveError extends Error {
  override name = 'DiskReserveError';
  readonly code = '53100';
}

export class EmbeddedDatabaseBrokenError extends Error {
  override name = 'EmbeddedDatabaseBrokenError';
  readonly code = '58030';
  constructor(cause: unknown) {
    super('The embedded database stopped after a PANIC; restart the process to recover it from its WAL.', { cause });
  }
}

/** Free bytes for an unprivileged writer on the filesystem of `dir`. */
export function freeBytes(dir: string): number {
  const stats = fs.statfsSync(dir);
  return stats.bavail * stats.bsize;
}

/** Throws unless `dir` has `reserve` bytes free (at start: PostgreSQL recovers and checkpoints then). */
export function assertDiskRoom(dir: string, reserve: number): void {
  const free = freeBytes(dir);
  if (free < reserve) {
    throw new StartRefusedError(`Only ${MB(free)} free on the disk of ${dir}; the embedded database needs ${MB(reserve)} free to run safely. Free some space and start again.`);
  }
}

const isFatal = (err: unknown) => {
  const e = err as { severity?: unknown; message?: unknown; constructor?: { name?: string } } | null;
  // A PANIC, or WebAssembly trapping (RuntimeError, Aborted()): either way PostgreSQL is gone.
  return e?.severity === 'PANIC' || e?.severity === 'FATAL' || e?.constructor?.name === 'RuntimeError' || /^Aborted\(/.test(String(e?.message ?? ''));
};

/** The object knex-pglite takes as its connection: PGlite's waitReady, query and close, guarded. */
export interface GuardedConnection {
  readonly waitReady: Promise<void>;
  query: PGlite['query'];
  /** A tarball of the data folder (backups: src/backup/embedded.ts holds the connection meanwhile). */
  dumpDataDir: PGlite['dumpDataDir'];
  close(): Promise<void>;
}

export function guardEmbedded(
  pglite: PGlite,
  options: { dataDir: string; reserveBytes: number; ready: Promise<void>; onFatal(err: Error): void },
): GuardedConnection {
  let broken: EmbeddedDatabaseBrokenError | null = null;
  const query = (async (sql: string, params?: unknown[], queryOptions?: unknown) => {
    if (broken) throw broken;
    if (options.reserveBytes > 0 && !isRead(sql)) {
      const free = freeBytes(options.dataDir);
      if (free < options.reserveBytes) {
        throw new DiskReserveError(`The disk of the embedded database is nearly full (${MB(free)} free, ${MB(options.reserveBytes)} kept in reserve): writes are refused until space is freed.`);
      }
    }
    try {
      return await pglite.query(sql, params, queryOptions as never);
    } catch (err) {
      if (isFatal(err)) {
        broken = new EmbeddedDatabaseBrokenError(err);
        options.onFatal(broken);
      }
      throw err;
    }
  }) as PGlite['query'];
  return {
    waitReady: options.ready,
    query,
    dumpDataDir: (compression) => (broken ? Promise.reject(broken) : pglite.dumpDataDir(compression)),
    // Closing a PANICked PGlite would hang like any other statement: leave it to the process exit.
    close: () => (broken ? Promise.resolve() : pglite.close()),
  };
}
