/**
 * Planner statistics for the embedded database. PGlite runs PostgreSQL as one standalone
 * backend: there is no autovacuum, so nothing ever ANALYZEs its tables and search plans
 * degrade as they grow (a ?q= search scanned 100,000 leads in 297 ms, 4–7 ms after ANALYZE).
 * A PostgreSQL server's autovacuum does this by itself.
 */
import type { Logger } from 'pino';
import type { Database } from './connect.js';

/** @default 10 minutes */
export const ANALYZE_EVERY_MS = 10 * 60 * 1000;

/** On PGlite: ANALYZE now and every `everyMs`; a no-op elsewhere. Returns a stop function. */
export function keepStatistics(db: Database, logger: Logger, everyMs = ANALYZE_EVERY_MS): () => void {
  if (db.kind === 'postgres') return () => {};
  const analyze = () =>
    db.knex.raw('analyze').then(
      () => logger.debug('embedded database analyzed'),
      (err: unknown) => logger.warn({ err }, 'analyze of the embedded database failed'),
    );
  void analyze();
  const timer = setInterval(() => void analyze(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
