/**
 * At boot, a database that is not there yet is waited for, with backoff, instead of crashing:
 * PostgreSQL often starts after the app (a reboot, a compose file, a managed database's
 * maintenance). One log line per distinct reason, never a stack trace.
 */
import type { Logger } from 'pino';
import type { Database } from '../db/connect.js';
import { describeOutage } from './describe-outage.js';

/** @default first retry after 250 ms, doubling up to 5 s */
export const BACKOFF = { firstMs: 250, maxMs: 5_000 } as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves true once `select 1` answers; false if `stopping()` turns true first. Errors that
 * are not about reaching the database (a broken embedded folder…) are thrown.
 */
export async function waitForDatabase(db: Database, where: string, logger: Logger, stopping: () => boolean): Promise<boolean> {
  const since = Date.now();
  let delay: number = BACKOFF.firstMs;
  let lastReason: string | null = null;
  while (!stopping()) {
    try {
      await db.knex.raw('select 1');
      if (lastReason !== null) logger.info({ waitedMs: Date.now() - since }, `${where} answers now`);
      return true;
    } catch (err) {
      const reason = describeOutage(err);
      if (reason === null) throw err;
      if (reason !== lastReason) {
        logger.warn(`database not reachable: ${where}: ${reason}; retrying with backoff (/healthz answers, /readyz says 503 meanwhile)`);
        lastReason = reason;
      }
    }
    await sleep(delay);
    delay = Math.min(delay * 2, BACKOFF.maxMs);
  }
  return false;
}
