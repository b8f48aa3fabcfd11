/** The embedded database keeps planner statistics by itself (PGlite has no autovacuum). */
import { expect } from 'chai';
import { pino } from 'pino';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { keepStatistics } from '../../src/db/statistics.js';
import { sleep } from '../support/clients.js';

describe('embedded database: planner statistics', () => {
  let db: Database;
  before(async function () {
    this.timeout(120_000);
    db = openDatabase({ kind: 'pglite-memory' });
    await migrateToLatest(db);
  });
  after(async () => {
    await db.close();
  });

  const statsOf = async (table: string) =>
    Number((await db.knex.raw(`select count(*)::int as n from pg_stats where schemaname = 'public' and tablename = ?`, [table])).rows[0].n);

  it('analyzes at start and again on its interval, so new tables and rows get statistics', async () => {
    await db.knex.raw(`insert into projects (id, name, identity_secret) values (gen_random_uuid(), 'stats', 'x')`);
    expect(await statsOf('projects')).to.equal(0);
    const stop = keepStatistics(db, pino({ level: 'silent' }), 100);
    try {
      for (let i = 0; i < 100 && (await statsOf('projects')) === 0; i++) await sleep(20);
      expect(await statsOf('projects')).to.be.greaterThan(0);
      // Rows that arrive later are counted by a later run.
      const project = (await db.knex('projects').first('id')).id;
      await db.knex.raw(`insert into leads (id, project_id, email) select gen_random_uuid(), ?, 'l' || g || '@example.com' from generate_series(1, 500) g`, [project]);
      const reltuples = async () => Number((await db.knex.raw(`select reltuples::int as n from pg_class where relname = 'leads'`)).rows[0].n);
      for (let i = 0; i < 100 && (await reltuples()) < 500; i++) await sleep(20);
      expect(await reltuples()).to.equal(500);
    } finally {
      stop();
    }
  });
});
