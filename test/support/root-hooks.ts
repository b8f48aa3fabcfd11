/** Mocha root hooks: one database for the whole run, migrated once; each test owns its own records. */
import { openDatabase, type Database } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { testConfig } from './test-config.js';

let shared: Database | null = null;

/** The run's database (embedded PGlite starts once: it takes seconds and hundreds of MiB). */
export function sharedDatabase(): Database {
  if (!shared) throw new Error('the root hook has not opened the database yet');
  return shared;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(120_000);
    shared = openDatabase(testConfig().database);
    await migrateToLatest(shared);
  },
  async afterAll() {
    await shared?.close();
    shared = null;
  },
};
