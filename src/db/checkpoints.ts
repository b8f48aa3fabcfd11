/**
 * Checkpoints for the embedded database. PGlite runs PostgreSQL as one standalone backend, with
 * no checkpointer process, and a standalone backend never asks for a checkpoint by itself: not
 * after `checkpoint_timeout`, not past `max_wal_size` (measured: 200 MB of WAL written with
 * max_wal_size=64MB, and the redo point never moved). Left alone, its WAL would grow for as long
 * as the server runs — every message ever written kept twice on disk — and a start after a crash
 * would replay all of it. A PostgreSQL server's checkpointer does this by itself.
 *
 * So this process asks, as the checkpointer would: once `maxWalBytes` of WAL are written since the
 * last checkpoint's redo point, or `timeoutMs` after the last one if anything was written since.
 * A checkpoint runs on PGlite's thread, which is this one: it holds the event loop while it
 * writes the dirty pages (measured: 12 ms after 10 MB of WAL, 145 ms after 200 MB), so the WAL
 * limit is kept small, to keep each one short.
 */
import type { Logger } from 'pino';
import type { Database } from './connect.js';
import { every } from './every.js';

export interface CheckpointPolicy {
  /** How often the WAL written since the last checkpoint is looked at. */
  checkEveryMs: number;
  /** A checkpoint once this much WAL is written since the last one's redo point (PostgreSQL: max_wal_size). */
  maxWalBytes: number;
  /** A checkpoint this long after the last one, if anything was written since (PostgreSQL: checkpoint_timeout). */
  timeoutMs: number;
}

export const CHECKPOINT_POLICY: CheckpointPolicy = { checkEveryMs: 5_000, maxWalBytes: 32 * 2 ** 20, timeoutMs: 5 * 60_000 };

interface WalPosition {
  /** Where the next WAL record goes. */
  lsn: string;
  /** WAL bytes since the last checkpoint's redo point: what a crash would replay. */
  sinceRedo: number;
}

async function walPosition(db: Database): Promise<WalPosition> {
  const { rows } = await db.knex.raw(`select pg_current_wal_lsn()::text as lsn, pg_wal_lsn_diff(pg_current_wal_lsn(), redo_lsn)::float8 as since_redo from pg_control_checkpoint()`);
  return { lsn: rows[0].lsn, sinceRedo: rows[0].since_redo };
}

/** On PGlite: checkpoint as PostgreSQL's checkpointer would (see above); a no-op elsewhere. Returns a stop function. */
export function keepCheckpoints(db: Database, logger: Logger, policy: CheckpointPolicy = CHECKPOINT_POLICY): () => void {
  if (db.kind === 'postgres') return () => {};
  let lastAt = Date.now();
  // Where the WAL ended right after the last checkpoint: anything past it was written since.
  let lastEnd: string | null = null;
  const checkpointIfDue = async () => {
    const before = await walPosition(db);
    const cause = before.sinceRedo >= policy.maxWalBytes ? 'wal' : before.lsn !== lastEnd && Date.now() - lastAt >= policy.timeoutMs ? 'time' : null;
    if (!cause) return;
    const started = performance.now();
    await db.knex.raw('checkpoint');
    lastAt = Date.now();
    lastEnd = (await walPosition(db)).lsn;
    logger.debug({ cause, walBytes: before.sinceRedo, ms: Math.round(performance.now() - started) }, 'embedded database checkpointed');
  };
  return every(policy.checkEveryMs, checkpointIfDue, (err) => logger.warn({ err }, 'checkpoint of the embedded database failed'));
}
