/** The embedded database is vacuumed and analyzed by itself (PGlite has no autovacuum). */
import { expect } from 'chai';
import { pino } from 'pino';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { keepVacuumed } from '../../src/db/vacuum.js';
import { sleep } from '../support/clients.js';

describe('embedded database: vacuum and planner statistics', () => {
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
  /** Transactions since the table's oldest unfrozen row: what wraparound is counted in. */
  const xidAge = async (table: string) => Number((await db.knex.raw(`select age(relfrozenxid)::int as n from pg_class where relname = ?`, [table])).rows[0].n);

  it('analyzes at start and again on its interval, so new tables and rows get statistics', async () => {
    await db.knex.raw(`insert into projects (id, name, identity_secret) values (gen_random_uuid(), 'stats', 'x')`);
    expect(await statsOf('projects')).to.equal(0);
    const stop = keepVacuumed(db, pino({ level: 'silent' }), { everyMs: 100, growthCheckMs: 3_600_000 });
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

  it('analyzes a table that has doubled since its statistics without waiting for the next round', async () => {
    const project = (await db.knex('projects').first('id')).id;
    await db.knex.raw('analyze leads');
    const reltuples = async () => Number((await db.knex.raw(`select reltuples::int as n from pg_class where relname = 'leads'`)).rows[0].n);
    const analyzed = await reltuples();
    const stop = keepVacuumed(db, pino({ level: 'silent' }), { everyMs: 3_600_000, growthCheckMs: 50 });
    try {
      // The VACUUM at start runs first and finds the same rows; once it is over, only the growth check can see what follows.
      await sleep(200);
      // A tenth more rows: not doubled, so no ANALYZE yet.
      await db.knex.raw(`insert into leads (id, project_id, email) select gen_random_uuid(), ?, 'g' || g || '@example.com' from generate_series(1, ?) g`, [project, Math.ceil(analyzed / 10)]);
      await sleep(300);
      expect(await reltuples()).to.equal(analyzed);
      // Ten times as many: doubled, analyzed within a few checks.
      await db.knex.raw(`insert into leads (id, project_id, email) select gen_random_uuid(), ?, 'h' || g || '@example.com' from generate_series(1, ?) g`, [project, analyzed * 10]);
      const grown = Math.ceil(analyzed / 10) + analyzed * 11;
      for (let i = 0; i < 100 && (await reltuples()) !== grown; i++) await sleep(20);
      expect(await reltuples()).to.equal(grown);
    } finally {
      stop();
    }
  });

  it('vacuums: a table written by many transactions gets its frozen-xid horizon moved up (no wraparound)', async () => {
    const project = (await db.knex('projects').first('id')).id;
    // 300 transactions, each changing one lead (every send batch and new visitor batch is one).
    for (let i = 0; i < 300; i++) await db.knex.raw(`update leads set fullname = ? where project_id = ? and email = ?`, [`n${i}`, project, `l${(i % 500) + 1}@example.com`]);
    const before = await xidAge('leads');
    expect(before).to.be.at.least(300);
    // ANALYZE alone would not move it: only VACUUM does.
    await db.knex.raw('analyze');
    expect(await xidAge('leads')).to.be.at.least(before);
    // VACUUM freezes old rows once a table's age passes vacuum_freeze_table_age (150 million
    // transactions), freezing those older than vacuum_freeze_min_age (50 million): here both are
    // 0, so that 300 transactions stand for those millions. PGlite has one session: the SETs hold.
    await db.knex.raw('set vacuum_freeze_table_age = 0');
    await db.knex.raw('set vacuum_freeze_min_age = 0');
    const stop = keepVacuumed(db, pino({ level: 'silent' }), { everyMs: 100, growthCheckMs: 3_600_000 });
    try {
      for (let i = 0; i < 100 && (await xidAge('leads')) >= before; i++) await sleep(20);
      expect(await xidAge('leads')).to.be.lessThan(before - 250);
    } finally {
      stop();
      await db.knex.raw('reset vacuum_freeze_table_age');
      await db.knex.raw('reset vacuum_freeze_min_age');
    }
  });
});
