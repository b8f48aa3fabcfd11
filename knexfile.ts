/** For the knex CLI (`npx knex migrate:status` …): the same database the server would open. */
import { loadConfig } from './src/config.js';
import { knexConfig } from './src/db/connect.js';
import { FolderMigrationSource } from './src/db/migration-source.js';

const config = loadConfig(process.env);

export default {
  ...knexConfig(config.database),
  migrations: { migrationSource: new FolderMigrationSource() },
};
