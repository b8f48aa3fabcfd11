/** The composition root: read config, build dependencies, migrate, listen, shut down cleanly. */
import { ConfigError, loadConfig, type Config } from './config.js';
import { buildDeps, closeDeps } from './deps.js';
import { createApp } from './app.js';
import { createLogger } from './logger.js';
import { migrateToLatest } from './db/migrate.js';
import { keepStatistics } from './db/statistics.js';

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

const config = readConfig();
const logger = createLogger(config.logLevel);
const deps = buildDeps(config, logger);
const applied = await migrateToLatest(deps.db);
if (applied.length > 0) logger.info({ applied }, 'migrations applied');
const stopStatistics = keepStatistics(deps.db, logger);

const app = createApp(deps);
app.server.listen(config.port, () => {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, database: config.database.kind, redis: config.redisUrl !== null }, 'listening');
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  try {
    await app.close();
    stopStatistics();
    await closeDeps(deps);
    process.exit(0);
  } catch (err) {
    logger.error({ err }, 'unclean shutdown');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
