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
 * writes the dirty pages. So the limit is a trade. Each checkpoint makes the next change of every
 * page write the whole page into the WAL once more (full_page_writes, kept: it is what protects
 * a page half written when the power fails), and a message lands on a random page of the
 * primary key's index (message ids are UUID v4): the closer the checkpoints, the more of a
 * message's cost is whole pages, and the larger the table, the more pages there are to rewrite.
 * Measured on PGlite on disk, 50-message batches of the group commit's statement, each cycle
 * ending with its checkpoint (docs/performance.md, sixteenth round):
 *
 *   limit   empty database                    beside 1,000,000 messages
 *   32 MB   91–95 µs/msg, 755–910 B of WAL    138–143 µs/msg, 3.5–3.8 kB; checkpoint 86–105 ms
 *   128 MB  95–98 µs/msg, 802–939 B           113–115 µs/msg, 1.1–1.2 kB; checkpoint 216–249 ms
 *   256 MB                                     108–110 µs/msg, 1.0–1.1 kB; checkpoint 339–342 ms
 *
 * 128 MB: most of the gain, a quarter of a second's pause every 100,000 messages or so, and a
 * start after a crash that replays it in about a second (2.2 s to open after 128 MB, 1.3 s after 32).
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

export const CHECKPOINT_POLICY: CheckpointPolicy = { checkEveryMs: 5_000, maxWalBytes: 128 * 2 ** 20, timeoutMs: 5 * 60_000 };

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
    logger.info({ cause, walBytes: before.sinceRedo, ms: Math.round(performance.now() - started) }, 'embedded database checkpointed');
  };
  return every(policy.checkEveryMs, checkpointIfDue, (err) => logger.warn({ err }, 'checkpoint of the embedded database failed'));
}
