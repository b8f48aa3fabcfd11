/**
 * What autovacuum does, for the embedded database. PGlite runs PostgreSQL as one standalone
 * backend: there is no autovacuum, so nothing would ever
 * - ANALYZE its tables: search plans degrade as they grow (a ?q= search scanned 100,000 leads
 *   in 297 ms, 4–7 ms after ANALYZE);
 * - VACUUM them: dead index entries of updated and deleted rows stay, and old rows are never
 *   frozen, so after about two billion transactions PostgreSQL would refuse every write to
 *   avoid transaction ID wraparound.
 * A PostgreSQL server's autovacuum does this by itself.
 *
 * After the first pass VACUUM visits only the pages changed since (the visibility map), so a
 * round costs little more than the ANALYZE (measured on PGlite, a table shaped like messages with 1,000,000 rows:
 * ANALYZE 608 ms, the first VACUUM 244 ms, one after 30,000 more rows 4 ms). It runs on
 * PGlite's thread, which is this one.
 */
import type { Logger } from 'pino';
import type { Database } from './connect.js';

/** @default 10 minutes */
export const VACUUM_EVERY_MS = 10 * 60 * 1000;

/** On PGlite: VACUUM (ANALYZE) now and every `everyMs`; a no-op elsewhere. Returns a stop function. */
export function keepVacuumed(db: Database, logger: Logger, everyMs = VACUUM_EVERY_MS): () => void {
  if (db.kind === 'postgres') return () => {};
  const vacuum = () =>
    db.knex.raw('vacuum (analyze)').then(
      () => logger.debug('embedded database vacuumed and analyzed'),
      (err: unknown) => logger.warn({ err }, 'vacuum of the embedded database failed'),
    );
  void vacuum();
  const timer = setInterval(() => void vacuum(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
