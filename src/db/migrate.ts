/** Brings the schema up to date; safe when several processes start at once. */
import type { Database } from './connect.js';
import { FolderMigrationSource } from './migration-source.js';

/** Any constant works; it only has to be the same in every process. */
const MIGRATION_LOCK_KEY = 727_001;

export async function migrateToLatest(db: Database): Promise<string[]> {
  const source = new FolderMigrationSource();
  const run = async () => {
    const [, applied] = (await db.knex.migrate.latest({ migrationSource: source })) as [number, string[]];
    return applied;
  };
  // Embedded PGlite belongs to one process and has one connection: nothing to race with.
  if (db.kind !== 'postgres') return run();
  // knex's own lock table makes the loser of a race fail; an advisory lock makes it wait,
  // then find nothing left to do. The lock lives on its own connection while migrations
  // run on others from the pool.
  const conn = await db.knex.client.acquireConnection();
  try {
    await conn.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await run();
    } finally {
      await conn.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await db.knex.client.releaseConnection(conn);
  }
}
