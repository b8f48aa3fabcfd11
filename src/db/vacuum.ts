/**
 * What autovacuum does, for the embedded database. PGlite runs PostgreSQL as one standalone
 * backend: there is no autovacuum, so nothing would ever
 * - ANALYZE its tables: search plans degrade as they grow (a ?q= search scanned 100,000 leads
 *   in 297 ms, 4–7 ms after ANALYZE), and a plan made while a table was nearly empty is kept by
 *   the batch function as its tables fill (bench/batch-function.ts --analyze-empty: 197 → 495 µs
 *   per message over 8 rounds);
 * - VACUUM them: dead index entries of updated and deleted rows stay, and old rows are never
 *   frozen, so after about two billion transactions PostgreSQL would refuse every write to
 *   avoid transaction ID wraparound.
 * A PostgreSQL server's autovacuum does this by itself.
 *
 * So: VACUUM (ANALYZE) at start and every `everyMs`, and in between an ANALYZE of each table that
 * has doubled (by 8 pages at least) since its statistics were taken, looked for every `growthCheckMs`
 * — autovacuum's "analyze what changed" with the table's size standing for PGlite's change
 * counters, which it does not flush by itself. Doubling keeps them few: a table analyzed at 8
 * pages reaches a million messages after a dozen.
 *
 * After its first pass VACUUM visits only the pages changed since (the visibility map), so a round
 * costs little more than its ANALYZE (measured on PGlite, a table shaped like messages with
 * 1,000,000 rows: ANALYZE 608 ms, the first VACUUM 244 ms, one after 30,000 more rows 4 ms). All
 * of it runs on PGlite's thread, which is this one.
 */
import type { Logger } from 'pino';
import type { Database } from './connect.js';
import { every } from './every.js';

export interface VacuumSchedule {
  /** VACUUM (ANALYZE) of the whole database this often. */
  everyMs: number;
  /** Tables that doubled since their last ANALYZE are looked for this often. */
  growthCheckMs: number;
}

export const VACUUM_SCHEDULE: VacuumSchedule = { everyMs: 10 * 60 * 1000, growthCheckMs: 5_000 };

/** The tables of the schema grown to twice their pages at the last ANALYZE or VACUUM, and by 8 pages at least. */
const GROWN_TABLES = `
  select quote_ident(c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and c.relkind = 'r'
     and pg_relation_size(c.oid) / current_setting('block_size')::int >= greatest(2 * c.relpages, c.relpages + 8)`;

/** On PGlite: keep it vacuumed and its statistics current (see above); a no-op elsewhere. Returns a stop function. */
export function keepVacuumed(db: Database, logger: Logger, schedule: VacuumSchedule = VACUUM_SCHEDULE): () => void {
  if (db.kind === 'postgres') return () => {};
  const vacuum = async () => {
    await db.knex.raw('vacuum (analyze)');
    logger.debug('embedded database vacuumed and analyzed');
  };
  const analyzeGrown = async () => {
    const { rows } = (await db.knex.raw(GROWN_TABLES)) as { rows: { name: string }[] };
    for (const { name } of rows) await db.knex.raw(`analyze ${name}`);
    if (rows.length > 0) logger.debug({ tables: rows.map((r) => r.name) }, 'embedded database: grown tables analyzed');
  };
  // PGlite runs one statement at a time: a growth check that comes during a VACUUM waits for it.
  const onError = (err: unknown) => logger.warn({ err }, 'vacuum of the embedded database failed');
  const stops = [every(schedule.everyMs, vacuum, onError, { now: true }), every(schedule.growthCheckMs, analyzeGrown, onError)];
  return () => stops.forEach((stop) => stop());
}
