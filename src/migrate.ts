/** `npm run migrate` and the Procfile's release phase: bring the schema up to date, then exit. */
import { ConfigError, loadConfig, readEnvironment } from './config.js';
import { openDatabase } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';

try {
  const config = loadConfig(readEnvironment());
  const db = openDatabase(config.database);
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'Already up to date.');
  } finally {
    await db.close();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
