/**
 * The composition root: read config (and .env), build dependencies, open the port for health
 * checks, wait for the database, migrate, serve the app, shut down cleanly.
 */
import { ConfigError, loadConfig, readEnvironment, type Config } from './config.js';
import { buildDeps, closeDeps, type Deps } from './deps.js';
import { createApp, type App } from './app.js';
import { createLogger } from './logger.js';
import { migrateToLatest } from './db/migrate.js';
import { keepVacuumed } from './db/vacuum.js';
import { keepCheckpoints } from './db/checkpoints.js';
import { StartRefusedError } from './db/data-dir-lock.js';
import { BootServer } from './ops/boot-server.js';
import { waitForDatabase } from './ops/wait-for-database.js';
import { describeDatabase, describeOutage } from './ops/describe-outage.js';
import { openAdminSocket, type AdminSocket } from './ops/admin-socket.js';

function readConfig(): Config {
  try {
    return loadConfig(readEnvironment());
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

/** buildDeps, or one line saying why the data folder cannot be used (locked, disk full) and exit 1. */
function buildDepsOrRefuse(): Deps {
  try {
    return buildDeps(config, logger);
  } catch (err) {
    if (err instanceof StartRefusedError) {
      logger.fatal(err.message);
      process.exit(1);
    }
    throw err;
  }
}

/** Said once in production: a PaaS's disk is often wiped at every deploy, and the embedded data with it. */
function noteWhereEmbeddedDataLives(): void {
  if (!config.production || config.database.kind !== 'pglite') return;
  logger.warn(
    { dataDir: config.dataDir },
    `embedded database: the data lives in ${config.dataDir} (pgdata/ and jwt-secret); it must be on a persistent disk, and backed up (npm run backup). ` +
      'For a PaaS with an ephemeral filesystem, set DATABASE_URL=postgres://…',
  );
}

const config = readConfig();
const logger = createLogger(config.logLevel);
const deps = buildDepsOrRefuse();
// A PANIC of the embedded database: only a new process recovers it (from its WAL).
deps.db.onFatal((err) => {
  logger.fatal({ err }, 'the embedded database stopped; exiting so that the next start recovers it');
  process.exit(1);
});

const boot = new BootServer(deps);
let app: App | null = null;
let adminSocket: AdminSocket | null = null;
let stopUpkeep = () => {};
let stopping = false;

/** Waits for the database and migrates it; false if a shutdown came first. Retries while it is unreachable. */
async function prepareDatabase(): Promise<boolean> {
  const where = describeDatabase(config.database);
  for (;;) {
    boot.setPhase('waiting for the database');
    if (!(await waitForDatabase(deps.db, where, logger, () => stopping))) return false;
    boot.setPhase('migrating the database');
    try {
      const applied = await migrateToLatest(deps.db);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
      return true;
    } catch (err) {
      if (describeOutage(err) === null || stopping) throw err;
    }
  }
}

async function start(): Promise<void> {
  let port: number;
  try {
    port = await boot.listen(config.port);
  } catch (err) {
    logger.fatal(`cannot listen on port ${config.port}: ${(err as Error).message} (set PORT to another port, or stop what uses it)`);
    process.exit(1);
  }
  logger.info({ port }, 'health checks answering; preparing the database');
  noteWhereEmbeddedDataLives();
  if (!(await prepareDatabase())) return;
  // What autovacuum and the checkpointer would do on a PostgreSQL server (no-ops there).
  const stops = [keepVacuumed(deps.db, logger), keepCheckpoints(deps.db, logger)];
  stopUpkeep = () => stops.forEach((stop) => stop());
  app = createApp(deps, boot.httpObjects);
  boot.serve(app);
  adminSocket = await openAdminSocket(deps);
  logger.info({ port, database: config.database.kind, redis: config.redisUrl !== null }, 'listening');
}

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  try {
    const stopped = boot.stopAccepting();
    await adminSocket?.close();
    if (app) await app.close();
    // REST requests still running get a moment to answer; then their connections are cut.
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    boot.cutConnections();
    stopUpkeep();
    await closeDeps(deps);
    process.exit(0);
  } catch (err) {
    logger.error({ err }, 'unclean shutdown');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

start().catch((err: unknown) => {
  logger.fatal({ err }, 'start-up failed');
  process.exit(1);
});
